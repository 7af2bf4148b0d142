package network.tos.ai.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How a task's submissions are judged; on the devnet every type is served by validators' scores.
 */
public sealed interface VerificationType {
  /** The JSON the node takes and returns. */
  JsonNode toJson();

  /** How many validations each submission needs. */
  int requiredValidations();

  /** One validation per submission. */
  record Automatic() implements VerificationType {
    @Override
    public JsonNode toJson() {
      return JsonNodeFactory.instance.textNode("Automatic");
    }

    @Override
    public int requiredValidations() {
      return 1;
    }
  }

  /** {@code requiredReviewers} validations per submission; the threshold is stored and shown. */
  record PeerReview(int requiredReviewers, double consensusThreshold) implements VerificationType {
    public PeerReview {
      if (requiredReviewers < 1 || requiredReviewers > 20) {
        throw new InvalidInputException(
            "verification_type.PeerReview.required_reviewers", "must be 1 to 20");
      }
    }

    @Override
    public JsonNode toJson() {
      ObjectNode inner = JsonNodeFactory.instance.objectNode();
      inner.put("required_reviewers", requiredReviewers);
      inner.put("consensus_threshold", consensusThreshold);
      ObjectNode outer = JsonNodeFactory.instance.objectNode();
      outer.set("PeerReview", inner);
      return outer;
    }

    @Override
    public int requiredValidations() {
      return requiredReviewers;
    }
  }

  /** {@code expertCount} validations per submission. */
  record ExpertReview(int expertCount) implements VerificationType {
    public ExpertReview {
      if (expertCount < 1 || expertCount > 20) {
        throw new InvalidInputException(
            "verification_type.ExpertReview.expert_count", "must be 1 to 20");
      }
    }

    @Override
    public JsonNode toJson() {
      ObjectNode inner = JsonNodeFactory.instance.objectNode();
      inner.put("expert_count", expertCount);
      ObjectNode outer = JsonNodeFactory.instance.objectNode();
      outer.set("ExpertReview", inner);
      return outer;
    }

    @Override
    public int requiredValidations() {
      return expertCount;
    }
  }

  /**
   * Reads {@code "Automatic"}, {@code {"PeerReview": {...}}} or {@code {"ExpertReview": {...}}}.
   */
  static VerificationType parse(JsonNode value) {
    String variant;
    JsonNode body;
    if (value.isTextual()) {
      variant = value.textValue();
      body = JsonNodeFactory.instance.objectNode();
    } else if (value.isObject() && value.size() == 1) {
      variant = value.fieldNames().next();
      body = value.get(variant);
    } else {
      throw new InvalidInputException("verification_type", "not a verification type: " + value);
    }
    return switch (variant) {
      case "Automatic" -> new Automatic();
      case "PeerReview" ->
          new PeerReview(
              body.path("required_reviewers").asInt(1),
              body.path("consensus_threshold").asDouble(0.67));
      case "ExpertReview" -> new ExpertReview(body.path("expert_count").asInt(1));
      default -> throw new InvalidInputException("verification_type", "unknown variant " + variant);
    };
  }
}
