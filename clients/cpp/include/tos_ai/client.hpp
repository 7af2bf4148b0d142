// The node client: one typed call per JSON-RPC method of docs/node-api.md, over kept-alive HTTP
// connections, with explicit timeouts and retries (reads only, with backoff and jitter).
//
//   tos_ai::Client client{"http://127.0.0.1:8545"};
//   auto wallet = tos_ai::Wallet::generate();
//   client.dev_faucet(wallet.address(), 100'000'000'000);
//   auto account = client.account(wallet);            // signed writes for this wallet
//   auto task = account.publish_task({.title = "Sort it", .task_type = tos_ai::TaskType{"GeneralTask"},
//                                     .reward_amount = 6'000'000'000});
//
// A Client is cheap to move and safe to share between threads; Accounts and EventStreams made from it
// keep what they need alive, so they may outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tos_ai/amounts.hpp"
#include "tos_ai/errors.hpp"
#include "tos_ai/records.hpp"
#include "tos_ai/requests.hpp"
#include "tos_ai/rules.hpp"
#include "tos_ai/wallet.hpp"

namespace tos_ai {

namespace detail {
class ClientCore;
struct AccountState;
}  // namespace detail

// How reads are retried: after a connection failure, a timeout, HTTP 502/503/504 or -32603, wait a
// random time in [0, min(max_delay, base_delay * 2^n)) ("full jitter"), at most `attempts` tries in all.
// Writes are never retried: the node may have applied one whose reply was lost.
struct RetryPolicy {
  int attempts = 3;
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{2'000};
};

struct ClientOptions {
  std::string url = "http://127.0.0.1:8545";
  std::chrono::milliseconds connect_timeout{3'000};
  std::chrono::milliseconds request_timeout{15'000};  // one attempt, connect to last byte
  RetryPolicy retry{};
  std::size_t max_idle_connections = 8;  // kept-alive connections waiting for the next call
  std::optional<std::string> ws_url{};   // default: the url's host with ws:// and /ai/ws
};

// Counters of one client (and everything made from it) since it was created.
struct ClientStats {
  std::uint64_t requests = 0;            // HTTP requests sent, retries included
  std::uint64_t retries = 0;             // of reads, after a transient failure
  std::uint64_t connections_opened = 0;  // TCP connections; fewer than requests means reuse
};

class Account;
class EventStream;
struct EventStreamOptions;

class Client {
 public:
  explicit Client(ClientOptions options = {});
  explicit Client(std::string url);

  [[nodiscard]] const ClientOptions& options() const noexcept;
  [[nodiscard]] ClientStats stats() const noexcept;

  // Any method with any params; the reply's "result", or the node's error as its RpcError subclass.
  // Reads on the retry allow-list are retried; everything else is sent once.
  nlohmann::json call(std::string_view method, nlohmann::json params = nlohmann::json::object()) const;

  // --- daemon basics
  NodeInfo get_info() const;
  std::string get_version() const;
  Balance get_balance(std::string_view address) const;
  AccountNonce get_nonce(std::string_view address) const;

  // --- AI mining reads
  NetworkInfo get_network_info() const;
  NetworkInfo ai_get_network_info() const;  // the alias, same reply
  // The protocol's rules as the node applies them (ai_get_rules); the AutoMiner reads them once per run.
  Rules get_rules() const;
  std::vector<TaskSummary> list_active_tasks(const ListTasksQuery& query = {}) const;
  // Every active task matching `query`, following pages of `page_size` (ignores query.limit/offset).
  std::vector<TaskSummary> all_active_tasks(ListTasksQuery query = {}, std::uint32_t page_size = 1000) const;
  TaskDetails get_task_details(std::string_view task_id) const;
  MinerStats get_miner_stats(std::string_view miner_address) const;
  EventsPage get_events(std::uint64_t since_seq, std::optional<std::uint32_t> limit = std::nullopt) const;

  // --- the real TOS daemon's read methods, same names and shapes
  MiningStatistics get_ai_mining_statistics() const;
  TaskDetails get_ai_mining_task(std::string_view task_id) const;
  DaemonMiner get_ai_mining_miner(std::string_view address) const;
  std::map<std::string, TaskSummary> get_ai_mining_active_tasks() const;
  // One page of tasks (the node sends at most 100 per call); follow MiningState::next_offset for more.
  MiningState get_ai_mining_state(std::optional<std::uint32_t> limit = std::nullopt,
                                  std::optional<std::uint64_t> offset = std::nullopt) const;
  nlohmann::json rpc_discover() const;  // the OpenRPC document

  // --- dev mode only
  std::vector<DevAccount> dev_accounts() const;
  FaucetReceipt dev_faucet(std::string_view address, Amount amount) const;
  std::int64_t dev_increase_time(std::int64_t seconds) const;  // the node's new clock, Unix seconds
  MinedBlocks dev_mine(std::uint32_t blocks = 1) const;

  // --- writes
  // Signed writes for a wallet. Writes of one address through one Client are serialised, so threads
  // sharing it never reuse a nonce.
  [[nodiscard]] Account account(const Wallet& wallet) const;
  // Unsigned writes for an unlocked dev account (dev mode: "from" in the params).
  [[nodiscard]] Account unlocked_account(std::string_view address) const;

  // --- events over /ai/ws; see events.hpp
  [[nodiscard]] EventStream subscribe(EventStreamOptions options) const;

  [[nodiscard]] const std::shared_ptr<detail::ClientCore>& core() const noexcept { return core_; }

 private:
  std::shared_ptr<detail::ClientCore> core_;
};

// The writes of one account, signed (from a Wallet) or unlocked (dev mode).
class Account {
 public:
  [[nodiscard]] const std::string& address() const noexcept;
  [[nodiscard]] bool is_signed() const noexcept;

  PublishedTask publish_task(const TaskData& task) const;
  MinerRegistration register_miner(const MinerConfig& config = {}) const;
  Participation participate_task(std::string_view task_id, Amount stake_amount) const;
  SubmissionReceipt submit_solution(std::string_view task_id, const Solution& solution) const;
  ValidationReceipt validate_submission(std::string_view task_id, std::string_view submission_id,
                                        const Verdict& verdict) const;
  CancelledTask cancel_task(std::string_view task_id) const;

  // Reads about this account.
  Amount balance() const;
  MinerStats miner_stats() const;

  // Any write: signed with this account's next nonce and the node's chain id (both fetched and kept by
  // the client). After `wrong_chain` the client reads the chain id and nonce again and sends the write
  // once more (the node refused it before doing anything); after `nonce_mismatch` it takes the nonce
  // the node names for the next write and throws.
  nlohmann::json send(std::string_view method, nlohmann::json params) const;

  // One signed request exactly as given (nonce, chain id), leaving the account's nonce alone: a tool
  // for tests and for callers who manage nonces themselves.
  nlohmann::json send_signed_with(std::string_view method, nlohmann::json params, std::uint64_t nonce,
                                  std::string_view chain_id) const;

  // The nonce the next signed write will use (reads get_nonce if the client holds none).
  std::uint64_t next_nonce() const;

 private:
  friend class Client;
  Account(std::shared_ptr<detail::ClientCore> core, std::shared_ptr<detail::AccountState> state);

  std::shared_ptr<detail::ClientCore> core_;
  std::shared_ptr<detail::AccountState> state_;
};

}  // namespace tos_ai
