#include "tos_ai/amounts.hpp"

#include <charconv>
#include <limits>

#include "tos_ai/errors.hpp"

namespace tos_ai {
namespace {

bool all_ascii_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Digits only, checked; nullopt when the value does not fit in 64 bits.
std::optional<Amount> digits_to_u64(std::string_view digits) {
  Amount value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error == std::errc::result_out_of_range) return std::nullopt;
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// "184,467,440,737.09551616 TOS" for the digits of any size: how the node names an amount in a message.
std::string grouped_tos(std::string_view digits) {
  auto first = digits.find_first_not_of('0');
  std::string all(first == std::string_view::npos ? "0" : digits.substr(first));
  if (all.size() <= static_cast<std::size_t>(tos_decimals)) all.insert(0, tos_decimals + 1 - all.size(), '0');
  std::string whole = all.substr(0, all.size() - tos_decimals);
  std::string fraction = all.substr(all.size() - tos_decimals);
  for (auto at = static_cast<std::ptrdiff_t>(whole.size()) - 3; at > 0; at -= 3)
    whole.insert(static_cast<std::size_t>(at), ",");
  fraction.erase(fraction.find_last_not_of('0') + 1);
  return whole + (fraction.empty() ? "" : "." + fraction) + " TOS";
}

[[noreturn]] void over_supply(std::string_view what, std::string_view digits) {
  throw InvalidAmount(std::string(what) + " is " + grouped_tos(digits) + ", more than the chain's whole supply of " +
                      grouped_tos(std::to_string(max_supply)) + " (" + std::to_string(max_supply) + " atomic)");
}

Amount within_supply(Amount value, std::string_view what) {
  if (value > max_supply) over_supply(what, std::to_string(value));
  return value;
}

[[noreturn]] void not_an_amount(std::string_view what) {
  throw InvalidAmount(std::string(what) + " must be an amount in atomic units (a decimal string or an integer)");
}

}  // namespace

Amount parse_amount(std::string_view digits, std::string_view what) {
  if (!all_ascii_digits(digits)) not_an_amount(what);
  auto value = digits_to_u64(digits);
  if (!value) over_supply(what, digits);
  return within_supply(*value, what);
}

Amount parse_amount(const nlohmann::json& value, std::string_view what) {
  if (value.is_boolean()) {
    throw InvalidAmount(std::string(what) + " must be an amount (a decimal string or an integer)");
  }
  if (value.is_number_unsigned()) return within_supply(value.get<Amount>(), what);
  if (value.is_number_integer()) {  // signed: parsed negative, or built from an int in code
    auto signed_value = value.get<std::int64_t>();
    if (signed_value < 0) throw InvalidAmount(std::string(what) + " cannot be negative");
    return within_supply(static_cast<Amount>(signed_value), what);
  }
  if (value.is_string()) return parse_amount(std::string_view(value.get_ref<const std::string&>()), what);
  not_an_amount(what);
}

std::string amount_to_string(Amount atomic) { return std::to_string(atomic); }

std::optional<Amount> tos_to_atomic(std::string_view tos) {
  auto point = tos.find('.');
  std::string_view whole = tos.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? std::string_view{} : tos.substr(point + 1);
  if (!all_ascii_digits(whole)) return std::nullopt;
  if (point != std::string_view::npos && (fraction.empty() || fraction.size() > tos_decimals)) {
    return std::nullopt;
  }
  if (!fraction.empty() && !all_ascii_digits(fraction)) return std::nullopt;
  auto units = digits_to_u64(whole);
  if (!units || *units > std::numeric_limits<Amount>::max() / atomic_per_tos) return std::nullopt;
  std::string padded(fraction);
  padded.resize(tos_decimals, '0');
  Amount fractional = *digits_to_u64(padded);
  Amount scaled = *units * atomic_per_tos;
  if (scaled > std::numeric_limits<Amount>::max() - fractional) return std::nullopt;
  return scaled + fractional;
}

std::string format_tos(Amount atomic) {
  std::string text = std::to_string(atomic / atomic_per_tos);
  if (Amount fraction = atomic % atomic_per_tos; fraction != 0) {
    std::string digits = std::to_string(fraction);
    digits.insert(0, static_cast<std::size_t>(tos_decimals) - digits.size(), '0');
    digits.erase(digits.find_last_not_of('0') + 1);
    text += "." + digits;
  }
  return text + " TOS";
}

}  // namespace tos_ai
