package network.tos.ai.events;

/**
 * The node no longer keeps the events after the stream's cursor: reload state through the read
 * methods; the stream carries on with the events after {@code headSeq}.
 */
public record ResyncRequired(long oldestSeq, long headSeq, String message) {}
