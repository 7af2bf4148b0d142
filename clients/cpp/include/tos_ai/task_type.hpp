// Task types are externally tagged JSON: {"CodeAnalysis": {"language": "rust"}}; a bare variant name
// ("CodeAnalysis") is accepted too. Each variant has one optional detail (vectors/task_types.json).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tos_ai {

class TaskType {
 public:
  // Checks a task type as the node does and throws the node's error for a bad one: InvalidParams
  // (code -32602) whose data.field names the offending part ("task_type.LogicReasoning.complexity").
  static TaskType parse(const nlohmann::json& value, std::string_view field = "task_type");

  // The REST flat form: {"task_type": "CodeAnalysis", "language": "rust", ...}.
  static TaskType from_rest_flat(const nlohmann::json& body);

  // A variant with its detail (a string, or an integer 1-10 for LogicReasoning's complexity), or none.
  explicit TaskType(std::string variant, nlohmann::json detail = nullptr);

  [[nodiscard]] const std::string& variant() const noexcept { return variant_; }
  // The detail's key for this variant ("language" for CodeAnalysis).
  [[nodiscard]] std::string_view detail_key() const;
  // The detail, null when none was given.
  [[nodiscard]] const nlohmann::json& detail() const noexcept { return detail_; }
  // The form the node stores and returns: {"Variant": {"key": value}} or {"Variant": {}}.
  [[nodiscard]] nlohmann::json to_json() const;
  // The title the node gives a task published without one: "CodeAnalysis (rust)" or "CodeAnalysis".
  [[nodiscard]] std::string default_title() const;

  friend bool operator==(const TaskType&, const TaskType&) = default;

 private:
  TaskType(std::string variant, nlohmann::json detail, std::string_view field);

  std::string variant_;
  nlohmann::json detail_;
};

// The variant names, in the node's order.
const std::vector<std::string>& task_type_names();

}  // namespace tos_ai
