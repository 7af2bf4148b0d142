package network.tos.ai.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A task's type, externally tagged as the node has it: a variant ({@code CodeAnalysis}, ...) and
 * its one optional detail ({@code language}, ...), e.g. {@code {"CodeAnalysis": {"language":
 * "rust"}}}.
 *
 * @param variant one of {@link #VARIANTS}
 * @param detail the variant's detail value ({@code "rust"}, or an {@code Integer} complexity for
 *     {@code LogicReasoning}), or empty
 */
public record TaskType(String variant, Optional<Object> detail) {
  /** Every variant and its one detail key. */
  public static final Map<String, String> DETAIL_KEYS =
      Map.of(
          "CodeAnalysis", "language",
          "SecurityAudit", "scope",
          "DataAnalysis", "data_type",
          "AlgorithmOptimization", "domain",
          "LogicReasoning", "complexity",
          "GeneralTask", "category");

  /** The variants in the node's order. */
  public static final List<String> VARIANTS =
      List.of(
          "CodeAnalysis",
          "SecurityAudit",
          "DataAnalysis",
          "AlgorithmOptimization",
          "LogicReasoning",
          "GeneralTask");

  public TaskType {
    if (!DETAIL_KEYS.containsKey(variant)) {
      throw new InvalidInputException("task_type", "unknown task type " + variant);
    }
    detail.ifPresent(value -> checkDetail(variant, value));
  }

  /** The bare variant, with no detail. */
  public static TaskType of(String variant) {
    return new TaskType(variant, Optional.empty());
  }

  public static TaskType codeAnalysis(String language) {
    return new TaskType("CodeAnalysis", Optional.of(language));
  }

  public static TaskType securityAudit(String scope) {
    return new TaskType("SecurityAudit", Optional.of(scope));
  }

  public static TaskType dataAnalysis(String dataType) {
    return new TaskType("DataAnalysis", Optional.of(dataType));
  }

  public static TaskType algorithmOptimization(String domain) {
    return new TaskType("AlgorithmOptimization", Optional.of(domain));
  }

  public static TaskType logicReasoning(int complexity) {
    return new TaskType("LogicReasoning", Optional.of(complexity));
  }

  public static TaskType generalTask(String category) {
    return new TaskType("GeneralTask", Optional.of(category));
  }

  /** The name of this variant's detail ({@code language} for CodeAnalysis). */
  public String detailKey() {
    return DETAIL_KEYS.get(variant);
  }

  /**
   * Reads a task type as the node does: a bare variant name or {@code {Variant: {detail} or null}};
   * anything the node would refuse with -32602 throws {@link InvalidInputException} naming the
   * node's field.
   */
  public static TaskType parse(JsonNode value) {
    if (value != null && value.isTextual()) {
      if (!DETAIL_KEYS.containsKey(value.textValue())) {
        throw new InvalidInputException("task_type", "unknown task type " + value.textValue());
      }
      return of(value.textValue());
    }
    if (value == null || !value.isObject() || value.size() != 1) {
      throw new InvalidInputException(
          "task_type", "a task type is a variant name or an object with exactly one variant");
    }
    String variant = value.fieldNames().next();
    if (!DETAIL_KEYS.containsKey(variant)) {
      throw new InvalidInputException("task_type", "unknown task type " + variant);
    }
    JsonNode body = value.get(variant);
    String path = "task_type." + variant;
    if (body.isNull()) {
      return of(variant);
    }
    if (!body.isObject()) {
      throw new InvalidInputException(path, "the detail of a task type is an object");
    }
    Optional<Object> detail = Optional.empty();
    for (Map.Entry<String, JsonNode> entry : body.properties()) {
      if (!entry.getKey().equals(DETAIL_KEYS.get(variant))) {
        throw new InvalidInputException(path + "." + entry.getKey(), "unknown field");
      }
      JsonNode raw = entry.getValue();
      if (raw.isNull()) {
        continue;
      }
      String field = path + "." + entry.getKey();
      if (variant.equals("LogicReasoning")) {
        if (!raw.isIntegralNumber() || !raw.canConvertToInt()) {
          throw new InvalidInputException(field, "complexity is an integer from 1 to 10");
        }
        detail = Optional.of(raw.intValue());
      } else {
        if (!raw.isTextual()) {
          throw new InvalidInputException(field, "must be a string");
        }
        detail = Optional.of(raw.textValue());
      }
    }
    return new TaskType(variant, detail);
  }

  /** The normalized form the node stores and returns: {@code {Variant: {detail}}}. */
  public ObjectNode toJson() {
    ObjectNode inner = JsonNodeFactory.instance.objectNode();
    detail.ifPresent(
        value -> {
          if (value instanceof Integer number) {
            inner.put(detailKey(), number);
          } else {
            inner.put(detailKey(), (String) value);
          }
        });
    ObjectNode outer = JsonNodeFactory.instance.objectNode();
    outer.set(variant, inner);
    return outer;
  }

  /** The node's default title for a task of this type ({@code CodeAnalysis (rust)}). */
  public String defaultTitle() {
    return detail.map(value -> variant + " (" + value + ")").orElse(variant);
  }

  private static void checkDetail(String variant, Object value) {
    String field = "task_type." + variant + "." + DETAIL_KEYS.get(variant);
    if (variant.equals("LogicReasoning")) {
      if (!(value instanceof Integer complexity) || complexity < 1 || complexity > 10) {
        throw new InvalidInputException(field, "complexity is an integer from 1 to 10");
      }
    } else if (!(value instanceof String)) {
      throw new InvalidInputException(field, "must be a string");
    }
  }
}
