// Value types for what the node answers, each checked field by field when it arrives: a missing or
// ill-typed field throws ResponseError naming the method and the field's path. Amounts are u64 atomic
// units (the node sends decimal strings); free-form parts (solution data, event data) stay JSON.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tos_ai/amounts.hpp"
#include "tos_ai/task_type.hpp"

namespace tos_ai {

// `from_json(value, method)` on every record: `method` only names the call in a ResponseError.

// get_info
struct NodeInfo {
  std::uint64_t height = 0;
  std::uint64_t topoheight = 0;
  std::string version;
  std::string network;
  std::int64_t timestamp = 0;
  std::int64_t time_offset = 0;
  double block_time = 0;
  std::uint64_t head_seq = 0;
  std::string chain_id;
  bool require_signatures = false;

  static NodeInfo from_json(const nlohmann::json& value, std::string_view method = "get_info");
};

// get_network_info, ai_get_network_info
struct NetworkInfo {
  std::uint64_t active_tasks = 0;
  std::uint64_t total_miners = 0;
  std::uint64_t online_miners = 0;
  Amount total_rewards_distributed = 0;
  std::optional<double> average_task_completion_time;  // seconds; null before the first completion
  std::string network;
  std::uint64_t topoheight = 0;
  std::int64_t timestamp = 0;

  static NetworkInfo from_json(const nlohmann::json& value, std::string_view method = "get_network_info");
};

// One entry of ai_list_active_tasks.
struct TaskSummary {
  std::string task_id;
  std::string title;
  TaskType task_type{"GeneralTask"};
  std::string difficulty_level;
  Amount reward_amount = 0;
  Amount stake_required = 0;
  std::int64_t deadline = 0;
  std::int64_t time_left = 0;
  std::uint32_t participants_count = 0;
  std::uint32_t max_participants = 0;
  std::uint32_t submissions_count = 0;
  std::string publisher;
  std::string status;

  // The stakes the node accepts: from max(reward/10, stake_required) up to reward/2 (this library's
  // rule; Rules::stake_range applies the divisors a node publishes).
  [[nodiscard]] Amount min_stake() const noexcept;
  [[nodiscard]] Amount max_stake() const noexcept;

  static TaskSummary from_json(const nlohmann::json& value, std::string_view method = "ai_list_active_tasks");
};

struct Validation {
  std::string validation_id;
  std::string validator;
  std::int32_t quality_score = 0;  // a Reject scores 0
  std::string verdict;             // "Approve" or "Reject"
  std::optional<std::string> reasoning;
  nlohmann::json evidence;
  std::int64_t timestamp = 0;
};

struct Submission {
  std::string submission_id;
  std::string submitter;
  std::string answer_hash;
  std::int64_t submitted_at = 0;
  nlohmann::json solution_data;
  std::vector<Validation> validations;
  std::uint32_t validations_count = 0;
  std::uint32_t required_reviewers = 0;
  std::optional<std::int32_t> final_score;  // set at completion
  std::optional<bool> passed;
};

struct Participant {
  std::string participation_id;
  std::string miner;
  Amount stake_amount = 0;
  std::int64_t joined_at = 0;
  std::optional<std::string> submission_id;
  std::optional<std::string> stake_outcome;  // "returned" or "slashed" once settled
};

struct Reward {
  std::string recipient;
  Amount amount = 0;
  std::string reward_type;  // winner, participant, validator, network, refund, stake_return
};

// ai_get_task_details, get_ai_mining_task
struct TaskDetails : TaskSummary {
  std::string description;
  nlohmann::json verification_type;
  std::uint32_t required_reviewers = 0;
  std::int32_t quality_threshold = 0;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> completed_at;
  std::optional<std::int64_t> validation_deadline;
  std::optional<Amount> escrow;
  std::vector<Participant> participants;
  std::vector<Submission> submissions;
  std::vector<Reward> rewards;

  // The participant or submission of one address, if any.
  [[nodiscard]] const Participant* participant(std::string_view address) const;
  [[nodiscard]] const Submission* submission_of(std::string_view address) const;

  static TaskDetails from_json(const nlohmann::json& value, std::string_view method = "ai_get_task_details");
};

// ai_publish_task
struct PublishedTask {
  std::string task_id;
  std::string status;
  std::int64_t deadline = 0;

  static PublishedTask from_json(const nlohmann::json& value, std::string_view method = "ai_publish_task");
};

// ai_register_miner
struct MinerRegistration {
  std::string miner_address;
  std::int32_t reputation = 0;

  static MinerRegistration from_json(const nlohmann::json& value, std::string_view method = "ai_register_miner");
};

// ai_participate_task
struct Participation {
  std::string participation_id;
  std::string task_id;
  Amount stake_amount = 0;

  static Participation from_json(const nlohmann::json& value, std::string_view method = "ai_participate_task");
};

// ai_submit_solution
struct SubmissionReceipt {
  std::string submission_id;
  std::string answer_hash;
  std::string status;

  static SubmissionReceipt from_json(const nlohmann::json& value, std::string_view method = "ai_submit_solution");
};

struct ConsensusProgress {
  std::uint32_t validations = 0;
  std::uint32_t required = 0;
  friend bool operator==(const ConsensusProgress&, const ConsensusProgress&) = default;
};

// ai_validate_submission
struct ValidationReceipt {
  std::string validation_id;
  ConsensusProgress consensus_progress;

  static ValidationReceipt from_json(const nlohmann::json& value, std::string_view method = "ai_validate_submission");
};

// ai_cancel_task
struct CancelledTask {
  std::string task_id;
  std::string status;
  Amount refunded = 0;

  static CancelledTask from_json(const nlohmann::json& value, std::string_view method = "ai_cancel_task");
};

// ai_get_miner_stats
struct MinerStats {
  std::string miner_address;
  bool is_registered = false;
  std::int32_t reputation = 0;
  std::uint64_t tasks_published = 0;
  std::uint64_t tasks_participated = 0;
  std::uint64_t submissions = 0;
  std::uint64_t wins = 0;
  std::uint64_t validations = 0;
  Amount total_earnings = 0;
  Amount current_stake = 0;
  std::optional<Amount> balance;
  std::optional<std::int64_t> registered_at;
  std::vector<std::string> specializations;

  static MinerStats from_json(const nlohmann::json& value, std::string_view method = "ai_get_miner_stats");
};

// One node event: {"event", "seq", "topoheight", "timestamp", "data"}.
struct Event {
  std::string name;
  std::uint64_t seq = 0;
  std::uint64_t topoheight = 0;
  std::int64_t timestamp = 0;
  nlohmann::json data;

  // data.task_id when the event names a task.
  [[nodiscard]] std::optional<std::string> task_id() const;

  static Event from_json(const nlohmann::json& value, std::string_view method = "ai_get_events");
};

// ai_get_events
struct EventsPage {
  std::vector<Event> events;
  std::uint64_t head_seq = 0;
  std::uint64_t oldest_seq = 0;
  std::string chain_id;
  bool resync_required = false;

  static EventsPage from_json(const nlohmann::json& value, std::string_view method = "ai_get_events");
};

// get_balance
struct Balance {
  std::string address;
  Amount balance = 0;
  std::uint64_t topoheight = 0;

  static Balance from_json(const nlohmann::json& value, std::string_view method = "get_balance");
};

// get_nonce
struct AccountNonce {
  std::string address;
  std::uint64_t nonce = 0;
  std::uint64_t topoheight = 0;

  static AccountNonce from_json(const nlohmann::json& value, std::string_view method = "get_nonce");
};

// get_ai_mining_statistics (the daemon's shape: amounts as plain integers)
struct MiningStatistics {
  std::uint64_t total_tasks = 0;
  std::uint64_t active_tasks = 0;
  std::uint64_t completed_tasks = 0;
  std::uint64_t total_miners = 0;
  Amount total_rewards_distributed = 0;
  Amount total_staked = 0;

  static MiningStatistics from_json(const nlohmann::json& value, std::string_view method = "get_ai_mining_statistics");
};

// get_ai_mining_miner (the daemon's shape)
struct DaemonMiner {
  std::string address;
  std::int32_t reputation = 0;
  Amount registration_fee = 0;
  std::int64_t registered_at = 0;
  std::vector<std::string> specializations;
  std::uint64_t tasks_completed = 0;
  std::uint64_t tasks_participated = 0;
  std::uint64_t validations = 0;
  Amount total_earnings = 0;
  Amount current_stake = 0;

  static DaemonMiner from_json(const nlohmann::json& value, std::string_view method = "get_ai_mining_miner");
};

// get_ai_mining_state: one page of the tasks (oldest first, at most 100), every miner, the statistics
struct MiningState {
  std::map<std::string, TaskDetails> tasks;
  std::optional<std::uint64_t> next_offset;  // the next page's offset; none after the last page
  std::map<std::string, DaemonMiner> miners;
  MiningStatistics statistics;

  static MiningState from_json(const nlohmann::json& value, std::string_view method = "get_ai_mining_state");
};

// One entry of dev_accounts.
struct DevAccount {
  std::uint32_t index = 0;
  std::string address;
  std::string private_key;  // hex ed25519 seed
  Amount balance = 0;

  static DevAccount from_json(const nlohmann::json& value, std::string_view method = "dev_accounts");
};

// dev_faucet
struct FaucetReceipt {
  std::string address;
  Amount balance = 0;

  static FaucetReceipt from_json(const nlohmann::json& value, std::string_view method = "dev_faucet");
};

// dev_mine
struct MinedBlocks {
  std::uint64_t topoheight = 0;
  std::int64_t timestamp = 0;

  static MinedBlocks from_json(const nlohmann::json& value, std::string_view method = "dev_mine");
};

}  // namespace tos_ai
