package network.tos.ai.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * One event of the node's log: {@code seq} starts at 1 and grows by one per event; {@code data} is
 * the event's fields.
 */
public record Event(String name, long seq, long topoheight, long timestamp, JsonNode data) {

  /** The {@code task_id} the event names, if any. */
  public Optional<String> taskId() {
    return Optional.ofNullable(data.path("task_id").textValue());
  }
}
