package network.tos.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/** The shared conformance suite: its vectors and scenario, and the node the harness started. */
public final class Conformance {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Conformance() {}

  /** clients/conformance: TOS_CONFORMANCE_DIR under the harness, else the repository's folder. */
  public static Path dir() {
    String fromHarness = System.getenv("TOS_CONFORMANCE_DIR");
    Path dir = fromHarness != null ? Path.of(fromHarness) : Path.of("..", "conformance");
    if (!Files.isDirectory(dir.resolve("vectors"))) {
      throw new IllegalStateException("no conformance suite at " + dir.toAbsolutePath());
    }
    return dir;
  }

  public static JsonNode vectors(String name) {
    return read(dir().resolve("vectors").resolve(name + ".json"));
  }

  public static JsonNode scenario() {
    return read(dir().resolve("scenario.json"));
  }

  /**
   * An {@code ai_get_rules} reply without the members at the dotted paths in {@code paths} (the
   * ones that follow the node's settings: vectors/rules.json's {@code configurable}).
   */
  public static JsonNode rulesWithout(JsonNode rules, JsonNode paths) {
    com.fasterxml.jackson.databind.node.ObjectNode copy = rules.deepCopy();
    for (JsonNode path : paths) {
      String[] parts = path.asText().split("\\.");
      JsonNode parent = copy;
      for (int i = 0; i < parts.length - 1; i++) {
        parent = parent.get(parts[i]);
      }
      ((com.fasterxml.jackson.databind.node.ObjectNode) parent).remove(parts[parts.length - 1]);
    }
    return copy;
  }

  /**
   * The member of an {@code ai_get_rules} reply at a dotted path ({@code rate_limits.per_window}).
   */
  public static JsonNode member(JsonNode rules, String path) {
    JsonNode node = rules;
    for (String name : path.split("\\.")) {
      node = node.get(name);
    }
    return node;
  }

  private static JsonNode read(Path path) {
    try {
      return JSON.readTree(Files.readString(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True under clients/conformance/harness.py: tests that need the node must run, not skip. */
  public static boolean required() {
    return "1".equals(System.getenv("TOS_CONFORMANCE"));
  }

  /**
   * The node's URL; outside the harness a test needing the node is skipped with a message naming
   * make test-clients, and under it an unreachable node is a failure.
   */
  public static String nodeUrl() {
    String url = System.getenv("TOS_NODE_URL");
    if (url == null) {
      if (required()) {
        throw new AssertionError("TOS_CONFORMANCE=1 but TOS_NODE_URL is not set");
      }
      Assumptions.abort(
          "needs a devnode: run `make test-clients` (clients/conformance/harness.py sets TOS_NODE_URL)");
    }
    if (!reachable(url)) {
      if (required()) {
        throw new AssertionError("the devnode at " + url + " does not answer");
      }
      Assumptions.abort("the devnode at " + url + " does not answer; run `make test-clients`");
    }
    return url;
  }

  public static String wsUrl() {
    String url = System.getenv("TOS_NODE_WS_URL");
    return url != null ? url : nodeUrl().replaceFirst("^http", "ws") + "/ai/ws";
  }

  /** The harness's control endpoint (restart, reset, stop, start), or a skip without it. */
  public static String control() {
    String url = System.getenv("TOS_CONFORMANCE_CONTROL");
    if (url == null) {
      if (required()) {
        throw new AssertionError("TOS_CONFORMANCE=1 but TOS_CONFORMANCE_CONTROL is not set");
      }
      Assumptions.abort("needs the harness's control endpoint: run `make test-clients`");
    }
    return url;
  }

  /** POSTs an action (restart, reset, stop, start) to the control endpoint; answers once done. */
  public static JsonNode controlNode(String action) {
    return controlNode(action, "{}");
  }

  /** The same with a JSON body ({@code {"kill": true}} for restart and stop: SIGKILL). */
  public static JsonNode controlNode(String action, String body) {
    try {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(control() + "/" + action))
              .timeout(Duration.ofSeconds(60))
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build();
      HttpResponse<String> reply = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (reply.statusCode() != 200) {
        throw new AssertionError(
            "control " + action + ": HTTP " + reply.statusCode() + " " + reply.body());
      }
      return JSON.readTree(reply.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static boolean reachable(String url) {
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url + "/openrpc.json"))
              .timeout(Duration.ofSeconds(5))
              .build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
