package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/** -32005: a length, score, reward or deadline breaks a content rule. */
public final class InvalidContentException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  InvalidContentException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "invalid_content";
  }
}
