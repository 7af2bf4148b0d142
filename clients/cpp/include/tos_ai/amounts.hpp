// Amounts are u64 counts of atomic units (1 TOS = 10^8 atomic), never floating point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tos_ai {

using Amount = std::uint64_t;

inline constexpr Amount atomic_per_tos = 100'000'000;
inline constexpr int tos_decimals = 8;
// The chain's whole supply, 184,000,000 TOS: no amount is larger (vectors/amounts.json pins it).
inline constexpr Amount max_supply = 184'000'000 * atomic_per_tos;

// An amount as the node accepts it: a string of ASCII digits or a non-negative JSON integer, at most
// max_supply. Throws InvalidAmount with the node's words, starting with `what` ("amount must be ...").
Amount parse_amount(const nlohmann::json& value, std::string_view what = "amount");

// The same for text alone ("50000000000", "007").
Amount parse_amount(std::string_view digits, std::string_view what = "amount");
inline Amount parse_amount(const std::string& digits, std::string_view what = "amount") {
  return parse_amount(std::string_view(digits), what);
}
inline Amount parse_amount(const char* digits, std::string_view what = "amount") {
  return parse_amount(std::string_view(digits), what);
}

// An amount as the client sends it: a decimal string (what every node result uses too).
std::string amount_to_string(Amount atomic);

// "1.5" TOS to 150000000 atomic; nullopt for anything but digits with at most 8 decimals, or over u64.
std::optional<Amount> tos_to_atomic(std::string_view tos);

// 150000000 to "1.5 TOS" (8 decimals, trailing zeros trimmed).
std::string format_tos(Amount atomic);

}  // namespace tos_ai
