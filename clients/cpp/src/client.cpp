#include "tos_ai/client.hpp"

#include <algorithm>
#include <array>
#include <thread>

#include "core.hpp"
#include "reader.hpp"
#include "tos_ai/address.hpp"
#include "tos_ai/events.hpp"

namespace tos_ai {
namespace detail {
namespace {

// The methods that change nothing, so a retry cannot apply anything twice. Sorted for binary search.
constexpr std::array<std::string_view, 18> read_methods = {
    "ai_get_events",
    "ai_get_miner_stats",
    "ai_get_network_info",
    "ai_get_rules",
    "ai_get_task_details",
    "ai_list_active_tasks",
    "dev_accounts",
    "get_ai_mining_active_tasks",
    "get_ai_mining_miner",
    "get_ai_mining_state",
    "get_ai_mining_statistics",
    "get_ai_mining_task",
    "get_balance",
    "get_info",
    "get_network_info",
    "get_nonce",
    "get_version",
    "rpc.discover",
};

std::string default_ws_url(const std::string& url) {
  auto scheme_end = url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "http" : url.substr(0, scheme_end);
  std::string rest = scheme_end == std::string::npos ? url : url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('/'));
  return (scheme == "https" ? "wss://" : "ws://") + rest + "/ai/ws";
}

bool transient(const HttpError& error) {
  return error.status() == 502 || error.status() == 503 || error.status() == 504;
}

// Whether the node spent the nonce of a refused signed write: it does once the signature and nonce
// checked out, whatever the method then said; the refusals of the auth checks themselves spend nothing.
bool spent_nonce(const RpcError& error) {
  if (error.code() == -32700 || error.code() == -32600 || error.code() == -32601) return false;
  auto rule = error.rule();
  if (rule == "chain_id" || rule == "signature" || rule == "nonce" || rule == "from_mismatch") return false;
  auto field = error.field();
  return !(field && (*field == "auth" || field->starts_with("auth.") || *field == "from"));
}

}  // namespace

ClientCore::ClientCore(ClientOptions options)
    : options_(std::move(options)),
      ws_url_(options_.ws_url.value_or(default_ws_url(options_.url))),
      http_(options_.url, options_.connect_timeout, options_.max_idle_connections),
      random_(std::random_device{}()) {
  if (options_.retry.attempts < 1) throw InputError("RetryPolicy::attempts must be at least 1");
}

bool ClientCore::is_read(std::string_view method) noexcept {
  return std::binary_search(read_methods.begin(), read_methods.end(), method);
}

ClientStats ClientCore::stats() const noexcept {
  return ClientStats{requests_.load(), retries_.load(), http_.connections_opened()};
}

std::chrono::milliseconds ClientCore::backoff(int retry) {
  auto ceiling = options_.retry.base_delay * (1LL << std::min(retry, 20));
  ceiling = std::min<std::chrono::milliseconds>(ceiling, options_.retry.max_delay);
  std::lock_guard lock(random_lock_);
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling.count(), 1) - 1);
  return std::chrono::milliseconds(pick(random_));
}

nlohmann::json ClientCore::call_once(std::string_view method, const nlohmann::json& params) {
  const std::uint64_t id = next_id_++;
  std::string body;
  try {
    body = nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
  } catch (const nlohmann::json::exception& error) {
    throw InputError(std::string(method) + ": the params cannot be sent as JSON: " + error.what());
  }
  ++requests_;
  HttpReply reply = http_.post_json(body, options_.request_timeout, method);
  auto parsed = nlohmann::json::parse(reply.body, nullptr, false);
  const std::string name(method);
  if (!parsed.is_object()) {
    if (reply.status != 200) throw HttpError(name, http_.url(), reply.status, reply.body);
    throw ResponseError(name, "body", "not a JSON-RPC reply object");
  }
  if (auto error = parsed.find("error"); error != parsed.end() && !error->is_null()) {
    if (!error->is_object() || !error->contains("code") || !(*error)["code"].is_number_integer()) {
      throw ResponseError(name, "error", "a JSON-RPC error without an integer code");
    }
    auto message = error->value("message", std::string{});
    throw_rpc_error(name, (*error)["code"].get<std::int64_t>(), std::move(message),
                    error->value("data", nlohmann::json()));
  }
  if (reply.status != 200) throw HttpError(name, http_.url(), reply.status, reply.body);
  if (parsed.value("id", nlohmann::json()) != id) throw ResponseError(name, "id", "the reply answers another request");
  auto result = parsed.find("result");
  if (result == parsed.end()) throw ResponseError(name, "result", "missing");
  return std::move(*result);
}

nlohmann::json ClientCore::call(std::string_view method, const nlohmann::json& params) {
  if (!is_read(method)) return call_once(method, params);
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= options_.retry.attempts;
    try {
      return call_once(method, params);
    } catch (const HttpError& error) {
      if (last || !transient(error)) throw;
    } catch (const ConnectionError&) {
      if (last) throw;
    } catch (const TimeoutError&) {
      if (last) throw;
    } catch (const InternalError&) {
      if (last) throw;
    }
    ++retries_;
    std::this_thread::sleep_for(backoff(attempt));
  }
}

ChainInfo ClientCore::chain(bool refresh) {
  {
    std::lock_guard lock(chain_lock_);
    if (chain_ && !refresh) return *chain_;
  }
  auto info = NodeInfo::from_json(call("get_info", nlohmann::json::object()));
  std::lock_guard lock(chain_lock_);
  chain_ = ChainInfo{info.chain_id, info.network};
  return *chain_;
}

void ClientCore::forget_chain() {
  std::lock_guard lock(chain_lock_);
  chain_.reset();
}

std::shared_ptr<AccountState> ClientCore::account_state(std::string_view address, const Wallet* wallet) {
  std::lock_guard lock(accounts_lock_);
  auto found = accounts_.find(address);
  if (found == accounts_.end()) {
    auto state = std::make_shared<AccountState>();
    state->address = std::string(address);
    found = accounts_.emplace(state->address, std::move(state)).first;
  }
  if (wallet != nullptr && !found->second->wallet) found->second->wallet = *wallet;
  return found->second;
}

}  // namespace detail

using detail::Reader;

namespace {

template <typename Record>
std::vector<Record> read_records(const nlohmann::json& result, std::string_view method) {
  if (!result.is_array()) throw ResponseError(std::string(method), "result", "expected a list");
  std::vector<Record> out;
  out.reserve(result.size());
  for (const auto& item : result) out.push_back(Record::from_json(item, method));
  return out;
}

nlohmann::json address_param(std::string_view key, std::string_view address) {
  return {{key, normalize_address(address)}};
}

}  // namespace

Client::Client(ClientOptions options) : core_(std::make_shared<detail::ClientCore>(std::move(options))) {}

Client::Client(std::string url) : Client(ClientOptions{.url = std::move(url)}) {}

const ClientOptions& Client::options() const noexcept { return core_->options(); }

ClientStats Client::stats() const noexcept { return core_->stats(); }

nlohmann::json Client::call(std::string_view method, nlohmann::json params) const {
  return core_->call(method, params);
}

NodeInfo Client::get_info() const { return NodeInfo::from_json(call("get_info")); }

std::string Client::get_version() const {
  auto result = call("get_version");
  if (!result.is_string()) throw ResponseError("get_version", "result", "expected a string");
  return result.get<std::string>();
}

Balance Client::get_balance(std::string_view address) const {
  return Balance::from_json(call("get_balance", address_param("address", address)));
}

AccountNonce Client::get_nonce(std::string_view address) const {
  return AccountNonce::from_json(call("get_nonce", address_param("address", address)));
}

NetworkInfo Client::get_network_info() const { return NetworkInfo::from_json(call("get_network_info")); }

Rules Client::get_rules() const { return Rules::from_json(call("ai_get_rules")); }

NetworkInfo Client::ai_get_network_info() const {
  return NetworkInfo::from_json(call("ai_get_network_info"), "ai_get_network_info");
}

std::vector<TaskSummary> Client::list_active_tasks(const ListTasksQuery& query) const {
  return read_records<TaskSummary>(call("ai_list_active_tasks", query.to_params()), "ai_list_active_tasks");
}

std::vector<TaskSummary> Client::all_active_tasks(ListTasksQuery query, std::uint32_t page_size) const {
  std::vector<TaskSummary> out;
  query.limit = page_size;
  for (std::uint32_t offset = 0;; offset += page_size) {
    query.offset = offset;
    auto page = list_active_tasks(query);
    const bool last = page.size() < page_size;
    std::move(page.begin(), page.end(), std::back_inserter(out));
    if (last) return out;
  }
}

TaskDetails Client::get_task_details(std::string_view task_id) const {
  return TaskDetails::from_json(call("ai_get_task_details", {{"task_id", task_id}}));
}

MinerStats Client::get_miner_stats(std::string_view miner_address) const {
  return MinerStats::from_json(call("ai_get_miner_stats", address_param("miner_address", miner_address)));
}

EventsPage Client::get_events(std::uint64_t since_seq, std::optional<std::uint32_t> limit) const {
  nlohmann::json params = {{"since_seq", since_seq}};
  if (limit) params["limit"] = *limit;
  return EventsPage::from_json(call("ai_get_events", std::move(params)));
}

MiningStatistics Client::get_ai_mining_statistics() const {
  return MiningStatistics::from_json(call("get_ai_mining_statistics"));
}

TaskDetails Client::get_ai_mining_task(std::string_view task_id) const {
  return TaskDetails::from_json(call("get_ai_mining_task", {{"task_id", task_id}}), "get_ai_mining_task");
}

DaemonMiner Client::get_ai_mining_miner(std::string_view address) const {
  return DaemonMiner::from_json(call("get_ai_mining_miner", address_param("address", address)));
}

std::map<std::string, TaskSummary> Client::get_ai_mining_active_tasks() const {
  auto result = call("get_ai_mining_active_tasks");
  if (!result.is_object()) throw ResponseError("get_ai_mining_active_tasks", "result", "expected an object");
  std::map<std::string, TaskSummary> out;
  for (const auto& [id, task] : result.items()) {
    out.emplace(id, TaskSummary::from_json(task, "get_ai_mining_active_tasks"));
  }
  return out;
}

MiningState Client::get_ai_mining_state(std::optional<std::uint32_t> limit, std::optional<std::uint64_t> offset) const {
  nlohmann::json params = nlohmann::json::object();
  if (limit) params["limit"] = *limit;
  if (offset) params["offset"] = *offset;
  return MiningState::from_json(call("get_ai_mining_state", std::move(params)));
}

nlohmann::json Client::rpc_discover() const {
  auto result = call("rpc.discover");
  if (!result.is_object()) throw ResponseError("rpc.discover", "result", "expected an object");
  return result;
}

std::vector<DevAccount> Client::dev_accounts() const {
  return read_records<DevAccount>(call("dev_accounts"), "dev_accounts");
}

FaucetReceipt Client::dev_faucet(std::string_view address, Amount amount) const {
  return FaucetReceipt::from_json(
      call("dev_faucet", {{"address", normalize_address(address)}, {"amount", amount_to_string(amount)}}));
}

std::int64_t Client::dev_increase_time(std::int64_t seconds) const {
  auto result = call("dev_increase_time", {{"seconds", seconds}});
  if (!result.is_number_integer()) throw ResponseError("dev_increase_time", "result", "expected an integer");
  return result.get<std::int64_t>();
}

MinedBlocks Client::dev_mine(std::uint32_t blocks) const {
  return MinedBlocks::from_json(call("dev_mine", {{"blocks", blocks}}));
}

Account Client::account(const Wallet& wallet) const {
  return Account(core_, core_->account_state(wallet.address(), &wallet));
}

Account Client::unlocked_account(std::string_view address) const {
  return Account(core_, core_->account_state(normalize_address(address), nullptr));
}

EventStream Client::subscribe(EventStreamOptions options) const { return EventStream(core_, std::move(options)); }

// --- Account

Account::Account(std::shared_ptr<detail::ClientCore> core, std::shared_ptr<detail::AccountState> state)
    : core_(std::move(core)), state_(std::move(state)) {}

const std::string& Account::address() const noexcept { return state_->address; }

bool Account::is_signed() const noexcept { return state_->wallet.has_value(); }

std::uint64_t Account::next_nonce() const {
  std::lock_guard lock(state_->write_lock);
  if (!state_->next_nonce) {
    state_->next_nonce = AccountNonce::from_json(core_->call("get_nonce", {{"address", address()}})).nonce;
  }
  return *state_->next_nonce;
}

nlohmann::json Account::send(std::string_view method, nlohmann::json params) const {
  if (!params.is_object()) throw InputError(std::string(method) + ": params must be a JSON object");
  if (!state_->wallet) {
    params["from"] = address();
    return core_->call_once(method, params);
  }
  std::lock_guard lock(state_->write_lock);
  for (bool chain_refreshed = false;; chain_refreshed = true) {
    auto chain = core_->chain();
    if (!state_->next_nonce) {
      state_->next_nonce = AccountNonce::from_json(core_->call("get_nonce", {{"address", address()}})).nonce;
    }
    const std::uint64_t nonce = *state_->next_nonce;
    nlohmann::json sent = params;
    sent["auth"] = sign_request(*state_->wallet, method, params, nonce, chain.chain_id, chain.network);
    try {
      auto result = core_->call_once(method, sent);
      state_->next_nonce = nonce + 1;
      return result;
    } catch (const WrongChain&) {
      // Refused before anything ran: read the chain (and this account's nonce on it) again, resend once.
      state_->next_nonce.reset();
      core_->forget_chain();
      if (chain_refreshed) throw;
    } catch (const NonceMismatch& error) {
      state_->next_nonce = error.expected();
      throw;
    } catch (const RpcError& error) {
      if (detail::spent_nonce(error)) {
        state_->next_nonce = nonce + 1;
      } else {
        state_->next_nonce.reset();
      }
      throw;
    } catch (...) {
      state_->next_nonce.reset();  // no reply: the node may or may not have spent it
      throw;
    }
  }
}

nlohmann::json Account::send_signed_with(std::string_view method, nlohmann::json params, std::uint64_t nonce,
                                         std::string_view chain_id) const {
  if (!state_->wallet) throw InputError("send_signed_with needs an account made from a Wallet");
  auto chain = core_->chain();
  auto auth = sign_request(*state_->wallet, method, params, nonce, chain_id, chain.network);
  params["auth"] = std::move(auth);
  return core_->call_once(method, params);
}

PublishedTask Account::publish_task(const TaskData& task) const {
  return PublishedTask::from_json(send("ai_publish_task", {{"task_data", task.to_json()}}));
}

MinerRegistration Account::register_miner(const MinerConfig& config) const {
  return MinerRegistration::from_json(send("ai_register_miner", {{"miner_config", config.to_json()}}));
}

Participation Account::participate_task(std::string_view task_id, Amount stake_amount) const {
  return Participation::from_json(
      send("ai_participate_task", {{"task_id", task_id}, {"stake_amount", amount_to_string(stake_amount)}}));
}

SubmissionReceipt Account::submit_solution(std::string_view task_id, const Solution& solution) const {
  return SubmissionReceipt::from_json(
      send("ai_submit_solution", {{"task_id", task_id}, {"solution_data", solution.to_json()}}));
}

ValidationReceipt Account::validate_submission(std::string_view task_id, std::string_view submission_id,
                                               const Verdict& verdict) const {
  return ValidationReceipt::from_json(
      send("ai_validate_submission",
           {{"task_id", task_id}, {"submission_id", submission_id}, {"validation_result", verdict.to_json()}}));
}

CancelledTask Account::cancel_task(std::string_view task_id) const {
  return CancelledTask::from_json(send("ai_cancel_task", {{"task_id", task_id}}));
}

Amount Account::balance() const {
  return Balance::from_json(core_->call("get_balance", {{"address", address()}})).balance;
}

MinerStats Account::miner_stats() const {
  return MinerStats::from_json(core_->call("ai_get_miner_stats", {{"miner_address", address()}}));
}

}  // namespace tos_ai
