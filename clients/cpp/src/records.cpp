#include "tos_ai/records.hpp"

#include <limits>
#include <type_traits>

#include "reader.hpp"
#include "tos_ai/rules.hpp"

namespace tos_ai {

using detail::Reader;

namespace {

TaskType read_task_type(const Reader& reader, const char* key) {
  try {
    return TaskType::parse(reader.at(key));
  } catch (const RpcError& error) {
    reader.fail(key, "not a task type the API knows: " + error.node_message());
  }
}

void read_summary(const Reader& r, TaskSummary& task) {
  task.task_id = r.str("task_id");
  task.title = r.str("title");
  task.task_type = read_task_type(r, "task_type");
  task.difficulty_level = r.str("difficulty_level");
  task.reward_amount = r.amount("reward_amount");
  task.stake_required = r.amount("stake_required");
  task.deadline = r.integer<std::int64_t>("deadline");
  task.time_left = r.integer<std::int64_t>("time_left");
  task.participants_count = r.integer<std::uint32_t>("participants_count");
  task.max_participants = r.integer<std::uint32_t>("max_participants");
  task.submissions_count = r.integer<std::uint32_t>("submissions_count");
  task.publisher = r.str("publisher");
  task.status = r.str("status");
}

Validation read_validation(const Reader& r) {
  Validation validation;
  validation.validation_id = r.str("validation_id");
  validation.validator = r.str("validator");
  validation.quality_score = r.opt_integer<std::int32_t>("quality_score").value_or(0);
  validation.verdict = r.str("verdict");
  validation.reasoning = r.opt_str("reasoning");
  validation.evidence = r.opt_any("evidence");
  validation.timestamp = r.opt_integer<std::int64_t>("timestamp").value_or(0);
  return validation;
}

Submission read_submission(const Reader& r) {
  Submission submission;
  submission.submission_id = r.str("submission_id");
  submission.submitter = r.str("submitter");
  submission.answer_hash = r.str("answer_hash");
  submission.submitted_at = r.opt_integer<std::int64_t>("submitted_at").value_or(0);
  submission.solution_data = r.opt_any("solution_data");
  submission.validations = r.opt_list("validations", read_validation);
  submission.validations_count = r.opt_integer<std::uint32_t>("validations_count")
                                     .value_or(static_cast<std::uint32_t>(submission.validations.size()));
  submission.required_reviewers = r.opt_integer<std::uint32_t>("required_reviewers").value_or(0);
  submission.final_score = r.opt_integer<std::int32_t>("final_score");
  submission.passed = r.opt_boolean("passed");
  return submission;
}

Participant read_participant(const Reader& r) {
  Participant participant;
  participant.participation_id = r.str("participation_id");
  participant.miner = r.str("miner");
  participant.stake_amount = r.amount("stake_amount");
  participant.joined_at = r.opt_integer<std::int64_t>("joined_at").value_or(0);
  participant.submission_id = r.opt_str("submission_id");
  participant.stake_outcome = r.opt_str("stake_outcome");
  return participant;
}

Reward read_reward(const Reader& r) { return Reward{r.str("recipient"), r.amount("amount"), r.str("reward_type")}; }

void read_details(const Reader& r, TaskDetails& task) {
  read_summary(r, task);
  task.description = r.str("description");
  task.verification_type = r.any("verification_type");
  task.required_reviewers = r.opt_integer<std::uint32_t>("required_reviewers").value_or(0);
  task.quality_threshold = r.integer<std::int32_t>("quality_threshold");
  task.created_at = r.integer<std::int64_t>("created_at");
  task.completed_at = r.opt_integer<std::int64_t>("completed_at");
  task.validation_deadline = r.opt_integer<std::int64_t>("validation_deadline");
  task.escrow = r.opt_amount("escrow");
  task.participants = r.list("participants", read_participant);
  task.submissions = r.list("submissions", read_submission);
  task.rewards = r.opt_list("rewards", read_reward);
}

DaemonMiner read_daemon_miner(const Reader& r) {
  DaemonMiner miner;
  miner.address = r.str("address");
  miner.reputation = r.integer<std::int32_t>("reputation");
  miner.registration_fee = r.amount("registration_fee");
  miner.registered_at = r.opt_integer<std::int64_t>("registered_at").value_or(0);
  miner.specializations = r.opt_list("specializations", &Reader::as_string);
  miner.tasks_completed = r.integer<std::uint64_t>("tasks_completed");
  miner.tasks_participated = r.integer<std::uint64_t>("tasks_participated");
  miner.validations = r.integer<std::uint64_t>("validations");
  miner.total_earnings = r.amount("total_earnings");
  miner.current_stake = r.amount("current_stake");
  return miner;
}

Event read_event(const Reader& r) {
  Event event;
  event.name = r.str("event");
  event.seq = r.integer<std::uint64_t>("seq");
  event.topoheight = r.opt_integer<std::uint64_t>("topoheight").value_or(0);
  event.timestamp = r.opt_integer<std::int64_t>("timestamp").value_or(0);
  event.data = r.any("data");
  if (!event.data.is_object()) r.fail("data", "expected an object");
  return event;
}

MiningStatistics read_statistics(const Reader& r) {
  MiningStatistics stats;
  stats.total_tasks = r.integer<std::uint64_t>("total_tasks");
  stats.active_tasks = r.integer<std::uint64_t>("active_tasks");
  stats.completed_tasks = r.integer<std::uint64_t>("completed_tasks");
  stats.total_miners = r.integer<std::uint64_t>("total_miners");
  stats.total_rewards_distributed = r.amount("total_rewards_distributed");
  stats.total_staked = r.amount("total_staked");
  return stats;
}

}  // namespace

NodeInfo NodeInfo::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  NodeInfo info;
  info.height = r.integer<std::uint64_t>("height");
  info.topoheight = r.integer<std::uint64_t>("topoheight");
  info.version = r.str("version");
  info.network = r.str("network");
  info.timestamp = r.integer<std::int64_t>("timestamp");
  info.time_offset = r.opt_integer<std::int64_t>("time_offset").value_or(0);
  info.block_time = r.opt_number("block_time").value_or(0.0);
  info.head_seq = r.integer<std::uint64_t>("head_seq");
  info.chain_id = r.str("chain_id");
  info.require_signatures = r.opt_boolean("require_signatures").value_or(false);
  if (info.chain_id.empty()) r.fail("chain_id", "is empty");
  return info;
}

NetworkInfo NetworkInfo::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  NetworkInfo info;
  info.active_tasks = r.integer<std::uint64_t>("active_tasks");
  info.total_miners = r.integer<std::uint64_t>("total_miners");
  info.online_miners = r.integer<std::uint64_t>("online_miners");
  info.total_rewards_distributed = r.amount("total_rewards_distributed");
  info.average_task_completion_time = r.opt_number("average_task_completion_time");
  info.network = r.str("network");
  info.topoheight = r.integer<std::uint64_t>("topoheight");
  info.timestamp = r.integer<std::int64_t>("timestamp");
  return info;
}

Amount TaskSummary::min_stake() const noexcept { return StakeRange::of(reward_amount, stake_required).min; }

Amount TaskSummary::max_stake() const noexcept { return StakeRange::of(reward_amount, stake_required).max; }

TaskSummary TaskSummary::from_json(const nlohmann::json& value, std::string_view method) {
  TaskSummary task;
  read_summary(Reader(value, method), task);
  return task;
}

const Participant* TaskDetails::participant(std::string_view address) const {
  for (const auto& entry : participants) {
    if (entry.miner == address) return &entry;
  }
  return nullptr;
}

const Submission* TaskDetails::submission_of(std::string_view address) const {
  for (const auto& entry : submissions) {
    if (entry.submitter == address) return &entry;
  }
  return nullptr;
}

TaskDetails TaskDetails::from_json(const nlohmann::json& value, std::string_view method) {
  TaskDetails task;
  read_details(Reader(value, method), task);
  return task;
}

PublishedTask PublishedTask::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  return PublishedTask{r.str("task_id"), r.str("status"), r.integer<std::int64_t>("deadline")};
}

MinerRegistration MinerRegistration::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  return MinerRegistration{r.str("miner_address"), r.integer<std::int32_t>("reputation")};
}

Participation Participation::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  return Participation{r.str("participation_id"), r.str("task_id"), r.amount("stake_amount")};
}

SubmissionReceipt SubmissionReceipt::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  return SubmissionReceipt{r.str("submission_id"), r.str("answer_hash"), r.str("status")};
}

ValidationReceipt ValidationReceipt::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  Reader progress = r.object("consensus_progress");
  return ValidationReceipt{r.str("validation_id"), ConsensusProgress{progress.integer<std::uint32_t>("validations"),
                                                                     progress.integer<std::uint32_t>("required")}};
}

CancelledTask CancelledTask::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  return CancelledTask{r.str("task_id"), r.str("status"), r.amount("refunded")};
}

MinerStats MinerStats::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  MinerStats stats;
  stats.miner_address = r.str("miner_address");
  stats.is_registered = r.opt_boolean("is_registered").value_or(true);
  stats.reputation = r.integer<std::int32_t>("reputation");
  stats.tasks_published = r.integer<std::uint64_t>("tasks_published");
  stats.tasks_participated = r.integer<std::uint64_t>("tasks_participated");
  stats.submissions = r.integer<std::uint64_t>("submissions");
  stats.wins = r.integer<std::uint64_t>("wins");
  stats.validations = r.integer<std::uint64_t>("validations");
  stats.total_earnings = r.amount("total_earnings");
  stats.current_stake = r.amount("current_stake");
  stats.balance = r.opt_amount("balance");
  stats.registered_at = r.opt_integer<std::int64_t>("registered_at");
  stats.specializations = r.opt_list("specializations", &Reader::as_string);
  return stats;
}

std::optional<std::string> Event::task_id() const {
  if (!data.is_object()) return std::nullopt;
  auto found = data.find("task_id");
  if (found == data.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

Event Event::from_json(const nlohmann::json& value, std::string_view method) {
  return read_event(Reader(value, method, "event"));
}

EventsPage EventsPage::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  EventsPage page;
  page.events = r.list("events", read_event);
  page.head_seq = r.integer<std::uint64_t>("head_seq");
  page.oldest_seq = r.integer<std::uint64_t>("oldest_seq");
  page.chain_id = r.opt_str("chain_id").value_or("");
  page.resync_required = r.opt_boolean("resync_required").value_or(false);
  return page;
}

Balance Balance::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  return Balance{r.str("address"), r.amount("balance"), r.opt_integer<std::uint64_t>("topoheight").value_or(0)};
}

AccountNonce AccountNonce::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  return AccountNonce{r.str("address"), r.integer<std::uint64_t>("nonce"),
                      r.opt_integer<std::uint64_t>("topoheight").value_or(0)};
}

MiningStatistics MiningStatistics::from_json(const nlohmann::json& value, std::string_view method) {
  return read_statistics(Reader(value, method));
}

DaemonMiner DaemonMiner::from_json(const nlohmann::json& value, std::string_view method) {
  return read_daemon_miner(Reader(value, method));
}

MiningState MiningState::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  MiningState state;
  state.tasks = r.map("tasks", [](const Reader& item) {
    TaskDetails task;
    read_details(item, task);
    return task;
  });
  state.next_offset = r.opt_integer<std::uint64_t>("next_offset");
  state.miners = r.map("miners", read_daemon_miner);
  state.statistics = read_statistics(r.object("statistics"));
  return state;
}

DevAccount DevAccount::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  return DevAccount{r.opt_integer<std::uint32_t>("index").value_or(0), r.str("address"), r.str("private_key"),
                    r.amount("balance")};
}

FaucetReceipt FaucetReceipt::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  return FaucetReceipt{r.str("address"), r.amount("balance")};
}

MinedBlocks MinedBlocks::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  return MinedBlocks{r.integer<std::uint64_t>("topoheight"), r.integer<std::int64_t>("timestamp")};
}

}  // namespace tos_ai
