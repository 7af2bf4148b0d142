package network.tos.ai.wallet;

/** A key file that cannot be opened: damaged, of another format, or for another address. */
public class WalletException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public WalletException(String message) {
    super(message);
  }

  public WalletException(String message, Throwable cause) {
    super(message, cause);
  }
}
