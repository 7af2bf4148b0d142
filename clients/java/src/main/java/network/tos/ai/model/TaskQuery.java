package network.tos.ai.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import network.tos.ai.wallet.Bech32;

/**
 * Filters, order and paging for {@code ai_list_active_tasks}. Every part is optional: {@code
 * TaskQuery.all()} lists the newest 50 active tasks.
 */
public record TaskQuery(
    String taskType,
    Difficulty difficulty,
    BigInteger minReward,
    String publisher,
    TaskStatus status,
    SortBy sortBy,
    boolean ascending,
    Integer limit,
    Integer offset) {
  /** What to sort by. */
  public enum SortBy {
    CREATED_AT("created_at"),
    DEADLINE("deadline"),
    TIME_LEFT("time_left"),
    REWARD_AMOUNT("reward_amount"),
    PARTICIPANTS_COUNT("participants_count");

    private final String wireName;

    SortBy(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  public TaskQuery {
    if (taskType != null && !TaskType.DETAIL_KEYS.containsKey(taskType)) {
      throw new InvalidInputException("filters.task_type", "unknown task type " + taskType);
    }
    if (minReward != null) {
      Amounts.check("filters.min_reward", minReward);
    }
    if (publisher != null) {
      publisher = Bech32.normalize(publisher, Bech32.DEVNET_HRP);
    }
    if (status != null && !status.isJoinable() && status != TaskStatus.UNDER_VALIDATION) {
      throw new InvalidInputException("filters.status", "only active statuses are listed");
    }
    if (limit != null && (limit < 1 || limit > 1000)) {
      throw new InvalidInputException("limit", "must be 1 to 1000");
    }
    if (offset != null && offset < 0) {
      throw new InvalidInputException("offset", "must be 0 or more");
    }
  }

  /** No filter, the node's default order (newest first) and page size (50). */
  public static TaskQuery all() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The params object sent to the node. */
  public ObjectNode toJson() {
    ObjectNode params = JsonNodeFactory.instance.objectNode();
    ObjectNode filters = JsonNodeFactory.instance.objectNode();
    if (taskType != null) {
      filters.put("task_type", taskType);
    }
    if (difficulty != null) {
      filters.put("difficulty_level", difficulty.wireName());
    }
    if (minReward != null) {
      filters.put("min_reward", minReward.toString());
    }
    if (publisher != null) {
      filters.put("publisher", publisher);
    }
    if (status != null) {
      filters.put("status", status.wireName());
    }
    if (!filters.isEmpty()) {
      params.set("filters", filters);
    }
    if (sortBy != null) {
      params.put("sort_by", sortBy.wireName());
      params.put("sort_order", ascending ? "asc" : "desc");
    }
    if (limit != null) {
      params.put("limit", limit);
    }
    if (offset != null) {
      params.put("offset", offset);
    }
    return params;
  }

  /** Builds a {@link TaskQuery}. */
  public static final class Builder {
    private String taskType;
    private Difficulty difficulty;
    private BigInteger minReward;
    private String publisher;
    private TaskStatus status;
    private SortBy sortBy;
    private boolean ascending;
    private Integer limit;
    private Integer offset;

    private Builder() {}

    /** Only tasks of this variant ({@code "CodeAnalysis"}). */
    public Builder taskType(String variant) {
      this.taskType = variant;
      return this;
    }

    public Builder difficulty(Difficulty difficulty) {
      this.difficulty = difficulty;
      return this;
    }

    public Builder minReward(BigInteger minReward) {
      this.minReward = minReward;
      return this;
    }

    public Builder publisher(String address) {
      this.publisher = address;
      return this;
    }

    public Builder status(TaskStatus status) {
      this.status = status;
      return this;
    }

    /** Sort by {@code sortBy}, newest / largest first. */
    public Builder sortDescending(SortBy sortBy) {
      this.sortBy = sortBy;
      this.ascending = false;
      return this;
    }

    /** Sort by {@code sortBy}, oldest / smallest first. */
    public Builder sortAscending(SortBy sortBy) {
      this.sortBy = sortBy;
      this.ascending = true;
      return this;
    }

    public Builder limit(int limit) {
      this.limit = limit;
      return this;
    }

    public Builder offset(int offset) {
      this.offset = offset;
      return this;
    }

    public TaskQuery build() {
      return new TaskQuery(
          taskType, difficulty, minReward, publisher, status, sortBy, ascending, limit, offset);
    }
  }
}
