package network.tos.ai.model;

/**
 * A value the client refuses before sending, because the node would refuse it with -32602; {@link
 * #field()} is the dotted path the node would name.
 */
public final class InvalidInputException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidInputException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
