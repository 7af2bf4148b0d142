package network.tos.ai.model;

import java.math.BigInteger;
import java.util.List;
import java.util.OptionalLong;

/** One task with its participants, submissions, validations and rewards. */
public record TaskDetails(
    TaskSummary summary,
    String description,
    VerificationType verificationType,
    int requiredReviewers,
    int qualityThreshold,
    long createdAt,
    OptionalLong completedAt,
    long validationDeadline,
    BigInteger escrow,
    List<Participant> participants,
    List<Submission> submissions,
    List<Reward> rewards) {
  public TaskDetails {
    participants = List.copyOf(participants);
    submissions = List.copyOf(submissions);
    rewards = List.copyOf(rewards);
  }

  public String taskId() {
    return summary.taskId();
  }

  public String title() {
    return summary.title();
  }

  public TaskStatus status() {
    return summary.status();
  }

  public String publisher() {
    return summary.publisher();
  }

  /** The sum of the rewards paid of one {@code reward_type} ({@code "winner"}, ...). */
  public BigInteger rewardsOfType(String rewardType) {
    return rewards.stream()
        .filter(reward -> reward.rewardType().equals(rewardType))
        .map(Reward::amount)
        .reduce(BigInteger.ZERO, BigInteger::add);
  }
}
