package network.tos.ai.wallet;

/** A string that is not a valid address for the expected network; the message is the node's. */
public final class AddressException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public AddressException(String reason) {
    super(reason);
  }
}
