package network.tos.ai.events;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import network.tos.ai.model.Event;

/**
 * A blocking iterator over a stream's events. {@link #hasNext()} waits for the next event; it is
 * false once the stream was closed. A chain reset is thrown as {@link ChainResetException} and a
 * lost stretch of history as {@link ResyncRequiredException}, each once, where it happened.
 */
public final class EventIterator implements Iterator<Event>, AutoCloseable {
  private final EventStream stream;
  private Event next;

  EventIterator(EventStream stream) {
    this.stream = stream;
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      next = stream.take(null).orElse(null);
    }
    return next != null;
  }

  @Override
  public Event next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the event stream is closed");
    }
    Event event = next;
    next = null;
    return event;
  }

  /** The next event within {@code timeout}, or empty (the stream goes on). */
  public Optional<Event> poll(Duration timeout) {
    if (next != null) {
      Event event = next;
      next = null;
      return Optional.of(event);
    }
    return stream.take(timeout);
  }

  /** The stream underneath (its cursor, chain id, connection state). */
  public EventStream stream() {
    return stream;
  }

  @Override
  public void close() {
    stream.close();
  }
}
