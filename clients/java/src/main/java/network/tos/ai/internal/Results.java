package network.tos.ai.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import network.tos.ai.error.NodeResponseException;
import network.tos.ai.model.AccountNonce;
import network.tos.ai.model.Balance;
import network.tos.ai.model.CancelReceipt;
import network.tos.ai.model.ConsensusProgress;
import network.tos.ai.model.DaemonMiner;
import network.tos.ai.model.DevAccount;
import network.tos.ai.model.Difficulty;
import network.tos.ai.model.Event;
import network.tos.ai.model.EventsPage;
import network.tos.ai.model.FaucetReceipt;
import network.tos.ai.model.MinedBlocks;
import network.tos.ai.model.MinerRegistration;
import network.tos.ai.model.MinerStats;
import network.tos.ai.model.MiningState;
import network.tos.ai.model.MiningStatistics;
import network.tos.ai.model.NetworkInfo;
import network.tos.ai.model.NodeInfo;
import network.tos.ai.model.Participant;
import network.tos.ai.model.Participation;
import network.tos.ai.model.PublishReceipt;
import network.tos.ai.model.Reward;
import network.tos.ai.model.Rules;
import network.tos.ai.model.Submission;
import network.tos.ai.model.SubmissionReceipt;
import network.tos.ai.model.TaskDetails;
import network.tos.ai.model.TaskStatus;
import network.tos.ai.model.TaskSummary;
import network.tos.ai.model.TaskType;
import network.tos.ai.model.Validation;
import network.tos.ai.model.ValidationReceipt;
import network.tos.ai.model.VerificationType;

/** Turns the node's results into the client's records. */
public final class Results {
  private Results() {}

  public static NetworkInfo networkInfo(Fields f) {
    return new NetworkInfo(
        f.longValue("active_tasks"),
        f.longValue("total_miners"),
        f.longValue("online_miners"),
        f.amount("total_rewards_distributed"),
        f.longValue("average_task_completion_time"),
        f.string("network"),
        f.longValue("topoheight"),
        f.longValue("timestamp"));
  }

  public static NodeInfo nodeInfo(Fields f) {
    return new NodeInfo(
        f.longValue("height"),
        f.longValue("topoheight"),
        f.string("version"),
        f.string("network"),
        f.longValue("timestamp"),
        f.longValue("time_offset"),
        f.doubleValue("block_time"),
        f.longValue("head_seq"),
        f.string("chain_id"),
        f.bool("require_signatures"));
  }

  public static Balance balance(Fields f) {
    return new Balance(f.string("address"), f.amount("balance"), f.longValue("topoheight"));
  }

  public static AccountNonce nonce(Fields f) {
    return new AccountNonce(f.string("address"), f.longValue("nonce"), f.longValue("topoheight"));
  }

  public static TaskSummary taskSummary(Fields f) {
    return new TaskSummary(
        f.string("task_id"),
        f.string("title"),
        f.parsed("task_type", TaskType::parse),
        f.parsed("difficulty_level", value -> Difficulty.fromWire(value.asText())),
        f.amount("reward_amount"),
        f.amount("stake_required"),
        f.longValue("deadline"),
        f.longValue("time_left"),
        f.intValue("participants_count"),
        f.intValue("max_participants"),
        f.intValue("submissions_count"),
        f.string("publisher"),
        f.parsed("status", value -> TaskStatus.fromWire(value.asText())));
  }

  public static TaskDetails taskDetails(Fields f) {
    return new TaskDetails(
        taskSummary(f),
        f.string("description"),
        f.parsed("verification_type", VerificationType::parse),
        f.intValue("required_reviewers"),
        f.intValue("quality_threshold"),
        f.longValue("created_at"),
        f.optionalLong("completed_at"),
        f.longValue("validation_deadline"),
        f.amount("escrow"),
        f.list("participants", Results::participant),
        f.list("submissions", Results::submission),
        f.list("rewards", Results::reward));
  }

  static Participant participant(Fields f) {
    return new Participant(
        f.string("participation_id"),
        f.string("miner"),
        f.amount("stake_amount"),
        f.longValue("joined_at"),
        f.optionalString("submission_id"),
        f.optionalString("stake_outcome"));
  }

  static Submission submission(Fields f) {
    return new Submission(
        f.string("submission_id"),
        f.string("submitter"),
        f.string("answer_hash"),
        f.longValue("submitted_at"),
        f.any("solution_data"),
        f.list("validations", Results::validation),
        f.intValue("validations_count"),
        f.intValue("required_reviewers"),
        f.optionalInt("final_score"),
        f.optionalBool("passed"));
  }

  static Validation validation(Fields f) {
    return new Validation(
        f.string("validation_id"),
        f.string("validator"),
        f.intValue("quality_score"),
        f.string("verdict"),
        f.optionalString("reasoning"),
        f.any("evidence"),
        f.longValue("timestamp"));
  }

  public static Reward reward(Fields f) {
    return new Reward(f.string("recipient"), f.amount("amount"), f.string("reward_type"));
  }

  public static PublishReceipt publishReceipt(Fields f) {
    return new PublishReceipt(f.string("task_id"), f.string("status"), f.longValue("deadline"));
  }

  public static MinerRegistration minerRegistration(Fields f) {
    return new MinerRegistration(f.string("miner_address"), f.intValue("reputation"));
  }

  public static Participation participation(Fields f) {
    return new Participation(
        f.string("participation_id"), f.string("task_id"), f.amount("stake_amount"));
  }

  public static SubmissionReceipt submissionReceipt(Fields f) {
    return new SubmissionReceipt(
        f.string("submission_id"), f.string("answer_hash"), f.string("status"));
  }

  public static ValidationReceipt validationReceipt(Fields f) {
    Fields progress = f.object("consensus_progress");
    return new ValidationReceipt(
        f.string("validation_id"),
        new ConsensusProgress(progress.intValue("validations"), progress.intValue("required")));
  }

  public static CancelReceipt cancelReceipt(Fields f) {
    return new CancelReceipt(f.string("task_id"), f.string("status"), f.amount("refunded"));
  }

  public static MinerStats minerStats(Fields f) {
    return new MinerStats(
        f.string("miner_address"),
        f.bool("is_registered"),
        f.intValue("reputation"),
        f.longValue("tasks_published"),
        f.longValue("tasks_participated"),
        f.longValue("submissions"),
        f.longValue("wins"),
        f.longValue("validations"),
        f.amount("total_earnings"),
        f.amount("current_stake"),
        f.amount("balance"),
        f.optionalLong("registered_at"),
        f.strings("specializations"));
  }

  public static Event event(Fields f) {
    return new Event(
        f.string("event"),
        f.longValue("seq"),
        f.longValue("topoheight"),
        f.longValue("timestamp"),
        f.any("data"));
  }

  public static EventsPage eventsPage(Fields f) {
    return new EventsPage(
        f.list("events", Results::event),
        f.longValue("head_seq"),
        f.longValue("oldest_seq"),
        f.bool("resync_required"),
        f.string("chain_id"));
  }

  public static MiningStatistics miningStatistics(Fields f) {
    return new MiningStatistics(
        f.longValue("total_tasks"),
        f.longValue("active_tasks"),
        f.longValue("completed_tasks"),
        f.longValue("total_miners"),
        f.amount("total_rewards_distributed"),
        f.amount("total_staked"));
  }

  public static DaemonMiner daemonMiner(Fields f) {
    return new DaemonMiner(
        f.string("address"),
        f.intValue("reputation"),
        f.amount("registration_fee"),
        f.longValue("registered_at"),
        f.strings("specializations"),
        f.longValue("tasks_completed"),
        f.longValue("tasks_participated"),
        f.longValue("validations"),
        f.amount("total_earnings"),
        f.amount("current_stake"));
  }

  public static MiningState miningState(Fields f) {
    return new MiningState(
        f.map("tasks", Results::taskDetails),
        f.optionalLong("next_offset"),
        f.map("miners", Results::daemonMiner),
        miningStatistics(f.object("statistics")));
  }

  public static DevAccount devAccount(Fields f) {
    return new DevAccount(
        f.intValue("index"),
        f.string("address"),
        f.optionalString("private_key"),
        f.amount("balance"));
  }

  public static FaucetReceipt faucetReceipt(Fields f) {
    return new FaucetReceipt(f.string("address"), f.amount("balance"));
  }

  public static MinedBlocks minedBlocks(Fields f) {
    return new MinedBlocks(f.longValue("topoheight"), f.longValue("timestamp"));
  }

  /** A result that must be a JSON string. */
  public static String string(String method, JsonNode result) {
    if (result == null || !result.isTextual()) {
      throw new NodeResponseException(
          method, "result", "expected a string, got " + Fields.kind(result));
    }
    return result.textValue();
  }

  /** A result that must be a JSON integer. */
  public static long integer(String method, JsonNode result) {
    if (result == null || !result.isIntegralNumber() || !result.canConvertToLong()) {
      throw new NodeResponseException(
          method, "result", "expected an integer, got " + Fields.kind(result));
    }
    return result.longValue();
  }

  public static Rules rules(Fields f) {
    Fields amounts = f.object("amounts");
    Fields stake = f.object("stake");
    Fields reputation = f.object("reputation");
    Fields split = f.object("reward_split");
    Fields slash = f.object("slash");
    Fields quality = f.object("quality");
    Fields content = f.object("content");
    Fields deadlines = f.object("deadlines");
    Fields rateLimits = f.object("rate_limits");
    Fields transport = f.object("transport");
    Fields verification = f.object("verification");
    Fields statuses = f.object("statuses");
    return new Rules(
        new Rules.AmountRules(
            amounts.amount("atomic_per_tos"),
            amounts.intValue("decimals"),
            amounts.amount("max_supply"),
            amounts.amount("faucet_cap"),
            amounts.amount("min_registration_fee")),
        f.list(
            "difficulty_levels",
            level ->
                new Rules.DifficultyRule(
                    level.string("name"),
                    level.amount("min_reward"),
                    level.amount("max_reward"),
                    level.longValue("default_deadline_seconds"),
                    level.parsed("min_reputation", Results::integers))),
        new Rules.StakeRules(stake.amount("min_divisor"), stake.amount("max_divisor")),
        new Rules.ReputationRules(
            reputation.intValue("min"),
            reputation.intValue("max"),
            reputation.intValue("start"),
            reputation.parsed("deltas", Results::integers),
            reputation.intValue("validation_close_points")),
        new Rules.RewardSplit(
            split.intValue("winner_percent"),
            split.intValue("others_percent"),
            split.intValue("validators_percent"),
            split.intValue("network_percent")),
        new Rules.SlashRules(slash.intValue("percent"), slash.intValue("keep_score")),
        new Rules.QualityRules(
            quality.intValue("default_threshold"),
            quality.intValue("min_score"),
            quality.intValue("max_score")),
        new Rules.ContentRules(
            content.intValue("min_content_bytes"),
            content.intValue("max_title_bytes"),
            content.intValue("max_description_bytes"),
            content.intValue("max_solution_bytes"),
            content.intValue("max_participants"),
            content.intValue("default_max_participants")),
        new Rules.DeadlineRules(
            deadlines.longValue("max_seconds"), deadlines.longValue("validation_window_seconds")),
        new Rules.RateLimitRules(
            rateLimits.longValue("window_seconds"),
            rateLimits.any("per_window").isNull()
                ? Optional.empty()
                : Optional.of(rateLimits.parsed("per_window", Results::integers))),
        new Rules.TransportRules(
            transport.intValue("max_body_bytes"),
            transport.intValue("max_batch"),
            transport.intValue("max_reply_bytes"),
            transport.intValue("max_page_limit"),
            transport.intValue("max_state_tasks"),
            transport.longValue("events_kept")),
        f.list(
            "task_types",
            type ->
                new Rules.TaskTypeRule(
                    type.string("name"),
                    type.string("detail"),
                    type.string("detail_type"),
                    type.intValue("detail_min"),
                    type.intValue("detail_max"))),
        new Rules.VerificationRules(
            verification.strings("types"),
            verification.any("default"),
            verification.intValue("max_reviewers")),
        new Rules.StatusRules(
            statuses.strings("all"),
            statuses.strings("active"),
            statuses.strings("open"),
            statuses.strings("validatable")),
        f.strings("events"));
  }

  /** An object of integers ({@code {"publish": 200, ...}}), in the node's order. */
  private static Map<String, Integer> integers(JsonNode value) {
    if (!value.isObject()) {
      throw new IllegalArgumentException("expected an object of integers");
    }
    Map<String, Integer> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : value.properties()) {
      if (!entry.getValue().isInt()) {
        throw new IllegalArgumentException("expected an integer at " + entry.getKey());
      }
      out.put(entry.getKey(), entry.getValue().intValue());
    }
    return out;
  }
}
