package network.tos.ai.error;

import java.util.OptionalInt;

/**
 * The node answered with something that is not a valid reply: an HTTP status without a JSON-RPC
 * reply, a body that is not JSON, or a result missing a field or of the wrong type.
 */
public class NodeResponseException extends TosException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final int httpStatus;

  public NodeResponseException(String method, String field, String reason) {
    this(method, field, reason, -1);
  }

  public NodeResponseException(String method, String field, String reason, int httpStatus) {
    super(method, "malformed reply from the node: " + field + ": " + reason, null);
    this.field = field;
    this.httpStatus = httpStatus;
  }

  /** Where in the reply the problem is ({@code result.participants[0].stake_amount}). */
  public String field() {
    return field;
  }

  /** The HTTP status, when the problem is the status itself. */
  public OptionalInt httpStatus() {
    return httpStatus < 0 ? OptionalInt.empty() : OptionalInt.of(httpStatus);
  }
}
