package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/** -32006: done before (a second participation, submission, validation or registration). */
public final class AlreadyDoneException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  AlreadyDoneException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "already_done";
  }
}
