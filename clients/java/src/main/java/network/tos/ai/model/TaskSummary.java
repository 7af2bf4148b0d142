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
  /**
   * The stake rule this client keeps: a stake is between max(reward / STAKE_MIN_DIVISOR,
   * stake_required) and reward / STAKE_MAX_DIVISOR. The node publishes the divisors it applies
   * ({@link Rules#stake()}); the tests check these against them.
   */
  public static final BigInteger STAKE_MIN_DIVISOR = BigInteger.TEN;

  public static final BigInteger STAKE_MAX_DIVISOR = BigInteger.TWO;

  /** The smallest stake the node takes: max(reward / 10, stake_required). */
  public BigInteger minStake() {
    return stakeRange().min();
  }

  /** The largest stake the node takes: reward / 2. */
  public BigInteger maxStake() {
    return stakeRange().max();
  }

  private Rules.StakeRange stakeRange() {
    return Rules.StakeRange.of(rewardAmount, stakeRequired, STAKE_MIN_DIVISOR, STAKE_MAX_DIVISOR);
  }

  /** True when a place is free and the task still takes participants. */
  public boolean hasPlace() {
    return status.isJoinable() && participantsCount < maxParticipants;
  }
}
