package network.tos.ai.model;

import java.util.List;

/**
 * A page of the event log ({@code ai_get_events}); {@code chainId} is the chain the seqs belong to.
 */
public record EventsPage(
    List<Event> events, long headSeq, long oldestSeq, boolean resyncRequired, String chainId) {
  public EventsPage {
    events = List.copyOf(events);
  }
}
