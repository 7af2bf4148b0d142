package network.tos.ai.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Function;
import network.tos.ai.error.NodeResponseException;
import network.tos.ai.model.Amounts;

/**
 * Reads one JSON object of a node's reply, field by field, failing with a {@link
 * NodeResponseException} that names the method and the path ({@code result.participants[0].miner})
 * of the first field that is missing or of the wrong type.
 */
public final class Fields {
  private final String method;
  private final String path;
  private final JsonNode node;

  private Fields(String method, String path, JsonNode node) {
    this.method = method;
    this.path = path;
    this.node = node;
  }

  /** The {@code result} of a reply to {@code method}; it must be an object. */
  public static Fields of(String method, JsonNode result) {
    return object(method, "result", result);
  }

  static Fields object(String method, String path, JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new NodeResponseException(method, path, "expected an object, got " + kind(node));
    }
    return new Fields(method, path, node);
  }

  public JsonNode raw() {
    return node;
  }

  public String path() {
    return path;
  }

  private JsonNode required(String name) {
    JsonNode value = node.get(name);
    if (value == null) {
      throw problem(name, "missing");
    }
    return value;
  }

  private NodeResponseException problem(String name, String reason) {
    return new NodeResponseException(method, path + "." + name, reason);
  }

  public String string(String name) {
    JsonNode value = required(name);
    if (!value.isTextual()) {
      throw problem(name, "expected a string, got " + kind(value));
    }
    return value.textValue();
  }

  public Optional<String> optionalString(String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    return Optional.of(string(name));
  }

  public long longValue(String name) {
    JsonNode value = required(name);
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw problem(name, "expected an integer, got " + kind(value));
    }
    return value.longValue();
  }

  public OptionalLong optionalLong(String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(longValue(name));
  }

  public int intValue(String name) {
    long value = longValue(name);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw problem(name, "integer out of range: " + value);
    }
    return (int) value;
  }

  public OptionalInt optionalInt(String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(intValue(name));
  }

  public double doubleValue(String name) {
    JsonNode value = required(name);
    if (!value.isNumber()) {
      throw problem(name, "expected a number, got " + kind(value));
    }
    return value.doubleValue();
  }

  public boolean bool(String name) {
    JsonNode value = required(name);
    if (!value.isBoolean()) {
      throw problem(name, "expected true or false, got " + kind(value));
    }
    return value.booleanValue();
  }

  public Optional<Boolean> optionalBool(String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    return Optional.of(bool(name));
  }

  /** An amount: a decimal string (or, in the daemon's shapes, a plain integer). */
  public BigInteger amount(String name) {
    JsonNode value = required(name);
    try {
      return Amounts.parseReply(value);
    } catch (IllegalArgumentException e) {
      throw problem(name, "expected an amount, got " + kind(value));
    }
  }

  /** Any JSON (a null node when absent). */
  public JsonNode any(String name) {
    JsonNode value = node.get(name);
    return value == null ? NullNode.getInstance() : value.deepCopy();
  }

  public Fields object(String name) {
    return object(method, path + "." + name, required(name));
  }

  public <T> T parsed(String name, Function<JsonNode, T> parser) {
    JsonNode value = required(name);
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw problem(name, e.getMessage());
    }
  }

  public List<String> strings(String name) {
    JsonNode value = required(name);
    if (!value.isArray()) {
      throw problem(name, "expected an array, got " + kind(value));
    }
    List<String> out = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      if (!value.get(i).isTextual()) {
        throw problem(name + "[" + i + "]", "expected a string, got " + kind(value.get(i)));
      }
      out.add(value.get(i).textValue());
    }
    return out;
  }

  /** An array of objects, each read by {@code reader}; an absent member is an empty list. */
  public <T> List<T> list(String name, Function<Fields, T> reader) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return List.of();
    }
    return listOf(method, path + "." + name, value, reader);
  }

  /** An object keyed by id, each value read by {@code reader}, in the node's order. */
  public <T> Map<String, T> map(String name, Function<Fields, T> reader) {
    return mapOf(method, path + "." + name, required(name), reader);
  }

  public static <T> List<T> listOf(
      String method, String path, JsonNode value, Function<Fields, T> reader) {
    if (value == null || !value.isArray()) {
      throw new NodeResponseException(method, path, "expected an array, got " + kind(value));
    }
    List<T> out = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      out.add(reader.apply(object(method, path + "[" + i + "]", value.get(i))));
    }
    return out;
  }

  public static <T> Map<String, T> mapOf(
      String method, String path, JsonNode value, Function<Fields, T> reader) {
    if (value == null || !value.isObject()) {
      throw new NodeResponseException(method, path, "expected an object, got " + kind(value));
    }
    Map<String, T> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : value.properties()) {
      out.put(
          entry.getKey(),
          reader.apply(object(method, path + "." + entry.getKey(), entry.getValue())));
    }
    return out;
  }

  static String kind(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "nothing";
    }
    return switch (value.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      default -> value.getNodeType().toString();
    };
  }
}
