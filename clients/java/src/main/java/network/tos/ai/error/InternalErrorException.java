package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/** -32603: the node failed; the request changed nothing. */
public final class InternalErrorException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  InternalErrorException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "internal_error";
  }
}
