package network.tos.ai.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A miner's answer to a task: {@code content} (at least 10 bytes of UTF-8) and optional code,
 * documentation, test results and performance metrics (any JSON).
 */
public record TaskSolution(
    String content,
    String code,
    String documentation,
    JsonNode testResults,
    JsonNode performanceMetrics) {
  public TaskSolution {
    Objects.requireNonNull(content, "content");
    if (content.getBytes(StandardCharsets.UTF_8).length < 10) {
      throw new InvalidInputException("solution_data.content", "at least 10 bytes (UTF-8)");
    }
    testResults = testResults == null ? null : testResults.deepCopy();
    performanceMetrics = performanceMetrics == null ? null : performanceMetrics.deepCopy();
  }

  /** A solution with only content. */
  public static TaskSolution of(String content) {
    return new TaskSolution(content, null, null, null, null);
  }

  /** A solution with content, code and documentation. */
  public static TaskSolution of(String content, String code, String documentation) {
    return new TaskSolution(content, code, documentation, null, null);
  }

  /** Reads a {@code solution_data} object. */
  public static TaskSolution fromJson(JsonNode value) {
    return new TaskSolution(
        value.path("content").asText(),
        value.path("code").textValue(),
        value.path("documentation").textValue(),
        value.get("test_results"),
        value.get("performance_metrics"));
  }

  /** The {@code solution_data} object, without the fields left out. */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("content", content);
    if (code != null) {
      node.put("code", code);
    }
    if (documentation != null) {
      node.put("documentation", documentation);
    }
    if (testResults != null && !testResults.isNull()) {
      node.set("test_results", testResults.deepCopy());
    }
    if (performanceMetrics != null && !performanceMetrics.isNull()) {
      node.set("performance_metrics", performanceMetrics.deepCopy());
    }
    return node;
  }
}
