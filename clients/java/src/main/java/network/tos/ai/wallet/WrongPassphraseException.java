package network.tos.ai.wallet;

/** The passphrase does not open this key file. */
public final class WrongPassphraseException extends WalletException {
  private static final long serialVersionUID = 1L;

  public WrongPassphraseException(String message) {
    super(message);
  }
}
