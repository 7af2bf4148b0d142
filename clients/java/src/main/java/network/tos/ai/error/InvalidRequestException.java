package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/** -32600: not a valid JSON-RPC request (or a batch or body too big). */
public final class InvalidRequestException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  InvalidRequestException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "invalid_request";
  }
}
