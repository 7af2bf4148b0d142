package network.tos.ai.wallet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * The canonical JSON the node hashes and signs: object keys sorted by Unicode code point at every
 * depth, no whitespace, UTF-8, strings escaped only for {@code "}, {@code \} and U+0000–U+001F,
 * integers in plain decimal of any size, fractions in their shortest round-trip form.
 *
 * <p>This is exactly what the node's {@code json.dumps(value, sort_keys=True, separators=(",",
 * ":"), ensure_ascii=False)} writes, including Python's float formatting ({@code 0.67}, {@code
 * 1e+16}, {@code 1e-05}), so bytes signed here verify there.
 */
public final class CanonicalJson {
  /**
   * Orders strings by Unicode code point, as Python does, not by UTF-16 unit as {@code compareTo}.
   */
  public static final Comparator<String> CODE_POINT_ORDER = CanonicalJson::compareCodePoints;

  private static final ObjectMapper PARSER = new ObjectMapper();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private CanonicalJson() {}

  /** Parses JSON text, keeping integers of any size exactly. */
  public static JsonNode parse(String text) {
    try {
      return PARSER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** The canonical text of {@code value}. */
  public static String write(JsonNode value) {
    StringBuilder out = new StringBuilder(128);
    append(out, value);
    return out.toString();
  }

  /** The canonical bytes (UTF-8) of {@code value}: what is signed. */
  public static byte[] bytes(JsonNode value) {
    return write(value).getBytes(StandardCharsets.UTF_8);
  }

  private static void append(StringBuilder out, JsonNode value) {
    switch (value.getNodeType()) {
      case OBJECT -> {
        List<String> names = new ArrayList<>(value.size());
        value.fieldNames().forEachRemaining(names::add);
        names.sort(CODE_POINT_ORDER);
        out.append('{');
        boolean first = true;
        for (String name : names) {
          if (!first) {
            out.append(',');
          }
          first = false;
          appendString(out, name);
          out.append(':');
          append(out, value.get(name));
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        Iterator<JsonNode> items = value.elements();
        boolean first = true;
        while (items.hasNext()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          append(out, items.next());
        }
        out.append(']');
      }
      case STRING -> appendString(out, value.textValue());
      case NUMBER -> {
        if (value.isIntegralNumber()) {
          out.append(value.bigIntegerValue());
        } else {
          out.append(formatDouble(value.doubleValue()));
        }
      }
      case BOOLEAN -> out.append(value.booleanValue() ? "true" : "false");
      case NULL -> out.append("null");
      default ->
          throw new IllegalArgumentException(
              "canonical JSON cannot hold a " + value.getNodeType() + " value");
    }
  }

  private static void appendString(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else if (Character.isSurrogate(c)) {
            boolean paired =
                Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (!paired) {
              throw new IllegalArgumentException(
                  "a lone surrogate (U+" + Integer.toHexString(c) + ") has no UTF-8 form");
            }
            out.append(c).append(text.charAt(++i));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /**
   * A double as Python's {@code repr} writes it: the shortest digits that read back to the same
   * double, positional between 1e-4 and 1e16, else {@code d.ddde±XX}.
   */
  public static String formatDouble(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new IllegalArgumentException("JSON has no form for " + value);
    }
    if (value == 0.0) {
      return (Double.doubleToRawLongBits(value) < 0) ? "-0.0" : "0.0";
    }
    BigDecimal shortest = shortestDecimal(Math.abs(value));
    String digits = shortest.unscaledValue().toString();
    int decimalPoint = digits.length() - shortest.scale(); // value = 0.<digits> x 10^decimalPoint
    StringBuilder out = new StringBuilder(24);
    if (value < 0) {
      out.append('-');
    }
    if (decimalPoint > 16 || decimalPoint < -3) {
      out.append(digits.charAt(0));
      if (digits.length() > 1) {
        out.append('.').append(digits, 1, digits.length());
      }
      int exponent = decimalPoint - 1;
      out.append('e').append(exponent < 0 ? '-' : '+');
      int magnitude = Math.abs(exponent);
      if (magnitude < 10) {
        out.append('0');
      }
      out.append(magnitude);
    } else if (decimalPoint <= 0) {
      out.append("0.").append("0".repeat(-decimalPoint)).append(digits);
    } else if (decimalPoint >= digits.length()) {
      out.append(digits).append("0".repeat(decimalPoint - digits.length())).append(".0");
    } else {
      out.append(digits, 0, decimalPoint).append('.').append(digits, decimalPoint, digits.length());
    }
    return out.toString();
  }

  /** The decimal with the fewest significant digits that rounds to {@code value} (positive). */
  private static BigDecimal shortestDecimal(double value) {
    BigDecimal exact = new BigDecimal(value);
    for (int precision = 1; precision <= 17; precision++) {
      BigDecimal nearest = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
      BigDecimal unit = BigDecimal.ONE.scaleByPowerOfTen(-nearest.scale()); // its last digit's
      BigDecimal best = null;
      // Near a power of two the round-trip interval is lopsided: a neighbour of the nearest
      // p-digit decimal may read back when the nearest itself does not.
      for (BigDecimal candidate : List.of(nearest, nearest.add(unit), nearest.subtract(unit))) {
        if (candidate.signum() > 0 && candidate.doubleValue() == value) {
          if (best == null
              || candidate.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0) {
            best = candidate;
          }
        }
      }
      if (best != null) {
        return best.stripTrailingZeros();
      }
    }
    throw new AssertionError("17 significant digits always read back: " + value);
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return Integer.compare(x, y);
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
