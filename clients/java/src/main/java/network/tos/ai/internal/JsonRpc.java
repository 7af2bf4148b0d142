package network.tos.ai.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import network.tos.ai.RetryPolicy;
import network.tos.ai.error.InternalErrorException;
import network.tos.ai.error.NodeResponseException;
import network.tos.ai.error.NodeRpcException;
import network.tos.ai.error.NodeTimeoutException;
import network.tos.ai.error.NodeUnavailableException;
import network.tos.ai.error.TosException;
import network.tos.ai.wallet.CanonicalJson;

/**
 * The one JSON-RPC core under every typed call: request ids, the HTTP exchange on the JDK's {@link
 * HttpClient}, error mapping and retries of reads. Bodies are written as canonical JSON, the same
 * bytes a signature covers.
 */
public final class JsonRpc {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI url;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final RetryPolicy retry;
  private final String adminToken;
  private final AtomicLong ids = new AtomicLong();

  /** {@code adminToken} (or null) goes with the {@code dev_*} methods only. */
  public JsonRpc(
      URI url, HttpClient http, Duration requestTimeout, RetryPolicy retry, String adminToken) {
    this.url = url;
    this.http = http;
    this.requestTimeout = requestTimeout;
    this.retry = retry;
    this.adminToken = adminToken;
  }

  public URI url() {
    return url;
  }

  /**
   * Calls {@code method}; when {@code retryable} (a read), transient failures are retried under the
   * retry policy. The future fails with a {@link TosException}.
   */
  public CompletableFuture<JsonNode> call(String method, JsonNode params, boolean retryable) {
    if (!retryable) {
      return once(method, params);
    }
    return attempt(method, params, 1);
  }

  private CompletableFuture<JsonNode> attempt(String method, JsonNode params, int attempt) {
    return once(method, params)
        .handle(
            (result, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(result);
              }
              Throwable cause = unwrap(error);
              if (attempt >= retry.maxAttempts() || !isTransient(cause)) {
                return CompletableFuture.<JsonNode>failedFuture(cause);
              }
              Executor later =
                  CompletableFuture.delayedExecutor(
                      retry.backoff(attempt).toMillis(), TimeUnit.MILLISECONDS);
              return CompletableFuture.supplyAsync(() -> null, later)
                  .thenCompose(ignored -> attempt(method, params, attempt + 1));
            })
        .thenCompose(future -> future);
  }

  private CompletableFuture<JsonNode> once(String method, JsonNode params) {
    long id = ids.incrementAndGet();
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("jsonrpc", "2.0");
    body.put("id", id);
    body.put("method", method);
    body.set("params", params == null ? JsonNodeFactory.instance.objectNode() : params);
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(url)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(CanonicalJson.bytes(body)));
    if (adminToken != null && method.startsWith("dev_")) {
      builder.header("Authorization", "Bearer " + adminToken);
    }
    HttpRequest request = builder.build();
    CompletableFuture<HttpResponse<String>> exchange;
    try {
      exchange = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    } catch (IllegalStateException e) { // the client was closed
      return CompletableFuture.failedFuture(
          new NodeUnavailableException(method, url.toString(), e));
    }
    return exchange.handle(
        (reply, error) -> {
          if (error != null) {
            throw new CompletionException(transportError(method, unwrap(error)));
          }
          return reply(method, id, reply);
        });
  }

  private TosException transportError(String method, Throwable cause) {
    if (cause instanceof TosException known) {
      return known;
    }
    if (cause instanceof HttpTimeoutException) {
      return new NodeTimeoutException(method, url.toString(), requestTimeout, cause);
    }
    return new NodeUnavailableException(method, url.toString(), cause);
  }

  private JsonNode reply(String method, long id, HttpResponse<String> reply) {
    int status = reply.statusCode();
    JsonNode payload;
    try {
      payload = JSON.readTree(reply.body());
    } catch (JsonProcessingException e) {
      payload = null;
    }
    if (payload != null && payload.isObject() && payload.has("error")) {
      JsonNode error = payload.get("error");
      throw new CompletionException(
          NodeRpcException.of(
              method,
              error.path("code").asInt(),
              error.path("message").asText(""),
              error.get("data")));
    }
    if (status != 200) {
      String snippet = reply.body().strip().replace('\n', ' ');
      snippet = snippet.length() > 200 ? snippet.substring(0, 200) : snippet;
      throw new CompletionException(
          new NodeResponseException(
              method,
              "http status",
              "HTTP " + status + (snippet.isEmpty() ? "" : ": " + snippet),
              status));
    }
    if (payload == null || !payload.isObject()) {
      throw new CompletionException(
          new NodeResponseException(method, "body", "not a JSON-RPC reply object"));
    }
    if (payload.path("id").asLong(-1) != id) {
      throw new CompletionException(
          new NodeResponseException(method, "id", "expected " + id + ", got " + payload.get("id")));
    }
    if (!payload.has("result")) {
      throw new CompletionException(new NodeResponseException(method, "result", "missing"));
    }
    return payload.get("result");
  }

  /** True for failures a read may retry: no connection, a timeout, HTTP 5xx/429, -32603. */
  public static boolean isTransient(Throwable error) {
    if (error instanceof NodeUnavailableException
        || error instanceof NodeTimeoutException
        || error instanceof InternalErrorException) {
      return true;
    }
    if (error instanceof NodeResponseException response && response.httpStatus().isPresent()) {
      int status = response.httpStatus().getAsInt();
      return status >= 500 || status == 429;
    }
    return false;
  }

  /** The cause inside {@link CompletionException} / {@link ExecutionException} wrappers. */
  public static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** Waits for {@code future}, rethrowing its failure as it is (a {@link TosException} mostly). */
  public static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      throw new TosException(null, "interrupted while waiting for the node", e);
    } catch (ExecutionException e) {
      Throwable cause = unwrap(e);
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error fatal) {
        throw fatal;
      }
      if (cause instanceof IOException io) {
        throw new TosException(null, io.getMessage(), io);
      }
      throw new TosException(null, String.valueOf(cause), cause);
    }
  }
}
