package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.OptionalLong;

/** -32004, rule {@code nonce}: the signed nonce is not the account's next; nothing was spent. */
public final class NonceMismatchException extends PermissionDeniedException {
  private static final long serialVersionUID = 1L;

  NonceMismatchException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  /** The nonce the node expected ({@code data.expected}). */
  public OptionalLong expectedNonce() {
    JsonNode expected = data().path("expected");
    return expected.canConvertToLong() && expected.isIntegralNumber()
        ? OptionalLong.of(expected.longValue())
        : OptionalLong.empty();
  }

  @Override
  public String kind() {
    return "nonce_mismatch";
  }
}
