package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/** -32001: no such task or submission. */
public final class UnknownEntityException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  UnknownEntityException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "unknown_entity";
  }
}
