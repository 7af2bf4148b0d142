// The TOS design's auto-mining example with a Solver of your own: joins suitable tasks as they are
// published and submits the solver's answer.
//   ./build/examples/auto_mine [seconds]     (default 15)
#include <tos_ai/tos_ai.hpp>

#include <cstdlib>
#include <iostream>
#include <thread>

// Plug in your model here; this one only restates the task.
class EchoSolver : public tos_ai::Solver {
 public:
  tos_ai::Solution solve(const tos_ai::TaskDetails& task) override {
    return {.content = "A first answer to \"" + task.title + "\": " + task.description,
            .documentation = "Written by the auto_mine example's EchoSolver; no model was consulted."};
  }
};

int main(int argc, char** argv) try {
  const char* url = std::getenv("TOS_NODE_URL");
  tos_ai::Client client(url ? url : "http://127.0.0.1:8545");
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 15;

  auto wallet = tos_ai::Wallet::generate();
  client.dev_faucet(wallet.address(), 100'000'000'000);  // dev mode: fund and register a new miner
  client.account(wallet).register_miner({.specializations = {"rust"}, .registration_fee = 1'000'000'000});

  tos_ai::AutoMiningConfig config;  // the design's fields
  config.target_difficulties = {"Beginner", "Intermediate"};
  config.max_concurrent_tasks = 3;
  config.min_success_probability = 0.4;
  config.min_time_left = std::chrono::hours(1);
  config.check_interval = std::chrono::seconds(60);
  config.auto_submit_solutions = true;

  tos_ai::AutoMiner miner(client, wallet, config, std::make_shared<EchoSolver>(),
                          {.on_joined =
                               [](const tos_ai::TaskSummary& task, const tos_ai::Participation& joined) {
                                 std::cout << "joined " << task.title << " with a stake of "
                                           << tos_ai::format_tos(joined.stake_amount) << std::endl;
                               },
                           .on_submitted =
                               [](const std::string& task_id, const tos_ai::SubmissionReceipt& receipt) {
                                 std::cout << "submitted " << receipt.submission_id << " to " << task_id << std::endl;
                               }});
  miner.start();
  std::cout << "mining as " << miner.address() << " for " << seconds << " s" << std::endl;
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  miner.stop();
  auto report = miner.report();
  std::cout << report.scans << " scans, " << report.joined.size() << " joined, " << report.submitted.size()
            << " submitted\n";
  return 0;
} catch (const tos_ai::Error& error) {
  std::cerr << "auto_mine: " << error.what() << "\n";
  return 1;
}
