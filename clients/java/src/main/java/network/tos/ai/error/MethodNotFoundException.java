package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/** -32601: the node has no such method. */
public final class MethodNotFoundException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  MethodNotFoundException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "method_not_found";
  }
}
