#include "tos_ai/mining.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "tos_ai/events.hpp"

namespace tos_ai {
namespace {

constexpr std::array<double, 4> base_success = {0.9, 0.75, 0.55, 0.35};
constexpr std::int32_t default_reputation = 500;
constexpr std::size_t kept_errors = 100;

std::optional<std::size_t> difficulty_rank(std::string_view level) {
  auto found = std::find(difficulty_levels.begin(), difficulty_levels.end(), level);
  if (found == difficulty_levels.end()) return std::nullopt;
  return static_cast<std::size_t>(found - difficulty_levels.begin());
}

bool joinable_status(std::string_view status) {
  return std::find(open_statuses.begin(), open_statuses.end(), status) != open_statuses.end();
}

template <typename Duration>
Duration seconds_field(const nlohmann::json& value, const char* key, Duration fallback) {
  auto found = value.find(key);
  if (found == value.end() || found->is_null()) return fallback;
  if (!found->is_number() || found->get<double>() < 0) {
    throw InputError(std::string("auto-mining ") + key + " must be a number of seconds");
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(found->get<double>()));
}

}  // namespace

double estimate_success_probability(const TaskSummary& task, std::int32_t reputation) {
  auto rank = difficulty_rank(task.difficulty_level);
  double base = rank ? base_success[*rank] : 0.2;
  double skill = 0.5 + std::clamp(reputation, 0, 1000) / 2000.0;
  double rivals = 1.0 + task.participants_count / 4.0;
  return std::clamp(base * skill / rivals, 0.0, 1.0);
}

double Solver::success_probability(const TaskSummary& task, std::int32_t reputation) const {
  return estimate_success_probability(task, reputation);
}

Amount stake_for(const TaskSummary& task, double stake_fraction, const Rules* rules) {
  auto wanted = static_cast<Amount>(static_cast<long double>(task.reward_amount) * stake_fraction);
  StakeRange range = rules != nullptr ? rules->stake_range(task.reward_amount, task.stake_required)
                                      : StakeRange::of(task.reward_amount, task.stake_required);
  return std::min(std::max(wanted, range.min), range.max);
}

AutoMiningConfig AutoMiningConfig::from_json(const nlohmann::json& value) {
  if (!value.is_object()) throw InputError("an auto-mining config is a JSON object");
  AutoMiningConfig config;
  try {
    for (const char* key : {"target_difficulties", "target_difficulty"}) {
      if (auto found = value.find(key); found != value.end()) {
        config.target_difficulties = found->is_string() ? std::vector<std::string>{found->get<std::string>()}
                                                        : found->get<std::vector<std::string>>();
      }
    }
    config.max_concurrent_tasks = value.value("max_concurrent_tasks", config.max_concurrent_tasks);
    config.min_success_probability = value.value("min_success_probability", config.min_success_probability);
    config.min_time_left = seconds_field(value, "min_time_left", config.min_time_left);
    config.check_interval = seconds_field(value, "check_interval", config.check_interval);
    config.auto_submit_solutions = value.value("auto_submit_solutions", config.auto_submit_solutions);
    if (auto key = value.find("ai_api_key"); key != value.end() && key->is_string())
      config.ai_api_key = key->get<std::string>();
    config.use_events = value.value("use_events", config.use_events);
    config.error_pause = seconds_field(value, "error_pause", config.error_pause);
    config.stake_fraction = value.value("stake_fraction", config.stake_fraction);
  } catch (const nlohmann::json::exception& error) {
    throw InputError(std::string("auto-mining config: ") + error.what());
  }
  config.check();
  return config;
}

void AutoMiningConfig::check() const {
  if (target_difficulties.empty()) throw InputError("auto-mining needs at least one target difficulty");
  for (const auto& level : target_difficulties) {
    if (!difficulty_rank(level)) {
      throw InputError("unknown difficulty '" + level + "' (Beginner, Intermediate, Advanced or Expert)");
    }
  }
  if (max_concurrent_tasks < 1) throw InputError("max_concurrent_tasks must be at least 1");
  if (min_success_probability < 0.0 || min_success_probability > 1.0) {
    throw InputError("min_success_probability must be between 0 and 1");
  }
  if (check_interval.count() <= 0) throw InputError("check_interval must be positive");
  if (error_pause.count() < 0) throw InputError("error_pause cannot be negative");
  if (!(stake_fraction > 0.0 && stake_fraction <= 0.5)) throw InputError("stake_fraction must be in (0, 0.5]");
}

class AutoMiner::Impl {
 public:
  Impl(const Client& client, const Wallet& wallet, AutoMiningConfig config, std::shared_ptr<Solver> solver,
       AutoMiningCallbacks callbacks)
      : client_(client),
        account_(client.account(wallet)),
        config_(std::move(config)),
        solver_(std::move(solver)),
        callbacks_(std::move(callbacks)) {
    config_.check();
    if (!solver_) throw InputError("AutoMiner needs a Solver");
  }

  ~Impl() { stop(); }

  void start() {
    std::lock_guard lock(lock_);
    if (running_) return;
    running_ = true;
    stopping_ = false;
    if (config_.use_events) {
      // From the head as it is now, before the first scan: a task published while the stream is still
      // connecting is replayed to it rather than missed.
      auto info = client_.get_info();
      stream_.emplace(client_.subscribe({
          .events = {"task_published"},
          .since_seq = info.head_seq,
          .chain_id = info.chain_id,
          .on_event = [this](const Event& event) { on_published(event); },
          .on_chain_reset = [](const ChainReset&) { return ChainResetAction::follow_new_chain; },
          .on_error = [this](std::exception_ptr error, bool) { note_error(error); },
      }));
    }
    thread_ = std::thread([this] { run(); });
  }

  void stop() {
    {
      std::lock_guard lock(lock_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (stream_) stream_->stop();
    if (thread_.joinable()) thread_.join();
    {
      std::lock_guard lock(lock_);
      running_ = false;
      stream_.reset();
    }
    scanned_.notify_all();
  }

  bool wait_for_scans(std::uint64_t scans, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(lock_);
    scanned_.wait_for(lock, timeout, [&] { return report_.scans >= scans || !running_; });
    return report_.scans >= scans;
  }

  AutoMiningReport report() const {
    std::lock_guard lock(lock_);
    return report_;
  }

  bool running() const {
    std::lock_guard lock(lock_);
    return running_;
  }

  const std::string& address() const noexcept { return account_.address(); }

 private:
  using clock = std::chrono::steady_clock;

  void run() {
    auto next_scan = clock::now();
    while (!stopping()) {
      try {
        if (clock::now() >= next_scan) {
          scan();
          next_scan = clock::now() + config_.check_interval;
        }
        while (auto task_id = next_published()) consider(*task_id);
        std::unique_lock lock(lock_);
        wake_.wait_until(lock, next_scan, [this] { return stopping_ || !published_.empty(); });
      } catch (const std::exception& error) {
        record_error(std::string("auto-mining paused after an error: ") + error.what());
        std::unique_lock lock(lock_);
        wake_.wait_for(lock, config_.error_pause, [this] { return stopping_; });
        next_scan = clock::now();
      }
    }
  }

  // One pass over every active task: forget finished ones, join the best candidates into free slots.
  // The node's rules, once per run; a node without ai_get_rules leaves this library's own.
  void read_rules() {
    if (rules_read_) return;
    try {
      rules_ = client_.get_rules();
    } catch (const MethodNotFound&) {
      rules_.reset();
    }
    rules_read_ = true;
  }

  void scan() {
    read_rules();
    auto tasks = client_.all_active_tasks();
    reputation_ = my_reputation();
    std::set<std::string> still_active;
    for (const auto& task : tasks) still_active.insert(task.task_id);
    {
      std::lock_guard lock(lock_);
      std::erase_if(active_, [&](const std::string& id) { return !still_active.contains(id); });
    }
    std::vector<const TaskSummary*> candidates;
    for (const auto& task : tasks) {
      if (suitable(task)) candidates.push_back(&task);
    }
    std::sort(candidates.begin(), candidates.end(), [](const TaskSummary* a, const TaskSummary* b) {
      return a->reward_amount != b->reward_amount ? a->reward_amount > b->reward_amount : a->deadline < b->deadline;
    });
    for (const TaskSummary* task : candidates) {
      if (stopping() || free_slots() == 0) break;
      work_on(*task, nullptr);
    }
    std::uint64_t scans = 0;
    {
      std::lock_guard lock(lock_);
      scans = ++report_.scans;
    }
    scanned_.notify_all();
    if (callbacks_.on_scan) callbacks_.on_scan(scans);
  }

  // A task an event announced: look at it now rather than at the next scan.
  void consider(const std::string& task_id) {
    if (free_slots() == 0 || stopping()) return;
    TaskDetails task = client_.get_task_details(task_id);
    if (suitable(task)) work_on(task, &task);
  }

  bool suitable(const TaskSummary& task) const {
    if (std::find(config_.target_difficulties.begin(), config_.target_difficulties.end(), task.difficulty_level) ==
        config_.target_difficulties.end()) {
      return false;
    }
    {
      std::lock_guard lock(lock_);
      if (seen_.contains(task.task_id)) return false;
    }
    const Rules* rules = rules_ ? &*rules_ : nullptr;
    bool open = rules != nullptr ? rules->is_open(task.status) : joinable_status(task.status);
    if (rules != nullptr) {
      auto needed = rules->min_reputation("participate", task.difficulty_level);
      if (needed && reputation_ < *needed) return false;  // the node would refuse the join
    }
    return open && task.participants_count < task.max_participants && task.publisher != address() &&
           std::chrono::seconds(task.time_left) >= config_.min_time_left &&
           solver_->success_probability(task, reputation_) >= config_.min_success_probability;
  }

  void work_on(const TaskSummary& task, const TaskDetails* known) {
    const Amount stake = stake_for(task, config_.stake_fraction, rules_ ? &*rules_ : nullptr);
    {
      std::lock_guard lock(lock_);
      if (stopping_) return;
    }
    try {
      auto participation = account_.participate_task(task.task_id, stake);
      {
        std::lock_guard lock(lock_);
        seen_.insert(task.task_id);
        active_.insert(task.task_id);
        report_.joined.push_back(task.task_id);
      }
      if (callbacks_.on_joined) callbacks_.on_joined(task, participation);
    } catch (const AlreadyDone&) {  // joined before (another run, another process): answer if needed
      std::lock_guard lock(lock_);
      seen_.insert(task.task_id);
      active_.insert(task.task_id);
    } catch (const InsufficientFunds& error) {  // may pass later, when the balance grew
      record_error("not joining task " + task.task_id + ": " + error.what());
      return;
    } catch (const RpcError& error) {  // full, closed, gone or not allowed: never try it again
      {
        std::lock_guard lock(lock_);
        seen_.insert(task.task_id);
      }
      record_error("not joining task " + task.task_id + ": " + error.what());
      return;
    }
    if (!config_.auto_submit_solutions || stopping()) return;
    TaskDetails details = known ? *known : client_.get_task_details(task.task_id);
    if (details.submission_of(address()) != nullptr) return;
    Solution solution = solver_->solve(details);
    try {
      auto receipt = account_.submit_solution(task.task_id, solution);
      {
        std::lock_guard lock(lock_);
        report_.submitted.push_back(task.task_id);
      }
      if (callbacks_.on_submitted) callbacks_.on_submitted(task.task_id, receipt);
    } catch (const RpcError& error) {
      record_error("submission to task " + task.task_id + " refused: " + error.what());
    }
  }

  std::int32_t my_reputation() const {
    try {
      return client_.get_miner_stats(address()).reputation;
    } catch (const RpcError&) {
      return rules_ ? rules_->reputation.start : default_reputation;
    }
  }

  void on_published(const Event& event) {
    auto task_id = event.task_id();
    if (!task_id) return;
    auto level = event.data.value("difficulty_level", std::string{});
    if (std::find(config_.target_difficulties.begin(), config_.target_difficulties.end(), level) ==
        config_.target_difficulties.end()) {
      return;  // not a difficulty this miner takes: no need to look closer
    }
    {
      std::lock_guard lock(lock_);
      if (stopping_) return;
      published_.push_back(*task_id);
    }
    wake_.notify_all();
  }

  std::optional<std::string> next_published() {
    std::lock_guard lock(lock_);
    if (published_.empty() || stopping_) return std::nullopt;
    std::string id = std::move(published_.front());
    published_.pop_front();
    return id;
  }

  std::size_t free_slots() const {
    std::lock_guard lock(lock_);
    return active_.size() >= config_.max_concurrent_tasks ? 0 : config_.max_concurrent_tasks - active_.size();
  }

  bool stopping() const {
    std::lock_guard lock(lock_);
    return stopping_;
  }

  void note_error(std::exception_ptr error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      record_error(std::string("event stream: ") + e.what());
    }
  }

  void record_error(std::string what) {
    {
      std::lock_guard lock(lock_);
      report_.errors.push_back(what);
      if (report_.errors.size() > kept_errors) report_.errors.erase(report_.errors.begin());
    }
    if (callbacks_.on_error) callbacks_.on_error(what);
  }

  Client client_;
  Account account_;
  AutoMiningConfig config_;
  std::shared_ptr<Solver> solver_;
  AutoMiningCallbacks callbacks_;
  std::int32_t reputation_ = default_reputation;  // the miner thread's own
  std::optional<Rules> rules_;                    // the node's, read at the first scan (the miner thread's)
  bool rules_read_ = false;

  mutable std::mutex lock_;
  std::condition_variable wake_;
  mutable std::condition_variable scanned_;
  bool running_ = false;
  bool stopping_ = false;
  std::deque<std::string> published_;
  std::set<std::string> active_;  // joined and not finished
  std::set<std::string> seen_;    // joined or refused: never tried again
  AutoMiningReport report_;

  std::optional<EventStream> stream_;
  std::thread thread_;
};

AutoMiner::AutoMiner(const Client& client, const Wallet& wallet, AutoMiningConfig config,
                     std::shared_ptr<Solver> solver, AutoMiningCallbacks callbacks)
    : impl_(std::make_unique<Impl>(client, wallet, std::move(config), std::move(solver), std::move(callbacks))) {}

AutoMiner::~AutoMiner() = default;

void AutoMiner::start() { impl_->start(); }

void AutoMiner::stop() { impl_->stop(); }

bool AutoMiner::wait_for_scans(std::uint64_t scans, std::chrono::milliseconds timeout) const {
  return impl_->wait_for_scans(scans, timeout);
}

AutoMiningReport AutoMiner::report() const { return impl_->report(); }

bool AutoMiner::running() const { return impl_->running(); }

const std::string& AutoMiner::address() const noexcept { return impl_->address(); }

}  // namespace tos_ai
