package network.tos.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import network.tos.ai.error.InsufficientFundsException;
import network.tos.ai.error.NodeResponseException;
import network.tos.ai.error.NodeTimeoutException;
import network.tos.ai.error.NodeUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The JSON-RPC core against a scripted HTTP server: retries, timeouts, error mapping. */
class TransportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DEV0 =
      "tst1laxccncjn2gs3a7k9d9fk0r6p4p25wml7p43g83ukft3ey594uhqktzk40";

  private HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private final java.util.List<String> authorizations =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());
  private final Deque<Function<JsonNode, Reply>> script = new ArrayDeque<>();

  private record Reply(int status, String body, long delayMillis) {}

  private static Function<JsonNode, Reply> status(int status) {
    return request -> new Reply(status, "busy", 0);
  }

  private static Function<JsonNode, Reply> result(String resultJson) {
    return request ->
        new Reply(
            200,
            "{\"jsonrpc\":\"2.0\",\"id\":" + request.get("id") + ",\"result\":" + resultJson + "}",
            0);
  }

  private static Function<JsonNode, Reply> error(int code, String data) {
    return request ->
        new Reply(
            200,
            "{\"jsonrpc\":\"2.0\",\"id\":"
                + request.get("id")
                + ",\"error\":{\"code\":"
                + code
                + ",\"message\":\"no\",\"data\":"
                + data
                + "}}",
            0);
  }

  private TosClient client(RetryPolicy retry, Duration timeout) throws IOException {
    return builder().retry(retry).requestTimeout(timeout).build();
  }

  private TosClient.Builder builder() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::answer);
    server.start();
    return TosClient.builder("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Test
  void the_admin_token_goes_with_the_dev_methods_only() throws IOException {
    try (TosClient client = builder().adminToken("s3cret-token-0123456789").build()) {
      script.add(result("\"devnode/test\""));
      script.add(result("{\"topoheight\":2,\"timestamp\":5}"));
      client.getVersion();
      client.devMine(1);
      assertEquals(java.util.List.of("null", "Bearer s3cret-token-0123456789"), authorizations);
    }
  }

  private void answer(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
    JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
    Function<JsonNode, Reply> next;
    synchronized (script) {
      next = script.isEmpty() ? result("null") : script.poll();
    }
    Reply reply = next.apply(request);
    if (reply.delayMillis() > 0) {
      try {
        Thread.sleep(reply.delayMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(reply.status(), body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void a_read_is_retried_through_transient_failures() throws IOException {
    try (TosClient client =
        client(
            new RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(50)),
            Duration.ofSeconds(5))) {
      script.add(status(503));
      script.add(error(-32603, "{}"));
      script.add(status(429));
      script.add(result("\"devnode/test\""));
      assertEquals("devnode/test", client.getVersion());
      assertEquals(4, requests.get());
    }
  }

  @Test
  void a_read_gives_up_after_the_policys_attempts_with_the_last_failure() throws IOException {
    try (TosClient client =
        client(
            new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(10)),
            Duration.ofSeconds(5))) {
      script.add(status(502));
      script.add(status(503));
      NodeResponseException error = assertThrows(NodeResponseException.class, client::getVersion);
      assertEquals(503, error.httpStatus().orElseThrow());
      assertEquals(2, requests.get());
    }
  }

  @Test
  void a_write_is_never_retried() throws IOException {
    try (TosClient client = client(RetryPolicy.defaults(), Duration.ofSeconds(5))) {
      script.add(status(503));
      assertThrows(NodeResponseException.class, () -> client.devMine(1));
      assertEquals(1, requests.get());
    }
  }

  @Test
  void a_domain_error_is_not_retried_and_keeps_the_method() throws IOException {
    try (TosClient client = client(RetryPolicy.defaults(), Duration.ofSeconds(5))) {
      script.add(error(-32002, "{\"rule\":\"balance\"}"));
      InsufficientFundsException error =
          assertThrows(InsufficientFundsException.class, () -> client.getBalance(DEV0));
      assertEquals("get_balance", error.method().orElseThrow());
      assertEquals("balance", error.rule().orElseThrow());
      assertEquals(1, requests.get());
    }
  }

  @Test
  void a_slow_node_is_a_timeout_within_the_requests_limit() throws IOException {
    try (TosClient client = client(RetryPolicy.none(), Duration.ofMillis(200))) {
      script.add(request -> new Reply(200, "{}", 1_000));
      long started = System.nanoTime();
      NodeTimeoutException error = assertThrows(NodeTimeoutException.class, client::getVersion);
      assertTrue((System.nanoTime() - started) / 1e9 < 1.5, "took too long to time out");
      assertEquals(Duration.ofMillis(200), error.timeout());
    }
  }

  @Test
  void a_node_that_is_not_there_is_unavailable() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    try (TosClient client =
        TosClient.builder("http://127.0.0.1:" + port).retry(RetryPolicy.none()).build()) {
      assertThrows(NodeUnavailableException.class, client::getInfo);
      CompletionException async =
          assertThrows(CompletionException.class, () -> client.getInfoAsync().join());
      assertTrue(async.getCause() instanceof NodeUnavailableException);
    }
  }

  @Test
  void a_result_of_the_wrong_shape_names_the_field() throws IOException {
    try (TosClient client = client(RetryPolicy.none(), Duration.ofSeconds(5))) {
      script.add(result("{\"address\":\"" + DEV0 + "\",\"balance\":1.5,\"topoheight\":1}"));
      NodeResponseException error =
          assertThrows(NodeResponseException.class, () -> client.getBalance(DEV0));
      assertEquals("result.balance", error.field());
      assertEquals("get_balance", error.method().orElseThrow());
    }
  }

  @Test
  void amounts_beyond_a_long_are_kept_whole() throws IOException {
    try (TosClient client = client(RetryPolicy.none(), Duration.ofSeconds(5))) {
      script.add(
          result(
              "{\"address\":\""
                  + DEV0
                  + "\",\"balance\":\"18446744073709551615\",\"topoheight\":1}"));
      assertEquals("18446744073709551615", client.getBalance(DEV0).balance().toString());
    }
  }

  @Test
  void the_retry_backoff_has_jitter_and_a_ceiling() {
    RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(2));
    for (int attempt = 1; attempt <= 9; attempt++) {
      long ceiling = Math.min(100L << (attempt - 1), 2000);
      for (int i = 0; i < 200; i++) {
        long wait = policy.backoff(attempt).toMillis();
        assertTrue(wait >= ceiling / 2 && wait <= ceiling, attempt + ": " + wait);
      }
    }
  }
}
