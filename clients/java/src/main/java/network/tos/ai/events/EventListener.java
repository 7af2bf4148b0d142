package network.tos.ai.events;

import network.tos.ai.error.TosException;
import network.tos.ai.model.Event;

/**
 * Receives a stream's events in seq order, one at a time, on the stream's own thread: every event
 * after the cursor exactly once, across reconnections.
 */
@FunctionalInterface
public interface EventListener {
  /** The next event. */
  void onEvent(Event event);

  /** The node's chain was reset; by default the stream then ends (see {@link EventStream}). */
  default void onChainReset(ChainReset reset) {}

  /** Events after the cursor are no longer kept; the stream goes on after {@code headSeq}. */
  default void onResyncRequired(ResyncRequired resync) {}

  /** The connection went up ({@code true}) or down ({@code false}); the stream reconnects. */
  default void onConnectionChange(boolean connected) {}

  /** The stream ended on an error it cannot recover from (a refused subscription). */
  default void onError(TosException error) {}
}
