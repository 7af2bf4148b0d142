package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/** -32003: the task does not take this action now (status, deadline, full, reviewers complete). */
public final class NotAcceptingException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  NotAcceptingException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "not_accepting";
  }
}
