// What callers hand to the node: a task to publish, a solution, a validation verdict, a miner's
// registration, a task list query. Each writes the params object the node API documents.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tos_ai/amounts.hpp"
#include "tos_ai/task_type.hpp"

namespace tos_ai {

// ai_publish_task's task_data. Left out, the node picks: title from the type, difficulty from the
// reward, stake reward/10, 10 participants, a deadline by difficulty, one peer reviewer, threshold 70.
struct TaskData {
  std::optional<std::string> title{};
  std::optional<std::string> description{};
  TaskType task_type{"GeneralTask"};
  std::optional<std::string> difficulty_level{};
  Amount reward_amount = 0;
  std::optional<Amount> stake_required{};
  std::optional<std::int64_t> deadline{};         // Unix seconds; or
  std::optional<std::uint32_t> deadline_hours{};  // hours from now
  std::optional<std::uint32_t> max_participants{};
  nlohmann::json verification_type{};  // null: the node's default
  std::optional<std::int32_t> quality_threshold{};

  [[nodiscard]] nlohmann::json to_json() const;
  // From the node API's JSON form (as in the docs and scenario.json); checks types and amounts.
  static TaskData from_json(const nlohmann::json& value);
};

// ai_submit_solution's solution_data: content is required (at least 10 bytes), the rest optional.
struct Solution {
  std::string content{};
  std::optional<std::string> code{};
  std::optional<std::string> documentation{};
  nlohmann::json test_results{};         // any JSON, or null
  nlohmann::json performance_metrics{};  // any JSON, or null

  [[nodiscard]] nlohmann::json to_json() const;
  static Solution from_json(const nlohmann::json& value);
};

// ai_validate_submission's validation_result.
class Verdict {
 public:
  static Verdict approve(std::int32_t quality_score, std::string reasoning);
  static Verdict reject(std::string reason, nlohmann::json evidence = nullptr);
  // {"Approve": {...}} or {"Reject": {...}}
  static Verdict from_json(const nlohmann::json& value);

  [[nodiscard]] bool approved() const noexcept { return approved_; }
  [[nodiscard]] const nlohmann::json& to_json() const noexcept { return value_; }

 private:
  Verdict(bool approved, nlohmann::json value) : approved_(approved), value_(std::move(value)) {}
  bool approved_;
  nlohmann::json value_{};
};

// ai_register_miner's miner_config.
struct MinerConfig {
  std::vector<std::string> specializations{};
  std::optional<Amount> registration_fee{};  // at least 10^9 atomic; the node's minimum when left out

  [[nodiscard]] nlohmann::json to_json() const;
};

// ai_list_active_tasks's params; every field optional.
struct ListTasksQuery {
  std::optional<std::string> task_type{};  // a variant name: "CodeAnalysis"
  std::optional<std::string> difficulty_level{};
  std::optional<Amount> min_reward{};
  std::optional<std::string> publisher{};
  std::optional<std::string> status{};   // Published, InProgress or UnderValidation
  std::optional<std::string> sort_by{};  // created_at (default), deadline, time_left, reward_amount, participants_count
  std::optional<std::string> sort_order{};  // desc (default) or asc
  std::optional<std::uint32_t> limit{};     // 1..1000, default 50
  std::optional<std::uint32_t> offset{};

  [[nodiscard]] nlohmann::json to_params() const;
};

}  // namespace tos_ai
