package network.tos.ai.events;

import network.tos.ai.error.TosException;

/**
 * Thrown once by {@link EventIterator} when the node no longer kept the events after the cursor;
 * the iterator goes on with the events after {@link ResyncRequired#headSeq()}.
 */
public final class ResyncRequiredException extends TosException {
  private static final long serialVersionUID = 1L;

  private final transient ResyncRequired resync;

  public ResyncRequiredException(ResyncRequired resync) {
    super(
        null,
        "events before seq "
            + resync.oldestSeq()
            + " are no longer kept: reload state, then carry on from seq "
            + resync.headSeq(),
        null);
    this.resync = resync;
  }

  public ResyncRequired resync() {
    return resync;
  }
}
