package network.tos.ai.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import network.tos.ai.Conformance;
import network.tos.ai.internal.Fields;
import network.tos.ai.internal.Results;
import org.junit.jupiter.api.Test;

/**
 * vectors/rules.json: it reads as {@link Rules}, and the rules this client keeps are the node's.
 */
class RulesTest {
  private final Rules rules =
      Results.rules(Fields.of("ai_get_rules", Conformance.vectors("rules").get("rules")));

  @Test
  void the_vector_reads_as_rules_with_amounts_as_big_integers() {
    JsonNode raw = Conformance.vectors("rules").get("rules");
    assertEquals(new BigInteger("18400000000000000"), rules.amounts().maxSupply());
    assertEquals(raw.get("difficulty_levels").size(), rules.difficultyLevels().size());
    assertEquals(BigInteger.TEN, rules.stake().minDivisor());
    assertEquals(
        raw.get("reputation").get("deltas").get("winner").asInt(),
        rules.reputation().deltas().get("winner"));
    assertEquals(raw.get("verification").get("default"), rules.verification().defaultType());
    assertTrue(rules.rateLimits().perWindow().isPresent());
  }

  @Test
  void the_difficulty_levels_and_their_reward_ranges_are_the_nodes() {
    assertEquals(Difficulty.values().length, rules.difficultyLevels().size());
    for (Difficulty level : Difficulty.values()) {
      Rules.DifficultyRule rule = rules.level(level.wireName()).orElseThrow();
      assertEquals(level.minReward(), rule.minReward(), level.wireName());
      assertEquals(level.maxReward(), rule.maxReward(), level.wireName());
    }
    assertEquals(
        rules.minReputation("submit", Difficulty.ADVANCED),
        rules.minReputation("participate", Difficulty.ADVANCED));
    assertEquals(OptionalInt.empty(), rules.minReputation("dance", Difficulty.ADVANCED));
  }

  @Test
  void the_statuses_task_types_units_and_stake_divisors_are_the_nodes() {
    assertEquals(
        Arrays.stream(TaskStatus.values()).map(TaskStatus::wireName).toList(),
        rules.statuses().all());
    assertEquals(
        Arrays.stream(TaskStatus.values())
            .filter(TaskStatus::isJoinable)
            .map(TaskStatus::wireName)
            .toList(),
        rules.statuses().open());
    for (TaskStatus status : TaskStatus.values()) {
      assertEquals(status.isJoinable(), rules.isOpen(status), status.wireName());
    }
    assertEquals(TaskType.VARIANTS, rules.taskTypes().stream().map(t -> t.name()).toList());
    Map<String, String> details =
        rules.taskTypes().stream()
            .collect(Collectors.toMap(Rules.TaskTypeRule::name, Rules.TaskTypeRule::detail));
    assertEquals(TaskType.DETAIL_KEYS, details);
    assertEquals(Amounts.ATOMIC_PER_TOS, rules.amounts().atomicPerTos());
    assertEquals(Amounts.MAX_SUPPLY, rules.amounts().maxSupply());
    assertEquals(
        new Rules.StakeRules(TaskSummary.STAKE_MIN_DIVISOR, TaskSummary.STAKE_MAX_DIVISOR),
        rules.stake());
    assertTrue(rules.events().contains("task_published")); // the one name the auto-miner uses
  }

  @Test
  void the_stake_range_follows_the_divisors_it_is_given() {
    BigInteger reward = BigInteger.valueOf(12_345_678_901L);
    assertEquals(
        new Rules.StakeRange(
            BigInteger.valueOf(1_234_567_890L), BigInteger.valueOf(6_172_839_450L)),
        rules.stakeRange(reward, BigInteger.ZERO));
    assertEquals(
        new Rules.StakeRange(
            BigInteger.valueOf(3_086_419_725L), BigInteger.valueOf(4_115_226_300L)),
        Rules.StakeRange.of(reward, BigInteger.ZERO, BigInteger.valueOf(4), BigInteger.valueOf(3)));
    assertEquals(
        BigInteger.valueOf(2_000_000_000L),
        rules.stakeRange(reward, BigInteger.valueOf(2_000_000_000L)).min());
  }
}
