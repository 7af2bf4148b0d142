package network.tos.ai.error;

/** The node could not be reached, or the connection broke before a reply arrived. */
public class NodeUnavailableException extends TosException {
  private static final long serialVersionUID = 1L;

  public NodeUnavailableException(String method, String url, Throwable cause) {
    super(method, "cannot reach the node at " + url + ": " + describe(cause), cause);
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
  }
}
