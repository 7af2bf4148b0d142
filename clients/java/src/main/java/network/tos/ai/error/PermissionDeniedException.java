package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * -32004: not allowed (someone else's task, own task or submission, reputation, not a miner,
 * signature, nonce, chain).
 */
public class PermissionDeniedException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  protected PermissionDeniedException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  @Override
  public String kind() {
    return "permission_denied";
  }
}
