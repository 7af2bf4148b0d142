package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/** -32602: a parameter has the wrong type or shape; {@link #field()} names it. */
public final class InvalidParamsException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  InvalidParamsException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "invalid_params";
  }
}
