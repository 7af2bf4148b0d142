package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/** -32700: the request was not valid JSON. */
public final class ParseErrorException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  ParseErrorException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "parse_error";
  }
}
