package network.tos.ai.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.Objects;

/**
 * A task to publish. Only the type and the reward are required; the node fills in the rest (see
 * docs/node-api.md, "Defaults for what a publisher leaves out"). Build one with {@link
 * #builder(TaskType, BigInteger)}.
 */
public record TaskData(
    String title,
    String description,
    TaskType taskType,
    Difficulty difficultyLevel,
    BigInteger rewardAmount,
    BigInteger stakeRequired,
    Long deadline,
    Double deadlineHours,
    Integer maxParticipants,
    VerificationType verificationType,
    Integer qualityThreshold) {
  public TaskData {
    Objects.requireNonNull(taskType, "taskType");
    Amounts.check("task_data.reward_amount", rewardAmount);
    if (stakeRequired != null) {
      Amounts.check("task_data.stake_required", stakeRequired);
    }
  }

  public static Builder builder(TaskType taskType, BigInteger rewardAmount) {
    return new Builder(taskType, rewardAmount);
  }

  /** Reads a {@code task_data} object (the scenario's and the node's form). */
  public static TaskData fromJson(JsonNode value) {
    Builder builder =
        builder(TaskType.parse(value.get("task_type")), Amounts.parse(value.get("reward_amount")));
    if (value.hasNonNull("title")) {
      builder.title(value.get("title").asText());
    }
    if (value.hasNonNull("description")) {
      builder.description(value.get("description").asText());
    }
    if (value.hasNonNull("difficulty_level")) {
      builder.difficulty(Difficulty.fromWire(value.get("difficulty_level").asText()));
    }
    if (value.hasNonNull("stake_required")) {
      builder.stakeRequired(Amounts.parse(value.get("stake_required")));
    }
    if (value.hasNonNull("deadline")) {
      builder.deadline(value.get("deadline").asLong());
    }
    if (value.hasNonNull("deadline_hours")) {
      builder.deadlineHours(value.get("deadline_hours").asDouble());
    }
    if (value.hasNonNull("max_participants")) {
      builder.maxParticipants(value.get("max_participants").asInt());
    }
    if (value.hasNonNull("verification_type")) {
      builder.verificationType(VerificationType.parse(value.get("verification_type")));
    }
    if (value.hasNonNull("quality_threshold")) {
      builder.qualityThreshold(value.get("quality_threshold").asInt());
    }
    return builder.build();
  }

  /** The {@code task_data} object sent to the node (amounts as decimal strings). */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    if (title != null) {
      node.put("title", title);
    }
    if (description != null) {
      node.put("description", description);
    }
    node.set("task_type", taskType.toJson());
    if (difficultyLevel != null) {
      node.put("difficulty_level", difficultyLevel.wireName());
    }
    node.put("reward_amount", rewardAmount.toString());
    if (stakeRequired != null) {
      node.put("stake_required", stakeRequired.toString());
    }
    if (deadline != null) {
      node.put("deadline", deadline);
    }
    if (deadlineHours != null) {
      node.put("deadline_hours", deadlineHours);
    }
    if (maxParticipants != null) {
      node.put("max_participants", maxParticipants);
    }
    if (verificationType != null) {
      node.set("verification_type", verificationType.toJson());
    }
    if (qualityThreshold != null) {
      node.put("quality_threshold", qualityThreshold);
    }
    return node;
  }

  /** Builds a {@link TaskData}. */
  public static final class Builder {
    private final TaskType taskType;
    private final BigInteger rewardAmount;
    private String title;
    private String description;
    private Difficulty difficulty;
    private BigInteger stakeRequired;
    private Long deadline;
    private Double deadlineHours;
    private Integer maxParticipants;
    private VerificationType verificationType;
    private Integer qualityThreshold;

    private Builder(TaskType taskType, BigInteger rewardAmount) {
      this.taskType = taskType;
      this.rewardAmount = rewardAmount;
    }

    public Builder title(String title) {
      this.title = title;
      return this;
    }

    public Builder description(String description) {
      this.description = description;
      return this;
    }

    public Builder difficulty(Difficulty difficulty) {
      this.difficulty = difficulty;
      return this;
    }

    public Builder stakeRequired(BigInteger stakeRequired) {
      this.stakeRequired = stakeRequired;
      return this;
    }

    /** The deadline, Unix seconds on the node's clock. */
    public Builder deadline(long deadline) {
      this.deadline = deadline;
      return this;
    }

    /** The deadline as hours from now (used when no deadline is given). */
    public Builder deadlineHours(double hours) {
      this.deadlineHours = hours;
      return this;
    }

    public Builder maxParticipants(int maxParticipants) {
      this.maxParticipants = maxParticipants;
      return this;
    }

    public Builder verificationType(VerificationType verificationType) {
      this.verificationType = verificationType;
      return this;
    }

    public Builder qualityThreshold(int qualityThreshold) {
      this.qualityThreshold = qualityThreshold;
      return this;
    }

    public TaskData build() {
      return new TaskData(
          title,
          description,
          taskType,
          difficulty,
          rewardAmount,
          stakeRequired,
          deadline,
          deadlineHours,
          maxParticipants,
          verificationType,
          qualityThreshold);
    }
  }
}
