// What a Client, its Accounts and EventStreams share: the connection pool, the retry policy's random
// source, the node's chain id and network, and each account's nonce and write lock.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http.hpp"
#include "tos_ai/client.hpp"

namespace tos_ai::detail {

struct ChainInfo {
  std::string chain_id;
  std::string network;
};

struct AccountState {
  std::string address;
  std::optional<Wallet> wallet;             // none: an unlocked dev account
  std::mutex write_lock;                    // held across sign, send and the nonce update
  std::optional<std::uint64_t> next_nonce;  // none: read get_nonce before the next write
};

class ClientCore {
 public:
  explicit ClientCore(ClientOptions options);

  // One request; the node's error as its RpcError subclass.
  nlohmann::json call_once(std::string_view method, const nlohmann::json& params);
  // call_once, retried per the policy when `method` is a read.
  nlohmann::json call(std::string_view method, const nlohmann::json& params);

  // The chain id and network signatures name; read with get_info once, again when `refresh`.
  ChainInfo chain(bool refresh = false);
  void forget_chain();

  std::shared_ptr<AccountState> account_state(std::string_view address, const Wallet* wallet);

  [[nodiscard]] const ClientOptions& options() const noexcept { return options_; }
  [[nodiscard]] const std::string& ws_url() const noexcept { return ws_url_; }
  [[nodiscard]] ClientStats stats() const noexcept;

  static bool is_read(std::string_view method) noexcept;

 private:
  std::chrono::milliseconds backoff(int retry);

  ClientOptions options_;
  std::string ws_url_;
  HttpPool http_;
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> retries_{0};

  std::mutex random_lock_;
  std::mt19937_64 random_;

  std::mutex chain_lock_;
  std::optional<ChainInfo> chain_;

  std::mutex accounts_lock_;
  std::map<std::string, std::shared_ptr<AccountState>, std::less<>> accounts_;
};

}  // namespace tos_ai::detail
