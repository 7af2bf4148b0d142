// Reads one JSON object of a node reply field by field; any missing or ill-typed field throws
// ResponseError naming the method and the field's path ("result.participants[2].stake_amount").
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tos_ai/amounts.hpp"
#include "tos_ai/errors.hpp"

namespace tos_ai::detail {

inline std::string_view json_kind(const nlohmann::json& value) {
  if (value.is_number_float()) return "a fraction";
  if (value.is_number()) return "an integer";
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::array:
      return "a list";
    case nlohmann::json::value_t::object:
      return "an object";
    default:
      return "something else";
  }
}

class Reader {
 public:
  Reader(const nlohmann::json& value, std::string_view method, std::string path = "result")
      : value_(value), method_(method), path_(std::move(path)) {
    if (!value_.is_object())
      throw ResponseError(std::string(method_), path_, "expected an object, got " + std::string(json_kind(value_)));
  }

  [[noreturn]] void fail(std::string_view key, const std::string& reason) const {
    throw ResponseError(std::string(method_), path_ + "." + std::string(key), reason);
  }

  [[nodiscard]] const nlohmann::json& at(std::string_view key) const {
    auto found = value_.find(key);
    if (found == value_.end()) fail(key, "missing");
    return *found;
  }

  // nullptr when the field is missing or null.
  [[nodiscard]] const nlohmann::json* find(std::string_view key) const {
    auto found = value_.find(key);
    return found == value_.end() || found->is_null() ? nullptr : &*found;
  }

  [[nodiscard]] std::string str(std::string_view key) const { return as_string_at(at(key), key); }

  [[nodiscard]] std::optional<std::string> opt_str(std::string_view key) const {
    const auto* found = find(key);
    return found ? std::optional(as_string_at(*found, key)) : std::nullopt;
  }

  template <typename Int>
  [[nodiscard]] Int integer(std::string_view key) const {
    return as_integer<Int>(at(key), key);
  }

  template <typename Int>
  [[nodiscard]] std::optional<Int> opt_integer(std::string_view key) const {
    const auto* found = find(key);
    return found ? std::optional(as_integer<Int>(*found, key)) : std::nullopt;
  }

  [[nodiscard]] Amount amount(std::string_view key) const { return as_amount(at(key), key); }

  [[nodiscard]] std::optional<Amount> opt_amount(std::string_view key) const {
    const auto* found = find(key);
    return found ? std::optional(as_amount(*found, key)) : std::nullopt;
  }

  [[nodiscard]] std::optional<bool> opt_boolean(std::string_view key) const {
    const auto* found = find(key);
    if (!found) return std::nullopt;
    if (!found->is_boolean()) fail(key, "expected true or false, got " + std::string(json_kind(*found)));
    return found->get<bool>();
  }

  [[nodiscard]] std::optional<double> opt_number(std::string_view key) const {
    const auto* found = find(key);
    if (!found) return std::nullopt;
    if (!found->is_number()) fail(key, "expected a number, got " + std::string(json_kind(*found)));
    return found->get<double>();
  }

  [[nodiscard]] const nlohmann::json& any(std::string_view key) const { return at(key); }

  [[nodiscard]] nlohmann::json opt_any(std::string_view key) const {
    const auto* found = find(key);
    return found ? *found : nlohmann::json();
  }

  [[nodiscard]] Reader object(std::string_view key) const {
    return Reader(at(key), method_, path_ + "." + std::string(key));
  }

  // A list of objects, each read by `read(const Reader&)`.
  template <typename Read>
  [[nodiscard]] auto list(std::string_view key, Read read) const {
    return read_list(at(key), key, read);
  }

  // The same, where a missing or null list reads as empty.
  template <typename Read>
  [[nodiscard]] auto opt_list(std::string_view key, Read read) const {
    const auto* found = find(key);
    using Item = decltype(invoke_read(read, std::declval<const nlohmann::json&>(), std::string()));
    return found ? read_list(*found, key, read) : std::vector<Item>{};
  }

  // An object keyed by id, each value read by `read(const Reader&)`; "…" notes are skipped.
  template <typename Read>
  [[nodiscard]] auto map(std::string_view key, Read read) const {
    using Item = std::invoke_result_t<Read, const Reader&>;
    const auto& found = at(key);
    if (!found.is_object()) fail(key, "expected an object, got " + std::string(json_kind(found)));
    std::map<std::string, Item> out;
    for (const auto& [id, item] : found.items()) {
      out.emplace(id, read(Reader(item, method_, path_ + "." + std::string(key) + "." + id)));
    }
    return out;
  }

  // For lists of strings: opt_list(key, &Reader::as_string).
  static std::string as_string(const nlohmann::json& value, const std::string& path, std::string_view method) {
    if (!value.is_string())
      throw ResponseError(std::string(method), path, "expected a string, got " + std::string(json_kind(value)));
    return value.get<std::string>();
  }

 private:
  std::string as_string_at(const nlohmann::json& value, std::string_view key) const {
    if (!value.is_string()) fail(key, "expected a string, got " + std::string(json_kind(value)));
    return value.get<std::string>();
  }

  template <typename Int>
  Int as_integer(const nlohmann::json& value, std::string_view key) const {
    if (!value.is_number_integer()) fail(key, "expected an integer, got " + std::string(json_kind(value)));
    bool fits = value.is_number_unsigned() ? std::in_range<Int>(value.get<std::uint64_t>())
                                           : std::in_range<Int>(value.get<std::int64_t>());
    if (!fits) fail(key, "integer out of range: " + value.dump());
    return value.get<Int>();
  }

  Amount as_amount(const nlohmann::json& value, std::string_view key) const {
    try {
      return parse_amount(value);
    } catch (const InvalidAmount& error) {
      fail(key, error.what());
    }
  }

  // read(const Reader&) for objects, read(json, path, method) for plain values.
  template <typename Read>
  auto invoke_read(Read read, const nlohmann::json& item, const std::string& path) const {
    if constexpr (std::is_invocable_v<Read, const Reader&>) {
      return read(Reader(item, method_, path));
    } else {
      return read(item, path, method_);
    }
  }

  template <typename Read>
  auto read_list(const nlohmann::json& found, std::string_view key, Read read) const {
    using Item = decltype(invoke_read(read, found, std::string()));
    if (!found.is_array()) fail(key, "expected a list, got " + std::string(json_kind(found)));
    std::vector<Item> out;
    out.reserve(found.size());
    for (std::size_t i = 0; i < found.size(); ++i) {
      out.push_back(invoke_read(read, found[i], path_ + "." + std::string(key) + "[" + std::to_string(i) + "]"));
    }
    return out;
  }

  const nlohmann::json& value_;
  std::string_view method_;
  std::string path_;
};

}  // namespace tos_ai::detail
