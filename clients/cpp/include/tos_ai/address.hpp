// Addresses: classic bech32 (BIP-173, not bech32m) of the 32-byte ed25519 public key, HRP "tst" on the
// devnet and "tos" on mainnet.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tos_ai {

using PublicKey = std::array<std::uint8_t, 32>;

inline constexpr std::string_view devnet_hrp = "tst";
inline constexpr std::string_view mainnet_hrp = "tos";

// The address of a public key.
std::string encode_address(const PublicKey& key, std::string_view hrp = devnet_hrp);

// The public key inside an address valid for `hrp` (upper or lower case, not mixed). Throws
// InvalidAddress with the node's words for the defect ("bad checksum", "mixed case", ...).
PublicKey decode_address(std::string_view address, std::string_view hrp = devnet_hrp);

// The lower-case spelling the node uses; throws InvalidAddress like decode_address.
std::string normalize_address(std::string_view address, std::string_view hrp = devnet_hrp);

bool is_valid_address(std::string_view address, std::string_view hrp = devnet_hrp) noexcept;

}  // namespace tos_ai
