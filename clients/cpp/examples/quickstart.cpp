// A first look: network info, a new funded wallet (dev mode), a task published, listed and cancelled.
//   TOS_NODE_URL=http://127.0.0.1:8545 ./build/examples/quickstart
#include <tos_ai/tos_ai.hpp>

#include <cstdlib>
#include <iostream>

int main() try {
  const char* url = std::getenv("TOS_NODE_URL");
  tos_ai::Client client(url ? url : "http://127.0.0.1:8545");

  auto network = client.get_network_info();
  std::cout << "network " << network.network << ": " << network.active_tasks << " active tasks, "
            << tos_ai::format_tos(network.total_rewards_distributed) << " paid out so far\n";

  auto wallet = tos_ai::Wallet::generate();              // keep wallet.seed_hex() somewhere safe to use it again
  client.dev_faucet(wallet.address(), 100'000'000'000);  // dev mode only: mint 1,000 TOS
  std::cout << "new wallet " << wallet.address() << " holds "
            << tos_ai::format_tos(client.get_balance(wallet.address()).balance) << "\n";

  auto account = client.account(wallet);  // every write of this account is signed with its next nonce
  auto task = account.publish_task({
      .title = "Optimize Rust Sorting Algorithm",
      .description = "Make the sort stable and keep it O(n log n).",
      .task_type = tos_ai::TaskType("CodeAnalysis", "rust"),
      .difficulty_level = "Intermediate",
      .reward_amount = 20'000'000'000,  // 200 TOS, in atomic units
  });
  std::cout << "published task " << task.task_id << "\n";

  for (const auto& summary : client.list_active_tasks({.publisher = wallet.address()})) {
    std::cout << "  " << summary.title << " (" << summary.difficulty_level << ", "
              << tos_ai::format_tos(summary.reward_amount) << ", stake from " << tos_ai::format_tos(summary.min_stake())
              << ")\n";
  }

  try {
    account.participate_task(task.task_id, 2'000'000'000);  // joining takes a registered miner, not its publisher
  } catch (const tos_ai::PermissionDenied& error) {
    std::cout << "refused as expected: " << error.node_message() << "\n";
  }

  auto cancelled = account.cancel_task(task.task_id);
  std::cout << "cancelled, " << tos_ai::format_tos(cancelled.refunded) << " refunded\n";
  return 0;
} catch (const tos_ai::Error& error) {
  std::cerr << "quickstart: " << error.what() << "\n";
  return 1;
}
