// An ed25519 key pair and the request signature the node checks:
//   signature = ed25519(seed, canonical_json({"chain_id", "method", "network", "nonce", "params"}))
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tos_ai/address.hpp"

namespace tos_ai {

using Seed = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

class Wallet {
 public:
  // A new key from the operating system's random source.
  static Wallet generate();
  // The key of a 32-byte seed (the "private key" the node prints for its dev accounts).
  static Wallet from_seed(const Seed& seed);
  // The same from 64 hex characters; throws InputError otherwise.
  static Wallet from_seed_hex(std::string_view hex);

  Wallet(const Wallet&) = default;
  Wallet& operator=(const Wallet&) = default;
  ~Wallet();  // wipes the secret key

  [[nodiscard]] const PublicKey& public_key() const noexcept { return public_key_; }
  [[nodiscard]] std::string public_key_hex() const;
  [[nodiscard]] const std::string& address() const noexcept { return address_; }
  // The seed as 64 hex characters: what to store to import this wallet again.
  [[nodiscard]] std::string seed_hex() const;

  [[nodiscard]] Signature sign(std::string_view message) const;

 private:
  explicit Wallet(const Seed& seed);

  std::array<std::uint8_t, 64> secret_key_{};  // libsodium's layout: seed then public key
  PublicKey public_key_{};
  std::string address_;
};

// The bytes a signed request signs.
std::string signing_payload(std::string_view method, const nlohmann::json& params, std::uint64_t nonce,
                            std::string_view chain_id, std::string_view network);

// The "auth" object to add to `params` (which must not contain "auth" yet).
nlohmann::json sign_request(const Wallet& wallet, std::string_view method, const nlohmann::json& params,
                            std::uint64_t nonce, std::string_view chain_id, std::string_view network);

// Checks a signature made by sign_request's rule.
bool verify_signature(const PublicKey& key, std::string_view message, const Signature& signature) noexcept;

std::string to_hex(const std::uint8_t* data, std::size_t size);
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
  return to_hex(bytes.data(), N);
}

}  // namespace tos_ai
