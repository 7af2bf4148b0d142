package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** -32004, rule {@code chain_id}: the request was signed for another chain; nothing was spent. */
public final class WrongChainException extends PermissionDeniedException {
  private static final long serialVersionUID = 1L;

  WrongChainException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  /** The node's chain id ({@code data.expected}). */
  public Optional<String> expectedChainId() {
    return Optional.ofNullable(data().path("expected").textValue());
  }

  @Override
  public String kind() {
    return "wrong_chain";
  }
}
