package network.tos.ai.error;

import java.time.Duration;

/** The node did not answer within the timeout. */
public class NodeTimeoutException extends TosException {
  private static final long serialVersionUID = 1L;

  private final transient Duration timeout;

  public NodeTimeoutException(String method, String url, Duration timeout, Throwable cause) {
    super(
        method,
        "the node at " + url + " did not answer within " + timeout.toMillis() + " ms",
        cause);
    this.timeout = timeout;
  }

  public Duration timeout() {
    return timeout;
  }
}
