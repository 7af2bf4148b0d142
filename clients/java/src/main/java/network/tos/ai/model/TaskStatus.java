package network.tos.ai.model;

/** Where a task is in its lifecycle. */
public enum TaskStatus {
  PUBLISHED("Published"),
  IN_PROGRESS("InProgress"),
  UNDER_VALIDATION("UnderValidation"),
  COMPLETED("Completed"),
  EXPIRED("Expired"),
  CANCELLED("Cancelled");

  private final String wireName;

  TaskStatus(String wireName) {
    this.wireName = wireName;
  }

  /** The name the node uses ({@code "InProgress"}). */
  public String wireName() {
    return wireName;
  }

  /** True while miners may still join (Published, InProgress). */
  public boolean isJoinable() {
    return this == PUBLISHED || this == IN_PROGRESS;
  }

  /** True once the task can change no more (Completed, Expired, Cancelled). */
  public boolean isFinal() {
    return this == COMPLETED || this == EXPIRED || this == CANCELLED;
  }

  /** The status of a node name; {@link IllegalArgumentException} for anything else. */
  public static TaskStatus fromWire(String name) {
    for (TaskStatus status : values()) {
      if (status.wireName.equals(name)) {
        return status;
      }
    }
    throw new IllegalArgumentException("not a task status: " + name);
  }
}
