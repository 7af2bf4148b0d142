// The TOS design's auto-mining loop: scan the active tasks every check_interval, join the suitable ones
// (up to max_concurrent_tasks at once), ask a Solver for a solution and submit it. A task_published
// event wakes the loop at once, so a new suitable task is joined without waiting for the next scan;
// after an error the loop waits error_pause (30 s in the design) and carries on.
//
//   tos_ai::AutoMiner miner(client, wallet, config, std::make_shared<MySolver>());
//   miner.start();   // its own thread
//   ...
//   miner.stop();    // returns once the loop has stopped; it joins nothing after
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tos_ai/client.hpp"
#include "tos_ai/records.hpp"
#include "tos_ai/requests.hpp"
#include "tos_ai/wallet.hpp"

namespace tos_ai {

// The design's AutoMiningConfig (target_difficulty, max_concurrent_tasks, min_success_probability,
// min_time_left, check_interval, auto_submit_solutions, ai_api_key) and this client's own knobs.
struct AutoMiningConfig {
  std::vector<std::string> target_difficulties{"Beginner"};
  std::uint32_t max_concurrent_tasks = 1;
  double min_success_probability = 0.0;  // compared with Solver::success_probability
  std::chrono::seconds min_time_left{3600};
  std::chrono::milliseconds check_interval{60'000};
  bool auto_submit_solutions = true;
  std::optional<std::string> ai_api_key{};  // for your Solver; never logged
  bool use_events = true;                   // wake on task_published
  std::chrono::milliseconds error_pause{30'000};
  double stake_fraction = 0.1;  // stake = reward * fraction, kept within what the task accepts

  // The design's JSON field names (check_interval and min_time_left in seconds; target_difficulty or
  // target_difficulties), plus use_events, error_pause and stake_fraction. Throws InputError.
  static AutoMiningConfig from_json(const nlohmann::json& value);
  // Throws InputError for settings that cannot work.
  void check() const;
};

// Decides how likely a task is won and writes the answer. Implement solve(); the rest has defaults.
class Solver {
 public:
  virtual ~Solver() = default;
  // Called on the miner's thread for each task it joined.
  virtual Solution solve(const TaskDetails& task) = 0;
  // 0..1; the default is estimate_success_probability.
  [[nodiscard]] virtual double success_probability(const TaskSummary& task, std::int32_t reputation) const;
};

// A solver that answers every task with the same solution.
class FixedSolver : public Solver {
 public:
  explicit FixedSolver(Solution solution) : solution_(std::move(solution)) {}
  Solution solve(const TaskDetails&) override { return solution_; }

 private:
  Solution solution_;
};

// A solver from a function.
class FunctionSolver : public Solver {
 public:
  explicit FunctionSolver(std::function<Solution(const TaskDetails&)> solve) : solve_(std::move(solve)) {}
  Solution solve(const TaskDetails& task) override { return solve_(task); }

 private:
  std::function<Solution(const TaskDetails&)> solve_{};
};

// base(difficulty) * (0.5 + reputation / 2000) / (1 + participants / 4), clamped to 0..1, with base
// 0.9 / 0.75 / 0.55 / 0.35 for Beginner / Intermediate / Advanced / Expert (the Python client's rule).
double estimate_success_probability(const TaskSummary& task, std::int32_t reputation);

// The stake to offer: reward * stake_fraction within the task's stake range, by the node's `rules`
// (this library's own range without them).
Amount stake_for(const TaskSummary& task, double stake_fraction, const Rules* rules = nullptr);

// What the miner did so far.
struct AutoMiningReport {
  std::uint64_t scans = 0;
  std::vector<std::string> joined{};     // task ids, in order
  std::vector<std::string> submitted{};  // task ids, in order
  std::vector<std::string> errors{};     // what went wrong, newest last (at most 100 kept)
};

struct AutoMiningCallbacks {
  std::function<void(const TaskSummary&, const Participation&)> on_joined{};
  std::function<void(const std::string& task_id, const SubmissionReceipt&)> on_submitted{};
  std::function<void(std::uint64_t scans)> on_scan{};  // after each full scan
  std::function<void(const std::string& what)> on_error{};
};

class AutoMiner {
 public:
  AutoMiner(const Client& client, const Wallet& wallet, AutoMiningConfig config, std::shared_ptr<Solver> solver,
            AutoMiningCallbacks callbacks = {});
  AutoMiner(const AutoMiner&) = delete;
  AutoMiner& operator=(const AutoMiner&) = delete;
  ~AutoMiner();  // stop()

  void start();
  // Stops the loop and its event stream and waits for both; nothing is joined after it returns.
  void stop();
  // Waits until at least `scans` full scans finished; false on timeout or when the miner stopped.
  bool wait_for_scans(std::uint64_t scans, std::chrono::milliseconds timeout) const;

  [[nodiscard]] AutoMiningReport report() const;
  [[nodiscard]] bool running() const;
  [[nodiscard]] const std::string& address() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tos_ai
