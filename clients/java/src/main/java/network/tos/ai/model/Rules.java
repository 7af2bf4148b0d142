package network.tos.ai.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The protocol's rules as the node applies them ({@code ai_get_rules}), with the settings it was
 * started with (its rate limits, validation window and the events it keeps). The auto-miner reads
 * its stake range, the open statuses and the reputation a level needs from here.
 *
 * @param difficultyLevels easiest first
 * @param events every event name the node sends
 */
public record Rules(
    AmountRules amounts,
    List<DifficultyRule> difficultyLevels,
    StakeRules stake,
    ReputationRules reputation,
    RewardSplit rewardSplit,
    SlashRules slash,
    QualityRules quality,
    ContentRules content,
    DeadlineRules deadlines,
    RateLimitRules rateLimits,
    TransportRules transport,
    List<TaskTypeRule> taskTypes,
    VerificationRules verification,
    StatusRules statuses,
    List<String> events) {
  public Rules {
    difficultyLevels = List.copyOf(difficultyLevels);
    taskTypes = List.copyOf(taskTypes);
    events = List.copyOf(events);
  }

  /**
   * The level called {@code name} ({@code "Beginner"}), or empty for one the node does not have.
   */
  public Optional<DifficultyRule> level(String name) {
    return difficultyLevels.stream().filter(level -> level.name().equals(name)).findFirst();
  }

  /**
   * The reputation {@code action} ({@code publish}, {@code participate}, {@code submit}, {@code
   * validate}) needs at {@code level}, or empty for a level or action the node does not have.
   */
  public OptionalInt minReputation(String action, Difficulty level) {
    return level(level.wireName())
        .map(rule -> rule.minReputation().get(action))
        .map(OptionalInt::of)
        .orElse(OptionalInt.empty());
  }

  /** The stakes the node accepts for a task with this reward and stake_required. */
  public StakeRange stakeRange(BigInteger reward, BigInteger stakeRequired) {
    return StakeRange.of(reward, stakeRequired, stake.minDivisor(), stake.maxDivisor());
  }

  /** True when a task in {@code status} still takes participants and submissions. */
  public boolean isOpen(TaskStatus status) {
    return statuses.open().contains(status.wireName());
  }

  /** Units and ceilings (atomic units). */
  public record AmountRules(
      BigInteger atomicPerTos,
      int decimals,
      BigInteger maxSupply,
      BigInteger faucetCap,
      BigInteger minRegistrationFee) {}

  /**
   * One difficulty level: its reward range (inclusive), the deadline a task gets when none is
   * given, and the reputation each action needs ({@code publish}, {@code participate}, {@code
   * submit}, {@code validate}; joining needs the submit minimum).
   */
  public record DifficultyRule(
      String name,
      BigInteger minReward,
      BigInteger maxReward,
      long defaultDeadlineSeconds,
      Map<String, Integer> minReputation) {
    public DifficultyRule {
      minReputation = Map.copyOf(minReputation);
    }
  }

  /** A stake is between max(reward / minDivisor, stake_required) and reward / maxDivisor. */
  public record StakeRules(BigInteger minDivisor, BigInteger maxDivisor) {}

  /** The smallest and largest stake the node accepts for one task. */
  public record StakeRange(BigInteger min, BigInteger max) {
    /** The range for a task, by the given divisors. */
    public static StakeRange of(
        BigInteger reward, BigInteger stakeRequired, BigInteger minDivisor, BigInteger maxDivisor) {
      return new StakeRange(
          reward.divide(minDivisor).max(stakeRequired), reward.divide(maxDivisor));
    }
  }

  /** Bounds, the start, and the change at completion for each reason ({@code winner}, ...). */
  public record ReputationRules(
      int min, int max, int start, Map<String, Integer> deltas, int validationClosePoints) {
    public ReputationRules {
      deltas = Map.copyOf(deltas);
    }
  }

  /** Percent of the escrow each share gets at completion. */
  public record RewardSplit(
      int winnerPercent, int othersPercent, int validatorsPercent, int networkPercent) {}

  /** A participant scoring under keepScore (or never submitting) loses percent of the stake. */
  public record SlashRules(int percent, int keepScore) {}

  /** The default quality threshold and the range of a score. */
  public record QualityRules(int defaultThreshold, int minScore, int maxScore) {}

  /** Lengths in UTF-8 bytes, and how many may join a task. */
  public record ContentRules(
      int minContentBytes,
      int maxTitleBytes,
      int maxDescriptionBytes,
      int maxSolutionBytes,
      int maxParticipants,
      int defaultMaxParticipants) {}

  /** The farthest deadline, and how long after it a task waits for validations. */
  public record DeadlineRules(long maxSeconds, long validationWindowSeconds) {}

  /**
   * Successful actions per address and window; {@code perWindow} is empty when the node runs
   * without rate limits.
   */
  public record RateLimitRules(long windowSeconds, Optional<Map<String, Integer>> perWindow) {}

  /** Request body, batch, reply and page limits, and the events the node keeps for replay. */
  public record TransportRules(
      int maxBodyBytes,
      int maxBatch,
      int maxReplyBytes,
      int maxPageLimit,
      int maxStateTasks,
      long eventsKept) {}

  /**
   * A task type and its one detail: a string of detailMin..detailMax characters, or an integer in
   * that range ({@code detailType} "string" or "integer").
   */
  public record TaskTypeRule(
      String name, String detail, String detailType, int detailMin, int detailMax) {}

  /**
   * The verification types, the one a publisher gets by default, and at most how many reviewers.
   */
  public record VerificationRules(List<String> types, JsonNode defaultType, int maxReviewers) {
    public VerificationRules {
      types = List.copyOf(types);
    }
  }

  /**
   * Task statuses by name: active ones are listed, open ones take participants and submissions,
   * validatable ones take validations.
   */
  public record StatusRules(
      List<String> all, List<String> active, List<String> open, List<String> validatable) {
    public StatusRules {
      all = List.copyOf(all);
      active = List.copyOf(active);
      open = List.copyOf(open);
      validatable = List.copyOf(validatable);
    }
  }
}
