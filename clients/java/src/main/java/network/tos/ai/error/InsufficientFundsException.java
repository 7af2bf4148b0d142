package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/** -32002: the balance is too low, or the stake is out of range. */
public final class InsufficientFundsException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  InsufficientFundsException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "insufficient_funds";
  }
}
