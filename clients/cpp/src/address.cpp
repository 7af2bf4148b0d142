#include "tos_ai/address.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "tos_ai/errors.hpp"

namespace tos_ai {
namespace {

constexpr std::string_view charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::uint32_t bech32_constant = 1;  // bech32m would be 0x2bc830a3
constexpr std::array<std::uint32_t, 5> generator = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};

std::uint32_t polymod(const std::vector<std::uint8_t>& values) {
  std::uint32_t checksum = 1;
  for (std::uint8_t value : values) {
    std::uint32_t top = checksum >> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    for (std::size_t bit = 0; bit < generator.size(); ++bit) {
      if ((top >> bit) & 1) checksum ^= generator[bit];
    }
  }
  return checksum;
}

std::vector<std::uint8_t> hrp_expand(std::string_view hrp) {
  std::vector<std::uint8_t> out;
  out.reserve(hrp.size() * 2 + 1);
  for (char c : hrp) out.push_back(static_cast<std::uint8_t>(static_cast<unsigned char>(c) >> 5));
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<std::uint8_t>(static_cast<unsigned char>(c) & 31));
  return out;
}

// Regroups 8-bit bytes into 5-bit words (pad) or back (no padding allowed); nullopt on bad padding.
std::optional<std::vector<std::uint8_t>> convert_bits(const std::uint8_t* data, std::size_t size, int from, int to,
                                                      bool pad) {
  std::uint32_t accumulator = 0;
  int bits = 0;
  const std::uint32_t max_value = (1u << to) - 1;
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < size; ++i) {
    accumulator = (accumulator << from) | data[i];
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back(static_cast<std::uint8_t>((accumulator >> bits) & max_value));
    }
  }
  if (pad) {
    if (bits > 0) out.push_back(static_cast<std::uint8_t>((accumulator << (to - bits)) & max_value));
  } else if (bits >= from || ((accumulator << (to - bits)) & max_value) != 0) {
    return std::nullopt;
  }
  return out;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The (hrp, payload) of a bech32 string, with the devnode's words for each defect.
std::pair<std::string, std::vector<std::uint8_t>> bech32_decode(std::string_view text) {
  bool has_lower = false;
  bool has_upper = false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) > 127) throw InvalidAddress("an address is an ASCII string");
    has_lower = has_lower || (c >= 'a' && c <= 'z');
    has_upper = has_upper || (c >= 'A' && c <= 'Z');
  }
  if (has_lower && has_upper) throw InvalidAddress("mixed case");
  std::string folded(text);
  std::transform(folded.begin(), folded.end(), folded.begin(), lower);
  auto separator = folded.rfind('1');
  if (separator == std::string::npos || separator < 1 || separator + 7 > folded.size() || folded.size() > 90) {
    throw InvalidAddress("malformed bech32 string");
  }
  std::string hrp = folded.substr(0, separator);
  std::vector<std::uint8_t> words;
  for (char c : std::string_view(folded).substr(separator + 1)) {
    auto index = charset.find(c);
    if (index == std::string_view::npos) throw InvalidAddress("character outside the bech32 alphabet");
    words.push_back(static_cast<std::uint8_t>(index));
  }
  auto checked = hrp_expand(hrp);
  checked.insert(checked.end(), words.begin(), words.end());
  if (polymod(checked) != bech32_constant) throw InvalidAddress("bad checksum");
  auto payload = convert_bits(words.data(), words.size() - 6, 5, 8, false);
  if (!payload) throw InvalidAddress("non-zero padding");
  return {std::move(hrp), std::move(*payload)};
}

}  // namespace

std::string encode_address(const PublicKey& key, std::string_view hrp) {
  auto words = *convert_bits(key.data(), key.size(), 8, 5, true);
  auto values = hrp_expand(hrp);
  values.insert(values.end(), words.begin(), words.end());
  values.insert(values.end(), 6, 0);
  std::uint32_t mod = polymod(values) ^ bech32_constant;
  for (int i = 0; i < 6; ++i) words.push_back(static_cast<std::uint8_t>((mod >> (5 * (5 - i))) & 31));
  std::string out(hrp);
  out += '1';
  for (std::uint8_t word : words) out += charset[word];
  return out;
}

PublicKey decode_address(std::string_view address, std::string_view hrp) {
  auto [found, payload] = bech32_decode(address);
  if (found != hrp) {
    throw InvalidAddress("expected the '" + std::string(hrp) + "' prefix, got '" + found + "'");
  }
  if (payload.size() != 32) throw InvalidAddress("an address holds a 32-byte public key");
  PublicKey key{};
  std::copy(payload.begin(), payload.end(), key.begin());
  return key;
}

std::string normalize_address(std::string_view address, std::string_view hrp) {
  return encode_address(decode_address(address, hrp), hrp);
}

bool is_valid_address(std::string_view address, std::string_view hrp) noexcept {
  try {
    decode_address(address, hrp);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace tos_ai
