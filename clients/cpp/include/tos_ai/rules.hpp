// The protocol's rules as the node publishes them (ai_get_rules), as value types, and the few rules
// this library keeps as constants for code without the node at hand (each checked against
// vectors/rules.json by the tests). Code that runs against a node reads the node's: the AutoMiner does.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tos_ai/amounts.hpp"

namespace tos_ai {

// A stake is between max(reward / stake_min_divisor, stake_required) and reward / stake_max_divisor.
inline constexpr Amount stake_min_divisor = 10;
inline constexpr Amount stake_max_divisor = 2;
inline constexpr std::array<std::string_view, 4> difficulty_levels = {"Beginner", "Intermediate", "Advanced", "Expert"};
inline constexpr std::array<std::string_view, 6> task_statuses = {"Published", "InProgress", "UnderValidation",
                                                                  "Completed", "Expired",    "Cancelled"};
// Statuses in which a task still takes participants and submissions.
inline constexpr std::array<std::string_view, 2> open_statuses = {"Published", "InProgress"};
inline constexpr std::array<std::string_view, 12> event_names = {
    "task_published",      "participant_joined", "submission_received", "validation_completed",
    "task_status_changed", "task_completed",     "task_expired",        "task_cancelled",
    "reward_distributed",  "stake_slashed",      "reputation_changed",  "miner_registered"};

// The smallest and largest stake the node accepts for one task.
struct StakeRange {
  Amount min = 0;
  Amount max = 0;

  static StakeRange of(Amount reward, Amount stake_required, Amount min_divisor = stake_min_divisor,
                       Amount max_divisor = stake_max_divisor) noexcept;
  friend bool operator==(const StakeRange&, const StakeRange&) = default;
};

// ai_get_rules: the rules as the node applies them, with its settings (rate limits, the validation
// window, the events it keeps). Amounts are u64 atomic units.
struct Rules {
  struct AmountRules {
    std::uint64_t atomic_per_tos = 0;
    std::uint32_t decimals = 0;
    Amount max_supply = 0;
    Amount faucet_cap = 0;
    Amount min_registration_fee = 0;
    friend bool operator==(const AmountRules&, const AmountRules&) = default;
  };
  // One level: its reward range (inclusive), default deadline, and the reputation each action needs
  // ("publish", "participate", "submit", "validate"; joining needs the submit minimum).
  struct DifficultyRule {
    std::string name;
    Amount min_reward = 0;
    Amount max_reward = 0;
    std::int64_t default_deadline_seconds = 0;
    std::map<std::string, std::int32_t> min_reputation;
    friend bool operator==(const DifficultyRule&, const DifficultyRule&) = default;
  };
  struct StakeRules {
    Amount min_divisor = 0;
    Amount max_divisor = 0;
    friend bool operator==(const StakeRules&, const StakeRules&) = default;
  };
  struct ReputationRules {
    std::int32_t min = 0;
    std::int32_t max = 0;
    std::int32_t start = 0;
    std::map<std::string, std::int32_t> deltas;  // the change at completion, by reason
    std::int32_t validation_close_points = 0;
    friend bool operator==(const ReputationRules&, const ReputationRules&) = default;
  };
  struct RewardSplit {
    std::uint32_t winner_percent = 0;
    std::uint32_t others_percent = 0;
    std::uint32_t validators_percent = 0;
    std::uint32_t network_percent = 0;
    friend bool operator==(const RewardSplit&, const RewardSplit&) = default;
  };
  struct SlashRules {
    std::uint32_t percent = 0;
    std::int32_t keep_score = 0;
    friend bool operator==(const SlashRules&, const SlashRules&) = default;
  };
  struct QualityRules {
    std::int32_t default_threshold = 0;
    std::int32_t min_score = 0;
    std::int32_t max_score = 0;
    friend bool operator==(const QualityRules&, const QualityRules&) = default;
  };
  struct ContentRules {
    std::uint32_t min_content_bytes = 0;
    std::uint32_t max_title_bytes = 0;
    std::uint32_t max_description_bytes = 0;
    std::uint32_t max_solution_bytes = 0;
    std::uint32_t max_participants = 0;
    std::uint32_t default_max_participants = 0;
    friend bool operator==(const ContentRules&, const ContentRules&) = default;
  };
  struct DeadlineRules {
    std::int64_t max_seconds = 0;
    std::int64_t validation_window_seconds = 0;
    friend bool operator==(const DeadlineRules&, const DeadlineRules&) = default;
  };
  // per_window is empty when the node runs without rate limits.
  struct RateLimitRules {
    std::int64_t window_seconds = 0;
    std::optional<std::map<std::string, std::uint32_t>> per_window;
    friend bool operator==(const RateLimitRules&, const RateLimitRules&) = default;
  };
  struct TransportRules {
    std::uint64_t max_body_bytes = 0;
    std::uint32_t max_batch = 0;
    std::uint64_t max_reply_bytes = 0;
    std::uint32_t max_page_limit = 0;
    std::uint32_t max_state_tasks = 0;
    std::uint64_t events_kept = 0;
    friend bool operator==(const TransportRules&, const TransportRules&) = default;
  };
  // A task type and its one detail: a string of detail_min..detail_max characters, or an integer in it.
  struct TaskTypeRule {
    std::string name;
    std::string detail;
    std::string detail_type;  // "string" or "integer"
    std::int64_t detail_min = 0;
    std::int64_t detail_max = 0;
    friend bool operator==(const TaskTypeRule&, const TaskTypeRule&) = default;
  };
  struct VerificationRules {
    std::vector<std::string> types;
    nlohmann::json default_type;  // what a publisher gets when naming none
    std::uint32_t max_reviewers = 0;
    friend bool operator==(const VerificationRules&, const VerificationRules&) = default;
  };
  // active: listed; open: take participants and submissions; validatable: take validations.
  struct StatusRules {
    std::vector<std::string> all;
    std::vector<std::string> active;
    std::vector<std::string> open;
    std::vector<std::string> validatable;
    friend bool operator==(const StatusRules&, const StatusRules&) = default;
  };

  AmountRules amounts;
  std::vector<DifficultyRule> difficulty_levels;  // easiest first
  StakeRules stake;
  ReputationRules reputation;
  RewardSplit reward_split;
  SlashRules slash;
  QualityRules quality;
  ContentRules content;
  DeadlineRules deadlines;
  RateLimitRules rate_limits;
  TransportRules transport;
  std::vector<TaskTypeRule> task_types;
  VerificationRules verification;
  StatusRules statuses;
  std::vector<std::string> events;

  // The level called `name`, or nullptr for one the node does not have.
  [[nodiscard]] const DifficultyRule* level(std::string_view name) const noexcept;
  // The reputation `action` needs at `level`, or nullopt for a level or action the node does not have.
  [[nodiscard]] std::optional<std::int32_t> min_reputation(std::string_view action, std::string_view level) const;
  [[nodiscard]] StakeRange stake_range(Amount reward, Amount stake_required) const noexcept;
  [[nodiscard]] bool is_open(std::string_view status) const;

  static Rules from_json(const nlohmann::json& value, std::string_view method = "ai_get_rules");
  friend bool operator==(const Rules&, const Rules&) = default;
};

}  // namespace tos_ai
