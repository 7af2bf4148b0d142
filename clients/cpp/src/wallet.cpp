#include "tos_ai/wallet.hpp"

#include <sodium.h>

#include <algorithm>

#include "tos_ai/canonical_json.hpp"
#include "tos_ai/errors.hpp"

namespace tos_ai {
namespace {

void ensure_sodium() {
  // sodium_init is thread-safe and idempotent; a function-local static runs it once per process.
  static const int ready = sodium_init();
  if (ready < 0) throw Error("libsodium could not be initialised");
}

}  // namespace

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xf];
  }
  return out;
}

Wallet::Wallet(const Seed& seed) {
  ensure_sodium();
  crypto_sign_seed_keypair(public_key_.data(), secret_key_.data(), seed.data());
  address_ = encode_address(public_key_);
}

Wallet::~Wallet() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

Wallet Wallet::generate() {
  ensure_sodium();
  Seed seed{};
  randombytes_buf(seed.data(), seed.size());
  Wallet wallet(seed);
  sodium_memzero(seed.data(), seed.size());
  return wallet;
}

Wallet Wallet::from_seed(const Seed& seed) { return Wallet(seed); }

Wallet Wallet::from_seed_hex(std::string_view hex) {
  ensure_sodium();
  Seed seed{};
  std::size_t length = 0;
  const char* end = nullptr;
  if (hex.size() != 64 ||
      sodium_hex2bin(seed.data(), seed.size(), hex.data(), hex.size(), nullptr, &length, &end) != 0 ||
      length != seed.size() || end != hex.data() + hex.size()) {
    throw InputError("a private key is 64 hex characters (a 32-byte ed25519 seed)");
  }
  Wallet wallet(seed);
  sodium_memzero(seed.data(), seed.size());
  return wallet;
}

std::string Wallet::public_key_hex() const { return to_hex(public_key_); }

std::string Wallet::seed_hex() const { return to_hex(secret_key_.data(), 32); }

Signature Wallet::sign(std::string_view message) const {
  Signature signature{};
  crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_key_.data());
  return signature;
}

bool verify_signature(const PublicKey& key, std::string_view message, const Signature& signature) noexcept {
  if (sodium_init() < 0) return false;
  return crypto_sign_verify_detached(signature.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.data()) == 0;
}

std::string signing_payload(std::string_view method, const nlohmann::json& params, std::uint64_t nonce,
                            std::string_view chain_id, std::string_view network) {
  nlohmann::json signed_object = {
      {"chain_id", chain_id}, {"method", method}, {"network", network}, {"nonce", nonce}, {"params", params}};
  return canonical_json(signed_object);
}

nlohmann::json sign_request(const Wallet& wallet, std::string_view method, const nlohmann::json& params,
                            std::uint64_t nonce, std::string_view chain_id, std::string_view network) {
  if (params.is_object() && params.contains("auth")) {
    throw InputError("sign the params without their 'auth' member");
  }
  auto signature = wallet.sign(signing_payload(method, params, nonce, chain_id, network));
  return {{"address", wallet.address()}, {"nonce", nonce}, {"chain_id", chain_id}, {"signature", to_hex(signature)}};
}

}  // namespace tos_ai
