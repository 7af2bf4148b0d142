package network.tos.ai.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import network.tos.ai.events.EventStream.ChainResetPolicy;
import network.tos.ai.model.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stream against a small WebSocket node that misbehaves on purpose: it drops the connection at
 * random points, replays from before the cursor, says subscription_dropped, changes its chain. The
 * stream must deliver every seq once, in order, and name a chain reset.
 */
class EventStreamTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FlakyNode node;

  @AfterEach
  void stop() throws IOException {
    if (node != null) {
      node.close();
    }
  }

  private AssertionError stuck(long want) {
    Thread.getAllStackTraces()
        .forEach(
            (thread, stack) -> {
              if (thread.getName().startsWith("tos-ai")
                  || thread.getName().startsWith("HttpClient")) {
                System.err.println("THREAD " + thread.getName());
                for (StackTraceElement frame : stack) {
                  System.err.println("   " + frame);
                }
              }
            });
    return new AssertionError(
        "no seq " + want + " after " + node.connections.get() + " connections");
  }

  @Test
  void every_seq_once_in_order_across_random_disconnects_and_overlapping_replays()
      throws Exception {
    for (long seed = 1; seed <= 5; seed++) {
      node = new FlakyNode(new Random(seed), 300, "chain-a");
      HttpClient http = HttpClient.newHttpClient();
      try (EventIterator events =
          EventStream.builder(http, node.url(), null)
              .since(0)
              .maxBackoff(Duration.ofMillis(20))
              .heartbeat(Duration.ofMillis(100))
              .iterator()) {
        for (long seq = 1; seq <= 300; seq++) {
          long want = seq;
          Event event = events.poll(Duration.ofSeconds(10)).orElseThrow(() -> stuck(want));
          assertEquals(seq, event.seq(), "seed " + seed);
        }
        assertTrue(
            node.connections.get() > 3, "the node should have dropped the stream a few times");
        assertFalse(events.poll(Duration.ofMillis(200)).isPresent(), "nothing after the last seq");
      }
      node.close();
    }
  }

  @Test
  void a_new_chain_is_reported_with_both_ids_and_then_followed_from_zero() throws Exception {
    node = new FlakyNode(new Random(7), 40, "chain-a");
    HttpClient http = HttpClient.newHttpClient();
    try (EventIterator events =
        EventStream.builder(http, node.url(), null)
            .since(0, "chain-a")
            .onChainReset(ChainResetPolicy.RESTART_FROM_ZERO)
            .maxBackoff(Duration.ofMillis(20))
            .heartbeat(Duration.ofMillis(100))
            .iterator()) {
      for (long seq = 1; seq <= 40; seq++) {
        assertEquals(seq, events.poll(Duration.ofSeconds(10)).orElseThrow().seq());
      }
      node.chainId = "chain-b";
      node.head = 5;
      node.dropAll();
      ChainResetException error =
          assertThrows(ChainResetException.class, () -> events.poll(Duration.ofSeconds(10)));
      assertEquals(new ChainReset("chain-a", "chain-b", 40), error.reset());
      for (long seq = 1; seq <= 5; seq++) {
        assertEquals(seq, events.poll(Duration.ofSeconds(10)).orElseThrow().seq());
      }
      assertEquals("chain-b", events.stream().chainId().orElseThrow());
    }
  }

  @Test
  void a_stream_for_another_chain_stops_by_default() throws Exception {
    node = new FlakyNode(new Random(8), 3, "chain-new");
    node.reliable = true;
    try (EventIterator events =
        EventStream.builder(HttpClient.newHttpClient(), node.url(), null)
            .since(10, "chain-old")
            .iterator()) {
      ChainResetException error = assertThrows(ChainResetException.class, events::hasNext);
      assertEquals("chain-old", error.reset().oldChainId());
      assertFalse(events.hasNext());
      assertFalse(events.stream().isOpen());
    }
  }

  /** A WebSocket server speaking the node's subscribe protocol, dropping connections at random. */
  static final class FlakyNode implements AutoCloseable {
    final ServerSocket server;
    final Random random;
    final AtomicInteger connections = new AtomicInteger();
    final List<Socket> open = new ArrayList<>();
    volatile String chainId;
    volatile long head;
    volatile boolean reliable;
    private final Thread acceptor;

    FlakyNode(Random random, long head, String chainId) throws IOException {
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      this.random = random;
      this.head = head;
      this.chainId = chainId;
      this.acceptor = new Thread(this::accept, "flaky-node");
      this.acceptor.setDaemon(true);
      this.acceptor.start();
    }

    URI url() {
      return URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/ai/ws");
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          synchronized (open) {
            open.add(socket);
          }
          connections.incrementAndGet();
          Thread serve = new Thread(() -> serve(socket), "flaky-node-conn");
          serve.setDaemon(true);
          serve.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    void dropAll() throws IOException {
      synchronized (open) {
        for (Socket socket : open) {
          socket.close();
        }
        open.clear();
      }
    }

    private void serve(Socket socket) {
      try (socket) {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        handshake(in, out);
        JsonNode subscribe = JSON.readTree(readFrame(in));
        JsonNode since = subscribe.at("/params/since_seq");
        long from = since.isNull() ? head : since.asLong();
        String chain = chainId;
        long last = head;
        send(
            out,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"head_seq\":"
                + last
                + ",\"chain_id\":\""
                + chain
                + "\"}}");
        // Replay from a little before the cursor (a duplicate or two), as a confused node might.
        long start = reliable ? from + 1 : Math.max(1, from + 1 - random.nextInt(3));
        long stopAfter = reliable ? Long.MAX_VALUE : 1 + random.nextInt(60);
        long sent = 0;
        for (long seq = start; seq <= last; seq++) {
          if (sent++ == stopAfter) {
            if (random.nextBoolean()) {
              send(
                  out,
                  "{\"event\":\"subscription_dropped\",\"reason\":\"slow_consumer\",\"last_seq\":"
                      + (seq - 1)
                      + "}");
            }
            return; // drop the connection mid-stream
          }
          send(
              out,
              "{\"event\":\"task_published\",\"seq\":"
                  + seq
                  + ",\"topoheight\":1,\"timestamp\":1,\"data\":{\"task_id\":\"t"
                  + seq
                  + "\"}}");
        }
        while (!socket.isClosed() && in.read() >= 0) {
          // hold the connection open until the client or dropAll closes it
        }
      } catch (IOException e) {
        // the client went away
      }
    }

    private static void handshake(InputStream in, OutputStream out) throws IOException {
      String key = null;
      StringBuilder line = new StringBuilder();
      while (true) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("closed during the handshake");
        }
        if (c == '\n') {
          String header = line.toString().strip();
          line.setLength(0);
          if (header.isEmpty()) {
            break;
          }
          if (header.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:")) {
            key = header.substring(header.indexOf(':') + 1).strip();
          }
        } else {
          line.append((char) c);
        }
      }
      String accept;
      try {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        accept =
            Base64.getEncoder()
                .encodeToString(
                    sha1.digest(
                        (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                            .getBytes(StandardCharsets.US_ASCII)));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IOException(e);
      }
      out.write(
          ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Accept: "
                  + accept
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }

    private static String readFrame(InputStream in) throws IOException {
      int b0 = in.read();
      int b1 = in.read();
      if (b0 < 0 || b1 < 0) {
        throw new IOException("closed");
      }
      long length = b1 & 0x7F;
      if (length == 126) {
        length = (in.read() << 8) | in.read();
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = (length << 8) | in.read();
        }
      }
      byte[] mask = in.readNBytes(4);
      byte[] payload = in.readNBytes((int) length);
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i % 4];
      }
      return new String(payload, StandardCharsets.UTF_8);
    }

    private static void send(OutputStream out, String text) throws IOException {
      byte[] payload = text.getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 10);
      frame.write(0x81);
      if (payload.length < 126) {
        frame.write(payload.length);
      } else {
        frame.write(126);
        frame.write(payload.length >> 8);
        frame.write(payload.length & 0xFF);
      }
      frame.write(payload);
      out.write(frame.toByteArray());
      out.flush();
    }

    @Override
    public void close() throws IOException {
      server.close();
      dropAll();
    }
  }
}
