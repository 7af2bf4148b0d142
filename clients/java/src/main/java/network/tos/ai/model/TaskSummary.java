package network.tos.ai.model;

import java.math.BigInteger;

/** A task as {@code ai_list_active_tasks} lists it. */
public record TaskSummary(
    String taskId,
    String title,
    TaskType taskType,
    Difficulty difficultyLevel,
    BigInteger rewardAmount,
    BigInteger stakeRequired,
    long deadline,
    long timeLeft,
    int participantsCount,
    int maxParticipants,
    int submissionsCount,
    String publisher,
    TaskStatus status) {
  /** The smallest stake the node takes: max(reward / 10, stake_required). */
  public BigInteger minStake() {
    return rewardAmount.divide(BigInteger.TEN).max(stakeRequired);
  }

  /** The largest stake the node takes: reward / 2. */
  public BigInteger maxStake() {
    return rewardAmount.shiftRight(1);
  }

  /** True when a place is free and the task still takes participants. */
  public boolean hasPlace() {
    return status.isJoinable() && participantsCount < maxParticipants;
  }
}
