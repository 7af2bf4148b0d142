package network.tos.ai.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import network.tos.ai.error.NodeRpcException;
import network.tos.ai.error.TosException;
import network.tos.ai.internal.Fields;
import network.tos.ai.internal.Results;
import network.tos.ai.model.Event;

/**
 * The node's events over {@code /ai/ws} on the JDK's {@link WebSocket}, delivered in seq order to
 * an {@link EventListener} or through a blocking {@link EventIterator}.
 *
 * <p>The stream keeps a cursor, the last seq it delivered. When the connection drops (the node
 * restarts, the network fails, the node drops a slow consumer) it reconnects with backoff and
 * subscribes again from the cursor, dropping anything already delivered, so no seq is skipped or
 * repeated. Each subscription's reply names the node's chain; when that is not the chain the cursor
 * came from, the stream says so with a {@link ChainReset} and then, by the {@link
 * ChainResetPolicy}, ends (the default) or starts again from seq 0 of the new chain. A quiet
 * connection is pinged every heartbeat; nothing heard for two and it is treated as gone.
 */
public final class EventStream implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EventStream.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int QUEUE_CAPACITY = 10_000;

  /** What a stream does once it has reported a chain reset. */
  public enum ChainResetPolicy {
    /** End the stream: the caller decides what the old cursor means. */
    STOP,
    /** Carry on from seq 0 of the new chain (every event of the new chain, in order). */
    RESTART_FROM_ZERO
  }

  private sealed interface Item {}

  private record EventItem(Event event) implements Item {}

  private record ResetItem(ChainReset reset) implements Item {}

  private record ResyncItem(ResyncRequired resync) implements Item {}

  private record ConnectionItem(boolean connected) implements Item {}

  private record ErrorItem(TosException error) implements Item {}

  private record EndItem() implements Item {}

  private final HttpClient http;
  private final URI url;
  private final Set<String> names; // empty: every event
  private final ChainResetPolicy resetPolicy;
  private final Duration connectTimeout;
  private final Duration maxBackoff;
  private final Duration heartbeat;
  private final Runnable onChainReset;
  private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
  private final Object state = new Object();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private volatile boolean closed;
  private volatile boolean connected;
  private volatile WebSocket socket;
  private volatile long delivered = -1;
  private volatile long lastHeard; // System.nanoTime() of the last sign of life of the connection
  private Long cursor; // the last seq received; null: live only, not yet subscribed
  private String chainId; // the chain the cursor belongs to; null: not yet known
  private Thread loop;

  private EventStream(Builder builder) {
    this.http = builder.http;
    this.url = builder.url;
    this.names = Set.copyOf(builder.names);
    this.resetPolicy = builder.resetPolicy;
    this.connectTimeout = builder.connectTimeout;
    this.maxBackoff = builder.maxBackoff;
    this.heartbeat = builder.heartbeat;
    this.onChainReset = builder.onChainReset;
    this.cursor = builder.sinceSeq;
    this.chainId = builder.chainId;
  }

  /** Use {@code TosClient.events()}. */
  public static Builder builder(HttpClient http, URI url, Runnable onChainReset) {
    return new Builder(http, url, onChainReset);
  }

  /**
   * The last seq the stream delivered (to the listener or through the iterator), if any yet: save
   * it with {@link #chainId()} to resume later with {@code since(seq, chainId)}.
   */
  public Optional<Long> lastDelivered() {
    long seq = delivered;
    return seq < 0 ? Optional.empty() : Optional.of(seq);
  }

  /** The last seq the stream received from the node (delivered, or queued for delivery). */
  public Optional<Long> cursor() {
    synchronized (state) {
      return Optional.ofNullable(cursor);
    }
  }

  /** The chain the cursor belongs to, once the node said it. */
  public Optional<String> chainId() {
    synchronized (state) {
      return Optional.ofNullable(chainId);
    }
  }

  /** True while a subscription is open. */
  public boolean isConnected() {
    return connected;
  }

  /** True until the stream was closed or ended. */
  public boolean isOpen() {
    return !ended.isDone();
  }

  /** Completes when the stream has ended (closed, a refused subscription, a chain reset). */
  public CompletableFuture<Void> ended() {
    return ended;
  }

  /** Stops the stream and closes its connection. */
  @Override
  public void close() {
    closed = true;
    WebSocket current = socket;
    if (current != null) {
      current.abort();
    }
    Thread thread = loop;
    if (thread != null) {
      thread.interrupt();
    }
    if (ended.complete(null)) {
      queue.clear(); // closed by the caller: what is still queued is not wanted
      queue.offer(new EndItem());
    }
  }

  /** The loop ended by itself (a chain reset, a refused subscription): deliver what is queued. */
  private void finish() {
    if (ended.complete(null)) {
      offer(new EndItem());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The connection loop

  private void start(String threadName) {
    loop = new Thread(this::run, threadName);
    loop.setDaemon(true);
    loop.start();
  }

  private void run() {
    int failures = 0;
    while (!closed) {
      Connection connection = new Connection();
      try {
        socket =
            http.newWebSocketBuilder()
                .connectTimeout(connectTimeout)
                .buildAsync(url, connection)
                .get(connectTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        socket.sendText(subscribeMessage(), true);
        watch(connection);
        failures = connection.subscribed ? 0 : failures + 1;
      } catch (InterruptedException e) {
        break;
      } catch (Exception e) {
        failures++;
        LOG.log(Level.FINE, "event stream: cannot connect to " + url, e);
      } finally {
        WebSocket current = socket;
        if (current != null) {
          current.abort();
        }
        socket = null;
        if (connected) {
          connected = false;
          offer(new ConnectionItem(false));
        }
      }
      if (closed || connection.fatal) {
        break;
      }
      try {
        Thread.sleep(backoff(failures).toMillis());
      } catch (InterruptedException e) {
        break;
      }
    }
    finish();
  }

  /**
   * Waits until the connection ends. A peer that vanished without closing (a dead route, a killed
   * host) is found by a ping every heartbeat: nothing heard for two heartbeats ends the connection,
   * and the loop reconnects from the cursor.
   */
  private void watch(Connection connection) throws InterruptedException, ExecutionException {
    lastHeard = System.nanoTime();
    while (true) {
      try {
        connection.done.get(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        if (System.nanoTime() - lastHeard > 2 * heartbeat.toNanos()) {
          LOG.fine(
              () -> "event stream: nothing from the node for " + 2 * heartbeat.toMillis() + " ms");
          return;
        }
        WebSocket current = socket;
        if (current != null) {
          current
              .sendPing(ByteBuffer.wrap(new byte[] {'h', 'b'}))
              .whenComplete(
                  (ignored, error) -> {
                    if (error != null) {
                      connection.done.complete(null);
                    }
                  });
        }
      }
    }
  }

  private Duration backoff(int failures) {
    if (failures == 0) {
      return Duration.ZERO;
    }
    long base = Math.min(maxBackoff.toMillis(), 50L << Math.min(failures - 1, 10));
    return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
  }

  private String subscribeMessage() {
    ObjectNode params = JsonNodeFactory.instance.objectNode();
    if (names.isEmpty()) {
      params.put("events", "*");
    } else {
      ArrayNode list = params.putArray("events");
      names.stream().sorted().forEach(list::add);
    }
    synchronized (state) {
      if (cursor == null) {
        params.putNull("since_seq");
      } else {
        params.put("since_seq", cursor);
      }
    }
    ObjectNode request = JsonNodeFactory.instance.objectNode();
    request.put("jsonrpc", "2.0");
    request.put("id", 1);
    request.put("method", "subscribe");
    request.set("params", params);
    return request.toString();
  }

  /** One WebSocket connection: its messages, in order, until it closes. */
  private final class Connection implements WebSocket.Listener {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    volatile boolean subscribed;
    volatile boolean fatal;

    @Override
    public void onOpen(WebSocket webSocket) {
      lastHeard = System.nanoTime();
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
      lastHeard = System.nanoTime();
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
      lastHeard = System.nanoTime();
      webSocket.request(1); // the JDK answers the ping itself
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      lastHeard = System.nanoTime();
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          handle(webSocket, text);
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "event stream: cannot read a message: " + text, e);
          done.complete(null); // reconnect from the cursor
          return null;
        }
      }
      if (!done.isDone()) {
        webSocket.request(1);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      LOG.fine(() -> "event stream closed by the node: " + statusCode + " " + reason);
      done.complete(null);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      LOG.log(Level.FINE, "event stream connection failed", error);
      done.complete(null);
    }

    private void handle(WebSocket webSocket, String text) {
      JsonNode message;
      try {
        message = JSON.readTree(text);
      } catch (Exception e) {
        throw new IllegalArgumentException("not JSON", e);
      }
      if (message.has("result") || message.has("error")) {
        onReply(message);
      } else if (message.has("event")) {
        onEventMessage(webSocket, message);
      }
    }

    private void onReply(JsonNode message) {
      if (message.has("error")) {
        JsonNode error = message.get("error");
        fatal = true;
        offer(
            new ErrorItem(
                NodeRpcException.of(
                    "subscribe",
                    error.path("code").asInt(),
                    error.path("message").asText(""),
                    error.get("data"))));
        done.complete(null);
        return;
      }
      JsonNode result = message.get("result");
      String nodeChain = result.path("chain_id").textValue();
      long headSeq = result.path("head_seq").asLong();
      ChainReset reset = null;
      synchronized (state) {
        if (chainId != null && nodeChain != null && !chainId.equals(nodeChain)) {
          reset = new ChainReset(chainId, nodeChain, cursor == null ? 0 : cursor);
        } else {
          chainId = nodeChain;
          if (cursor == null) {
            cursor = headSeq; // live only: what follows is after head_seq
          }
        }
      }
      if (reset != null) {
        onChainReset.run();
        offer(new ResetItem(reset));
        if (resetPolicy == ChainResetPolicy.STOP) {
          fatal = true;
        } else {
          synchronized (state) {
            chainId = reset.newChainId();
            cursor = 0L;
          }
        }
        done.complete(null); // resubscribe from 0 on the new chain, or end
        return;
      }
      subscribed = true;
      connected = true;
      offer(new ConnectionItem(true));
    }

    private void onEventMessage(WebSocket webSocket, JsonNode message) {
      String name = message.path("event").asText();
      if (name.equals("resync_required")) {
        long head = message.path("head_seq").asLong();
        synchronized (state) {
          cursor = head;
        }
        offer(
            new ResyncItem(
                new ResyncRequired(
                    message.path("oldest_seq").asLong(),
                    head,
                    message.path("message").asText(""))));
        return;
      }
      if (name.equals("subscription_dropped")) {
        LOG.fine(() -> "event stream dropped by the node: " + message);
        done.complete(null); // the node closes the connection; resubscribe from the cursor
        return;
      }
      if (!subscribed) {
        return;
      }
      Event event = Results.event(Fields.of("subscribe", message));
      synchronized (state) {
        long last = cursor == null ? event.seq() - 1 : cursor;
        if (event.seq() <= last) {
          return; // already delivered before a reconnection
        }
        if (names.isEmpty() && event.seq() != last + 1) {
          // Every event was asked for, so a gap is the node's or the network's fault: resubscribe
          // from the cursor rather than skip.
          LOG.warning("event stream: seq " + event.seq() + " after " + last + "; resubscribing");
          done.complete(null);
          return;
        }
        cursor = event.seq();
      }
      offer(new EventItem(event));
    }
  }

  private void offer(Item item) {
    try {
      while (!closed && !queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
        // The consumer is behind: hold the connection back (the node drops us if it lasts); the
        // connection is not dead for all that.
        lastHeard = System.nanoTime();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Delivery

  /** The next event within {@code timeout} (forever when null); empty on timeout or at the end. */
  Optional<Event> take(Duration timeout) {
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    while (true) {
      Item item;
      try {
        if (timeout == null) {
          item = queue.take();
        } else {
          long left = deadline - System.nanoTime();
          item = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TosException(null, "interrupted while waiting for an event", e);
      }
      if (item == null) {
        return Optional.empty();
      }
      if (item instanceof EventItem event) {
        delivered = event.event().seq();
        return Optional.of(event.event());
      } else if (item instanceof ResetItem reset) {
        delivered = -1;
        throw new ChainResetException(reset.reset());
      } else if (item instanceof ResyncItem resync) {
        throw new ResyncRequiredException(resync.resync());
      } else if (item instanceof ErrorItem error) {
        queue.offer(item);
        throw error.error();
      } else if (item instanceof EndItem) {
        queue.offer(item);
        return Optional.empty();
      }
      // ConnectionItem: nothing for an iterator
    }
  }

  private void dispatch(EventListener listener) {
    while (true) {
      Item item;
      try {
        item = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        if (item instanceof EventItem event) {
          delivered = event.event().seq();
          listener.onEvent(event.event());
        } else if (item instanceof ResetItem reset) {
          delivered = -1;
          listener.onChainReset(reset.reset());
        } else if (item instanceof ResyncItem resync) {
          listener.onResyncRequired(resync.resync());
        } else if (item instanceof ConnectionItem change) {
          listener.onConnectionChange(change.connected());
        } else if (item instanceof ErrorItem error) {
          listener.onError(error.error());
        } else if (item instanceof EndItem) {
          return;
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "event listener failed on " + item, e);
      }
    }
  }

  /** Configures an {@link EventStream}; {@link #listen} or {@link #iterator} starts it. */
  public static final class Builder {
    private final HttpClient http;
    private final URI url;
    private final Runnable onChainReset;
    private Set<String> names = Set.of();
    private Long sinceSeq;
    private String chainId;
    private ChainResetPolicy resetPolicy = ChainResetPolicy.STOP;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration maxBackoff = Duration.ofSeconds(2);
    private Duration heartbeat = Duration.ofSeconds(10);

    private Builder(HttpClient http, URI url, Runnable onChainReset) {
      this.http = Objects.requireNonNull(http);
      this.url = Objects.requireNonNull(url);
      this.onChainReset = onChainReset == null ? () -> {} : onChainReset;
    }

    /** Only these event names ({@code task_published}, ...); default every event. */
    public Builder only(String... names) {
      this.names = Set.copyOf(List.of(names));
      return this;
    }

    /** Only these event names; an empty set means every event. */
    public Builder only(Set<String> names) {
      this.names = Set.copyOf(names);
      return this;
    }

    /** Start with the events after {@code seq}; default live events only. */
    public Builder since(long seq) {
      if (seq < 0) {
        throw new IllegalArgumentException("seq must be 0 or more");
      }
      this.sinceSeq = seq;
      return this;
    }

    /**
     * Start after {@code seq} of chain {@code chainId} (from {@code get_info} or a saved cursor): a
     * node on another chain is reported as a {@link ChainReset} at once.
     */
    public Builder since(long seq, String chainId) {
      since(seq);
      this.chainId = Objects.requireNonNull(chainId, "chainId");
      return this;
    }

    /** What to do after a chain reset; default {@link ChainResetPolicy#STOP}. */
    public Builder onChainReset(ChainResetPolicy policy) {
      this.resetPolicy = Objects.requireNonNull(policy);
      return this;
    }

    /** How long one connection attempt may take (default 5 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** The longest wait between reconnection attempts (default 2 s). */
    public Builder maxBackoff(Duration backoff) {
      this.maxBackoff = Objects.requireNonNull(backoff);
      return this;
    }

    /**
     * How often to ping an otherwise quiet connection (default 10 s); nothing heard for two of them
     * and the stream reconnects.
     */
    public Builder heartbeat(Duration heartbeat) {
      if (heartbeat.isZero() || heartbeat.isNegative()) {
        throw new IllegalArgumentException("the heartbeat must be positive");
      }
      this.heartbeat = heartbeat;
      return this;
    }

    /** Starts the stream, delivering to {@code listener} on the stream's own thread. */
    public EventStream listen(EventListener listener) {
      Objects.requireNonNull(listener, "listener");
      EventStream stream = new EventStream(this);
      Thread dispatcher = new Thread(() -> stream.dispatch(listener), "tos-ai-events-dispatch");
      dispatcher.setDaemon(true);
      dispatcher.start();
      stream.start("tos-ai-events");
      return stream;
    }

    /** Starts the stream and returns a blocking iterator over its events. */
    public EventIterator iterator() {
      EventStream stream = new EventStream(this);
      stream.start("tos-ai-events");
      return new EventIterator(stream);
    }
  }
}
