#include "tos_ai/task_type.hpp"

#include <array>
#include <utility>

#include "tos_ai/errors.hpp"

namespace tos_ai {
namespace {

struct Variant {
  std::string_view name;
  std::string_view detail_key;
};

constexpr std::array<Variant, 6> variants = {{
    {"CodeAnalysis", "language"},
    {"SecurityAudit", "scope"},
    {"DataAnalysis", "data_type"},
    {"AlgorithmOptimization", "domain"},
    {"LogicReasoning", "complexity"},
    {"GeneralTask", "category"},
}};

constexpr std::size_t max_detail_chars = 64;

const Variant* find_variant(std::string_view name) {
  for (const auto& variant : variants) {
    if (variant.name == name) return &variant;
  }
  return nullptr;
}

[[noreturn]] void invalid(std::string_view field, const std::string& message, std::string_view rule) {
  throw_rpc_error("", -32602, message, {{"field", field}, {"rule", rule}});
}

[[noreturn]] void not_a_task_type(std::string_view field) {
  std::string names;
  for (const auto& variant : variants) names += (names.empty() ? "" : ", ") + std::string(variant.name);
  invalid(field, std::string(field) + " must be one of " + names + R"(, as a string or as {"Variant": {detail}})",
          "task_type");
}

std::size_t code_points(const std::string& text) {
  std::size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return count;
}

void check_detail(const Variant& variant, const nlohmann::json& detail, const std::string& field) {
  if (detail.is_null()) return;
  if (variant.detail_key == "complexity") {
    if (!detail.is_number_integer()) invalid(field, field + " must be an integer", "type");
    auto value = detail.get<std::int64_t>();
    if (value < 1) invalid(field, field + " must be at least 1", "minimum");
    if (value > 10) invalid(field, field + " must be at most 10", "maximum");
    return;
  }
  if (!detail.is_string()) invalid(field, field + " must be a string", "type");
  if (code_points(detail.get_ref<const std::string&>()) > max_detail_chars) {
    invalid(field, field + " is longer than " + std::to_string(max_detail_chars) + " characters", "max_length");
  }
}

}  // namespace

const std::vector<std::string>& task_type_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& variant : variants) out.emplace_back(variant.name);
    return out;
  }();
  return names;
}

TaskType::TaskType(std::string variant, nlohmann::json detail)
    : TaskType(std::move(variant), std::move(detail), "task_type") {}

TaskType::TaskType(std::string variant, nlohmann::json detail, std::string_view field)
    : variant_(std::move(variant)), detail_(std::move(detail)) {
  const Variant* known = find_variant(variant_);
  if (known == nullptr) not_a_task_type(field);
  check_detail(*known, detail_, std::string(field) + "." + variant_ + "." + std::string(known->detail_key));
}

TaskType TaskType::parse(const nlohmann::json& value, std::string_view field) {
  if (value.is_string()) {
    if (find_variant(value.get_ref<const std::string&>()) == nullptr) not_a_task_type(field);
    return TaskType(value.get<std::string>(), nullptr, field);
  }
  if (!value.is_object() || value.size() != 1) not_a_task_type(field);
  auto only = value.begin();
  const std::string& name = only.key();
  const nlohmann::json& inner = only.value();
  const Variant* known = find_variant(name);
  if (known == nullptr || !(inner.is_object() || inner.is_null())) not_a_task_type(field);
  nlohmann::json detail = nullptr;
  if (inner.is_object()) {
    for (const auto& [key, item] : inner.items()) {
      if (key != known->detail_key) {
        invalid(std::string(field) + "." + name + "." + key, name + " has no '" + key + "' detail", "unknown_field");
      }
      detail = item;
    }
  }
  return TaskType(name, std::move(detail), field);
}

TaskType TaskType::from_rest_flat(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("task_type")) not_a_task_type("task_type");
  const auto& type = body.at("task_type");
  if (!type.is_string()) return parse(type);
  const Variant* known = find_variant(type.get_ref<const std::string&>());
  if (known == nullptr) not_a_task_type("task_type");
  auto detail = body.find(std::string(known->detail_key));
  return TaskType(type.get<std::string>(), detail == body.end() ? nullptr : *detail, "task_type");
}

std::string_view TaskType::detail_key() const { return find_variant(variant_)->detail_key; }

nlohmann::json TaskType::to_json() const {
  nlohmann::json inner = nlohmann::json::object();
  if (!detail_.is_null()) inner[std::string(detail_key())] = detail_;
  return {{variant_, std::move(inner)}};
}

std::string TaskType::default_title() const {
  if (detail_.is_null()) return variant_;
  if (detail_.is_string()) {
    const auto& text = detail_.get_ref<const std::string&>();
    return text.empty() ? variant_ : variant_ + " (" + text + ")";
  }
  return variant_ + " (" + detail_.dump() + ")";
}

}  // namespace tos_ai
