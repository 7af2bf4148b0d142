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

  /** The largest amount the node takes: 2^64 - 1. */
  public static final BigInteger MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

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
    if (atomic.compareTo(MAX) > 0) {
      throw new InvalidInputException(field, "amount is larger than 2^64 - 1 (u64)");
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

  /** The display text of an atomic amount, trailing zeros trimmed ({@code "1.5 TOS"}). */
  public static String format(BigInteger atomic) {
    BigDecimal tos = new BigDecimal(atomic).movePointLeft(8).stripTrailingZeros();
    return (tos.signum() == 0 ? "0" : tos.toPlainString()) + " TOS";
  }
}
