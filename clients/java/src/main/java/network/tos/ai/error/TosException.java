package network.tos.ai.error;

import java.util.Optional;

/**
 * The root of every failure talking to a TOS node: catch it to catch them all. Unchecked, so the
 * blocking calls and their {@code CompletableFuture} twins fail the same way.
 */
public class TosException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String method;

  public TosException(String method, String message, Throwable cause) {
    super(method == null ? message : method + ": " + message, cause);
    this.method = method;
  }

  /** The JSON-RPC method the failure belongs to, when there is one. */
  public Optional<String> method() {
    return Optional.ofNullable(method);
  }
}
