#include "tos_ai/requests.hpp"

#include <utility>

#include "tos_ai/errors.hpp"

namespace tos_ai {
namespace {

template <typename T>
void put(nlohmann::json& out, const char* key, const std::optional<T>& value) {
  if (value) out[key] = *value;
}

void put_amount(nlohmann::json& out, const char* key, const std::optional<Amount>& value) {
  if (value) out[key] = amount_to_string(*value);
}

// Reads optional fields of caller-supplied JSON, refusing wrong types with InputError.
class Input {
 public:
  Input(const nlohmann::json& value, std::string where) : value_(value), where_(std::move(where)) {
    if (!value_.is_object()) throw InputError(where_ + " must be a JSON object");
  }
  [[nodiscard]] const nlohmann::json* find(const char* key) const {
    auto found = value_.find(key);
    return found == value_.end() || found->is_null() ? nullptr : &*found;
  }
  [[nodiscard]] std::optional<std::string> str(const char* key) const {
    const auto* found = find(key);
    if (!found) return std::nullopt;
    if (!found->is_string()) throw InputError(where_ + "." + key + " must be a string");
    return found->get<std::string>();
  }
  template <typename Int>
  [[nodiscard]] std::optional<Int> integer(const char* key) const {
    const auto* found = find(key);
    if (!found) return std::nullopt;
    bool fits = found->is_number_unsigned()  ? std::in_range<Int>(found->get<std::uint64_t>())
                : found->is_number_integer() ? std::in_range<Int>(found->get<std::int64_t>())
                                             : false;
    if (!fits) throw InputError(where_ + "." + key + " must be an integer in range");
    return found->get<Int>();
  }
  [[nodiscard]] std::optional<Amount> amount(const char* key) const {
    const auto* found = find(key);
    if (!found) return std::nullopt;
    return parse_amount(*found, where_ + "." + key);
  }
  [[nodiscard]] nlohmann::json any(const char* key) const {
    const auto* found = find(key);
    return found ? *found : nlohmann::json();
  }

 private:
  const nlohmann::json& value_;
  std::string where_;
};

}  // namespace

nlohmann::json TaskData::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  put(out, "title", title);
  put(out, "description", description);
  out["task_type"] = task_type.to_json();
  put(out, "difficulty_level", difficulty_level);
  out["reward_amount"] = amount_to_string(reward_amount);
  put_amount(out, "stake_required", stake_required);
  put(out, "deadline", deadline);
  put(out, "deadline_hours", deadline_hours);
  put(out, "max_participants", max_participants);
  if (!verification_type.is_null()) out["verification_type"] = verification_type;
  put(out, "quality_threshold", quality_threshold);
  return out;
}

TaskData TaskData::from_json(const nlohmann::json& value) {
  Input in(value, "task_data");
  TaskData task;
  task.title = in.str("title");
  task.description = in.str("description");
  if (const auto* type = in.find("task_type")) task.task_type = TaskType::parse(*type);
  task.difficulty_level = in.str("difficulty_level");
  auto reward = in.amount("reward_amount");
  if (!reward) throw InputError("task_data.reward_amount is required");
  task.reward_amount = *reward;
  task.stake_required = in.amount("stake_required");
  task.deadline = in.integer<std::int64_t>("deadline");
  task.deadline_hours = in.integer<std::uint32_t>("deadline_hours");
  task.max_participants = in.integer<std::uint32_t>("max_participants");
  task.verification_type = in.any("verification_type");
  task.quality_threshold = in.integer<std::int32_t>("quality_threshold");
  return task;
}

nlohmann::json Solution::to_json() const {
  nlohmann::json out = {{"content", content}};
  put(out, "code", code);
  put(out, "documentation", documentation);
  if (!test_results.is_null()) out["test_results"] = test_results;
  if (!performance_metrics.is_null()) out["performance_metrics"] = performance_metrics;
  return out;
}

Solution Solution::from_json(const nlohmann::json& value) {
  Input in(value, "solution_data");
  auto content = in.str("content");
  if (!content) throw InputError("solution_data.content is required");
  return Solution{*content, in.str("code"), in.str("documentation"), in.any("test_results"),
                  in.any("performance_metrics")};
}

Verdict Verdict::approve(std::int32_t quality_score, std::string reasoning) {
  return Verdict(true, {{"Approve", {{"quality_score", quality_score}, {"reasoning", std::move(reasoning)}}}});
}

Verdict Verdict::reject(std::string reason, nlohmann::json evidence) {
  return Verdict(false, {{"Reject", {{"reason", std::move(reason)}, {"evidence", std::move(evidence)}}}});
}

Verdict Verdict::from_json(const nlohmann::json& value) {
  if (value.is_object() && value.size() == 1) {
    if (auto found = value.find("Approve"); found != value.end()) {
      Input in(*found, "Approve");
      auto score = in.integer<std::int32_t>("quality_score");
      if (!score) throw InputError("Approve.quality_score is required");
      return approve(*score, in.str("reasoning").value_or(""));
    }
    if (auto found = value.find("Reject"); found != value.end()) {
      Input in(*found, "Reject");
      return reject(in.str("reason").value_or(""), in.any("evidence"));
    }
  }
  throw InputError(R"(a verdict is {"Approve": {quality_score, reasoning}} or {"Reject": {reason, evidence}})");
}

nlohmann::json MinerConfig::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  if (!specializations.empty()) out["specializations"] = specializations;
  put_amount(out, "registration_fee", registration_fee);
  return out;
}

nlohmann::json ListTasksQuery::to_params() const {
  nlohmann::json filters = nlohmann::json::object();
  put(filters, "task_type", task_type);
  put(filters, "difficulty_level", difficulty_level);
  put_amount(filters, "min_reward", min_reward);
  put(filters, "publisher", publisher);
  put(filters, "status", status);
  nlohmann::json params = nlohmann::json::object();
  if (!filters.empty()) params["filters"] = std::move(filters);
  put(params, "sort_by", sort_by);
  put(params, "sort_order", sort_order);
  put(params, "limit", limit);
  put(params, "offset", offset);
  return params;
}

}  // namespace tos_ai
