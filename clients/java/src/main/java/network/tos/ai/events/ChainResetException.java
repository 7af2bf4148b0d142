package network.tos.ai.events;

import network.tos.ai.error.TosException;

/** Thrown by {@link EventIterator} when the node's chain was reset under the stream. */
public final class ChainResetException extends TosException {
  private static final long serialVersionUID = 1L;

  private final transient ChainReset reset;

  public ChainResetException(ChainReset reset) {
    super(
        null,
        "the node's chain was reset: it is now "
            + reset.newChainId()
            + ", not "
            + reset.oldChainId()
            + " (the stream had delivered up to seq "
            + reset.lastSeq()
            + ")",
        null);
    this.reset = reset;
  }

  public ChainReset reset() {
    return reset;
  }
}
