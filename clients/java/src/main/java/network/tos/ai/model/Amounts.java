package network.tos.ai.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * Amounts are integers in atomic units (1 TOS = 10^8 atomic), from 0 to 2^64 - 1, carried as {@link
 * BigInteger} so that no u64 is ever cut short or rounded through a double.
 */
public final class Amounts {
  /** Atomic units in one TOS. */
  public static final BigInteger ATOMIC_PER_TOS = BigInteger.valueOf(100_000_000L);

  /**
   * The largest amount a param may carry: the chain's whole supply, 184,000,000 TOS (the maximum of
   * the amount schema in the node's OpenRPC document; a test checks the two agree).
   */
  public static final BigInteger MAX_SUPPLY = new BigInteger("18400000000000000");

  /** The largest amount a reply may carry: u64. */
  public static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private static final Pattern DIGITS = Pattern.compile("[0-9]+");
  private static final Pattern TOS = Pattern.compile("([0-9]+)(?:\\.([0-9]{1,8}))?");
  private static final String NOT_AN_AMOUNT =
      "amount must be an amount in atomic units (a decimal string or an integer)";

  private Amounts() {}

  /** Checks that {@code atomic} is an amount the node takes (0 to 2^64 - 1) and returns it. */
  public static BigInteger check(String field, BigInteger atomic) {
    if (atomic == null) {
      throw new InvalidInputException(field, NOT_AN_AMOUNT);
    }
    if (atomic.signum() < 0) {
      throw new InvalidInputException(field, "amount cannot be negative");
    }
    if (atomic.compareTo(MAX_SUPPLY) > 0) {
      throw new InvalidInputException(
          field,
          "amount is "
              + formatGrouped(atomic)
              + ", more than the chain's whole supply of "
              + formatGrouped(MAX_SUPPLY)
              + " ("
              + MAX_SUPPLY
              + " atomic)");
    }
    return atomic;
  }

  /**
   * Reads an amount of a node's reply: a decimal string (or, in the daemon's shapes, an integer) of
   * 0 to 2^64 - 1; the supply ceiling is a rule for params, not for what the node reports.
   */
  public static BigInteger parseReply(JsonNode value) {
    BigInteger atomic;
    if (value != null && value.isIntegralNumber()) {
      atomic = value.bigIntegerValue();
    } else if (value != null && value.isTextual() && DIGITS.matcher(value.textValue()).matches()) {
      atomic = new BigInteger(value.textValue());
    } else {
      throw new InvalidInputException("amount", NOT_AN_AMOUNT);
    }
    if (atomic.signum() < 0 || atomic.compareTo(MAX_U64) > 0) {
      throw new InvalidInputException("amount", "amount out of the u64 range");
    }
    return atomic;
  }

  /**
   * Reads an amount the way the node does: a JSON integer or a string of ASCII digits, 0 to 2^64 -
   * 1. Anything else ({@code "1.5"}, {@code " 5"}, {@code true}, {@code null}) is refused.
   */
  public static BigInteger parse(JsonNode value) {
    if (value == null || value.isNull()) {
      throw new InvalidInputException("amount", NOT_AN_AMOUNT);
    }
    if (value.isBoolean()) {
      throw new InvalidInputException(
          "amount", "amount must be an amount (a decimal string or an integer)");
    }
    if (value.isIntegralNumber()) {
      return check("amount", value.bigIntegerValue());
    }
    if (value.isTextual()) {
      return parse(value.textValue());
    }
    throw new InvalidInputException("amount", NOT_AN_AMOUNT);
  }

  /** Reads an amount from a decimal string of ASCII digits. */
  public static BigInteger parse(String text) {
    if (text == null || !DIGITS.matcher(text).matches()) {
      throw new InvalidInputException("amount", NOT_AN_AMOUNT);
    }
    return check("amount", new BigInteger(text));
  }

  /** Atomic units of a TOS figure with at most 8 decimals ({@code "1.5"} is 150000000). */
  public static BigInteger fromTos(String tos) {
    var match = TOS.matcher(tos == null ? "" : tos.strip());
    if (!match.matches()) {
      throw new IllegalArgumentException("not a TOS amount with at most 8 decimals: " + tos);
    }
    String fraction = match.group(2) == null ? "" : match.group(2);
    return new BigInteger(match.group(1))
        .multiply(ATOMIC_PER_TOS)
        .add(new BigInteger("0" + fraction + "0".repeat(8 - fraction.length())));
  }

  /** The node's form in messages: thousands grouped ({@code "184,000,000 TOS"}). */
  static String formatGrouped(BigInteger atomic) {
    BigInteger[] parts = atomic.divideAndRemainder(ATOMIC_PER_TOS);
    String whole = String.format(java.util.Locale.ROOT, "%,d", parts[0]);
    if (parts[1].signum() == 0) {
      return whole + " TOS";
    }
    String fraction =
        String.format(java.util.Locale.ROOT, "%08d", parts[1]).replaceFirst("0+$", "");
    return whole + "." + fraction + " TOS";
  }

  /** The display text of an atomic amount, trailing zeros trimmed ({@code "1.5 TOS"}). */
  public static String format(BigInteger atomic) {
    BigDecimal tos = new BigDecimal(atomic).movePointLeft(8).stripTrailingZeros();
    return (tos.signum() == 0 ? "0" : tos.toPlainString()) + " TOS";
  }
}
