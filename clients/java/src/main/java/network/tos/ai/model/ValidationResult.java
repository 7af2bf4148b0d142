package network.tos.ai.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** A validator's verdict on a submission: approve with a score, or reject (which scores 0). */
public sealed interface ValidationResult {
  /** The {@code validation_result} object the node takes. */
  ObjectNode toJson();

  /** Approve with a quality score 0–100 and a reasoning. */
  record Approve(int qualityScore, String reasoning) implements ValidationResult {
    public Approve {
      Objects.requireNonNull(reasoning, "reasoning");
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode inner = JsonNodeFactory.instance.objectNode();
      inner.put("quality_score", qualityScore);
      inner.put("reasoning", reasoning);
      return wrap("Approve", inner);
    }
  }

  /** Reject with a reason and optional evidence (any JSON, or null). */
  record Reject(String reason, JsonNode evidence) implements ValidationResult {
    public Reject {
      Objects.requireNonNull(reason, "reason");
      evidence = evidence == null ? null : evidence.deepCopy();
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode inner = JsonNodeFactory.instance.objectNode();
      inner.put("reason", reason);
      if (evidence != null && !evidence.isNull()) {
        inner.set("evidence", evidence.deepCopy());
      }
      return wrap("Reject", inner);
    }
  }

  /** Reads {@code {"Approve": {...}}} or {@code {"Reject": {...}}}. */
  static ValidationResult fromJson(JsonNode value) {
    if (value.has("Approve")) {
      JsonNode body = value.get("Approve");
      return new Approve(body.path("quality_score").asInt(), body.path("reasoning").asText(""));
    }
    if (value.has("Reject")) {
      JsonNode body = value.get("Reject");
      return new Reject(body.path("reason").asText(""), body.get("evidence"));
    }
    throw new InvalidInputException("validation_result", "expected Approve or Reject: " + value);
  }

  private static ObjectNode wrap(String name, ObjectNode inner) {
    ObjectNode outer = JsonNodeFactory.instance.objectNode();
    outer.set(name, inner);
    return outer;
  }
}
