// tos-ai-bench: bench/clients_bench.py's driver for the C++ client (see bench/README.md). Runs one phase
// through the client's public API, read from the environment, and prints one JSON object last:
//   TOS_BENCH_PHASE=get_balance|list_active_tasks|task_details|events, TOS_BENCH_CONCURRENCY,
//   TOS_BENCH_WARMUP, TOS_BENCH_SECONDS, TOS_BENCH_ADDRESS, TOS_BENCH_TASK_ID, TOS_BENCH_EVENTS.
#include <sys/resource.h>

#include <tos_ai/tos_ai.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>

namespace {

using clock_type = std::chrono::steady_clock;

std::string env(const char* name, const std::string& fallback = "") {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

// CONCURRENCY threads calling `read` in a closed loop on one client: WARMUP unmeasured, then SECONDS.
nlohmann::json read_phase(const std::string& phase, const std::function<void()>& read) {
  const int concurrency = std::stoi(env("TOS_BENCH_CONCURRENCY", "1"));
  const double warmup = std::stod(env("TOS_BENCH_WARMUP", "1"));
  const double seconds = std::stod(env("TOS_BENCH_SECONDS", "5"));
  std::atomic<bool> measuring{false};
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(concurrency));
  std::vector<std::thread> workers;
  for (int t = 0; t < concurrency; ++t) {
    workers.emplace_back([&, t] {
      auto& mine = latencies[static_cast<std::size_t>(t)];
      while (!done) {
        auto started = clock_type::now();
        bool ok = true;
        try {
          read();
        } catch (const tos_ai::Error&) {
          ok = false;
        }
        if (!measuring) continue;
        if (ok) {
          mine.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - started).count());
        } else {
          ++errors;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
  double cpu_before = cpu_seconds();
  auto started = clock_type::now();
  measuring = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  measuring = false;
  double took = std::chrono::duration<double>(clock_type::now() - started).count();
  double cpu = cpu_seconds() - cpu_before;
  done = true;
  for (auto& worker : workers) worker.join();
  std::vector<double> all;
  for (auto& mine : latencies) all.insert(all.end(), mine.begin(), mine.end());
  std::sort(all.begin(), all.end());
  return {{"client", "cpp"},
          {"phase", phase},
          {"ops", all.size()},
          {"errors", errors.load()},
          {"seconds", took},
          {"cpu_seconds", cpu},
          {"p50_ms", percentile(all, 0.50)},
          {"p99_ms", percentile(all, 0.99)}};
}

// The event stream from seq 0 until TOS_BENCH_EVENTS events arrived, each one parsed and checked.
nlohmann::json events_phase(const tos_ai::Client& client) {
  const auto wanted = std::stoull(env("TOS_BENCH_EVENTS", "1000"));
  std::mutex lock;
  std::condition_variable finished;
  std::uint64_t received = 0;
  std::uint64_t last = 0;
  bool in_order = true;
  double cpu_before = cpu_seconds();
  auto started = clock_type::now();
  auto stream = client.subscribe({.since_seq = 0, .on_event = [&](const tos_ai::Event& event) {
                                    std::lock_guard guard(lock);
                                    in_order = in_order && event.seq == last + 1 && !event.name.empty();
                                    last = event.seq;
                                    if (++received >= wanted) finished.notify_all();
                                  }});
  {
    std::unique_lock guard(lock);
    finished.wait_for(guard, std::chrono::minutes(5), [&] { return received >= wanted; });
  }
  double took = std::chrono::duration<double>(clock_type::now() - started).count();
  double cpu = cpu_seconds() - cpu_before;
  stream.stop();
  std::lock_guard guard(lock);
  return {{"client", "cpp"}, {"phase", "events"},  {"ops", received},     {"errors", received >= wanted ? 0 : 1},
          {"seconds", took}, {"cpu_seconds", cpu}, {"in_order", in_order}};
}

}  // namespace

int main() try {
  tos_ai::Client client(tos_ai::ClientOptions{
      .url = env("TOS_NODE_URL", "http://127.0.0.1:8545"),
      .ws_url = env("TOS_NODE_WS_URL").empty() ? std::nullopt : std::optional(env("TOS_NODE_WS_URL")),
  });
  const std::string phase = env("TOS_BENCH_PHASE");
  nlohmann::json result;
  if (phase == "get_balance") {
    const std::string address = env("TOS_BENCH_ADDRESS");
    result = read_phase(phase, [&] { (void)client.get_balance(address); });
  } else if (phase == "list_active_tasks") {
    result = read_phase(phase, [&] { (void)client.list_active_tasks({.limit = 50}); });
  } else if (phase == "task_details") {
    const std::string task_id = env("TOS_BENCH_TASK_ID");
    result = read_phase(phase, [&] { (void)client.get_task_details(task_id); });
  } else if (phase == "events") {
    result = events_phase(client);
  } else {
    std::cerr << "tos-ai-bench: TOS_BENCH_PHASE must be get_balance, list_active_tasks, task_details or events\n";
    return 2;
  }
  auto stats = client.stats();
  std::cerr << "requests " << stats.requests << ", connections opened " << stats.connections_opened << "\n";
  std::cout << result.dump() << std::endl;
  return 0;
} catch (const std::exception& error) {
  std::cerr << "tos-ai-bench: " << error.what() << "\n";
  return 1;
}
