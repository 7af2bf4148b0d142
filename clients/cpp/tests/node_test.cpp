// The client against a real devnode, beyond the scenario: every method typed, nonces under threads,
// unlocked dev accounts, event stream basics. Each test makes its own wallets (the node is shared).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "support.hpp"
#include "tos_ai/tos_ai.hpp"

namespace tos_ai {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

constexpr Amount faucet_amount = 100'000'000'000'000;
const std::string zero_task(64, '0');

// A task no auto-miner of the scenario takes (Intermediate), cancelled by the test that made it.
TaskData intermediate_task(const std::string& title) {
  return TaskData{.title = title,
                  .description = "A task the C++ node tests publish and cancel again.",
                  .task_type = TaskType("GeneralTask", "cpp-tests"),
                  .difficulty_level = "Intermediate",
                  .reward_amount = 15'000'000'000,
                  .max_participants = 1};
}

Wallet funded_wallet(const Client& client) {
  auto wallet = Wallet::generate();
  client.dev_faucet(wallet.address(), faucet_amount);
  return wallet;
}

TEST(Node, EveryReadMethodAnswersWithItsTypedReply) {
  TOS_AI_REQUIRE_NODE(url);
  Client client(url);
  EXPECT_FALSE(client.get_version().empty());
  auto info = client.get_info();
  EXPECT_EQ(info.network, "devnet");
  EXPECT_FALSE(info.chain_id.empty());
  auto network = client.get_network_info();
  EXPECT_EQ(network.network, "devnet");
  EXPECT_EQ(client.ai_get_network_info().network, "devnet");

  auto accounts = client.dev_accounts();
  ASSERT_EQ(accounts.size(), 10u);
  const auto& dev0 = accounts[0];
  EXPECT_EQ(Wallet::from_seed_hex(dev0.private_key).address(), dev0.address);
  EXPECT_EQ(client.get_balance(dev0.address).address, dev0.address);
  (void)client.get_nonce(dev0.address);
  EXPECT_EQ(client.get_ai_mining_miner(dev0.address).address, dev0.address);
  EXPECT_TRUE(client.get_miner_stats(dev0.address).is_registered);

  auto publisher = client.account(funded_wallet(client));
  auto task = publisher.publish_task(intermediate_task("C++ node tests: every read"));
  EXPECT_EQ(task.status, "published");
  auto details = client.get_task_details(task.task_id);
  EXPECT_EQ(details.reward_amount, 15'000'000'000u);
  EXPECT_EQ(details.task_type, TaskType("GeneralTask", "cpp-tests"));
  EXPECT_EQ(client.get_ai_mining_task(task.task_id).task_id, task.task_id);
  EXPECT_TRUE(client.get_ai_mining_active_tasks().contains(task.task_id));
  auto mine = client.list_active_tasks({.publisher = publisher.address()});
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].task_id, task.task_id);
  bool in_state = false;  // paged, oldest first: other clients' runs may have made many tasks before
  for (std::optional<std::uint64_t> offset = 0; offset && !in_state;) {
    auto page = client.get_ai_mining_state(100, *offset);
    EXPECT_LE(page.tasks.size(), 100u);
    in_state = page.tasks.contains(task.task_id);
    offset = page.next_offset;
  }
  EXPECT_TRUE(in_state);
  EXPECT_GE(client.get_ai_mining_statistics().total_tasks, 1u);
  auto cancelled = publisher.cancel_task(task.task_id);
  EXPECT_EQ(cancelled.refunded, 15'000'000'000u);

  auto page = client.get_events(0, 5);
  EXPECT_LE(page.events.size(), 5u);
  EXPECT_EQ(page.chain_id, info.chain_id);
  EXPECT_GE(client.dev_increase_time(0), info.timestamp);
  EXPECT_GE(client.dev_mine().topoheight, info.topoheight);
}

// "A client for every method of docs/node-api.md": the node's own OpenRPC list, each with a typed call.
TEST(Node, EveryMethodTheNodeDescribesHasATypedCall) {
  TOS_AI_REQUIRE_NODE(url);
  const std::set<std::string> typed = {"get_network_info",
                                       "ai_get_network_info",
                                       "ai_list_active_tasks",
                                       "ai_get_task_details",
                                       "ai_publish_task",
                                       "ai_register_miner",
                                       "ai_participate_task",
                                       "ai_submit_solution",
                                       "ai_validate_submission",
                                       "ai_cancel_task",
                                       "ai_get_miner_stats",
                                       "ai_get_events",
                                       "ai_get_rules",
                                       "get_info",
                                       "get_version",
                                       "get_balance",
                                       "get_nonce",
                                       "get_ai_mining_statistics",
                                       "get_ai_mining_task",
                                       "get_ai_mining_miner",
                                       "get_ai_mining_active_tasks",
                                       "get_ai_mining_state",
                                       "dev_accounts",
                                       "dev_faucet",
                                       "dev_increase_time",
                                       "dev_mine",
                                       "rpc.discover"};
  auto document = Client(url).rpc_discover();
  ASSERT_TRUE(document["methods"].is_array());
  for (const auto& method : document["methods"]) {
    EXPECT_TRUE(typed.contains(method["name"].get<std::string>())) << method["name"] << " has no typed call";
  }
}

TEST(Node, ConcurrentSignedWritesOfOneAccountNeverReuseANonce) {
  TOS_AI_REQUIRE_NODE(url);
  Client client(url);
  auto wallet = funded_wallet(client);
  constexpr int threads = 4;
  constexpr int writes = 6;
  std::atomic<int> refused_as_expected{0};
  std::atomic<int> published{0};
  std::vector<std::string> failures;
  std::mutex failures_lock;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      // Half the threads make their own Account for the same wallet: the client still serialises them.
      auto account = t % 2 == 0 ? client.account(wallet) : Client(client).account(wallet);
      for (int i = 0; i < writes; ++i) {
        try {
          if (i == 0) {
            auto task = account.publish_task(intermediate_task("C++ node tests: nonce " + std::to_string(t)));
            account.cancel_task(task.task_id);
            published += 2;
          } else {
            account.participate_task(zero_task, 1);  // refused after the nonce was spent
          }
        } catch (const UnknownEntity&) {
          ++refused_as_expected;
        } catch (const std::exception& error) {
          std::lock_guard lock(failures_lock);
          failures.push_back(error.what());
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(refused_as_expected, threads * (writes - 1));
  EXPECT_EQ(published, threads * 2);
  EXPECT_EQ(client.get_nonce(wallet.address()).nonce, static_cast<std::uint64_t>(threads * (writes + 1)));
}

TEST(Node, ANonceMismatchNamesTheNodesNonceAndTheNextWriteUsesIt) {
  TOS_AI_REQUIRE_NODE(url);
  Client client(url);
  auto wallet = funded_wallet(client);
  auto account = client.account(wallet);
  auto chain = client.get_info().chain_id;
  try {
    account.send_signed_with("ai_participate_task", {{"task_id", zero_task}, {"stake_amount", "1"}}, 5, chain);
    FAIL() << "a wrong nonce was accepted";
  } catch (const NonceMismatch& error) {
    EXPECT_EQ(error.expected(), 0u);
  }
  EXPECT_THROW(account.participate_task(zero_task, 1), UnknownEntity);  // nonce 0, spent
  EXPECT_EQ(account.next_nonce(), 1u);
  // Another process with the same key spends nonce 1 behind this client's back.
  Client other(url);
  EXPECT_THROW(other.account(wallet).participate_task(zero_task, 1), UnknownEntity);
  try {
    account.participate_task(zero_task, 1);
    FAIL() << "a stale nonce was accepted";
  } catch (const NonceMismatch& error) {
    EXPECT_EQ(error.expected(), 2u);
  }
  EXPECT_EQ(account.next_nonce(), 2u) << "taken from the refusal";
  EXPECT_THROW(account.participate_task(zero_task, 1), UnknownEntity);
  EXPECT_EQ(client.get_nonce(wallet.address()).nonce, 3u);
}

TEST(Node, UnlockedDevAccountsWriteWithoutSigning) {
  TOS_AI_REQUIRE_NODE(url);
  Client client(url);
  auto dev = client.unlocked_account(client.dev_accounts().at(3).address);
  EXPECT_FALSE(dev.is_signed());
  auto task = dev.publish_task(intermediate_task("C++ node tests: unlocked"));
  EXPECT_EQ(client.get_task_details(task.task_id).publisher, dev.address());
  EXPECT_EQ(dev.cancel_task(task.task_id).status, "cancelled");
}

TEST(Node, AnUnsignedWriteForAnAccountTheNodeDoesNotHoldIsRefused) {
  TOS_AI_REQUIRE_NODE(url);
  Client client(url);
  auto stranger = client.unlocked_account(Wallet::generate().address());
  try {
    stranger.publish_task(intermediate_task("never"));
    FAIL() << "published for a locked account";
  } catch (const PermissionDenied& error) {
    EXPECT_EQ(error.rule(), "not_unlocked");
  }
}

// Collects a stream's events for a test to wait on.
struct Inbox {
  std::mutex lock;
  std::condition_variable changed;
  std::vector<Event> events;
  std::vector<std::string> errors;
  bool stopped = false;

  EventStreamOptions options(EventStreamOptions base = {}) {
    base.on_event = [this](const Event& event) {
      std::lock_guard guard(lock);
      events.push_back(event);
      changed.notify_all();
    };
    base.on_error = [this](std::exception_ptr error, bool stop) {
      std::lock_guard guard(lock);
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        errors.emplace_back(e.what());
      }
      stopped = stopped || stop;
      changed.notify_all();
    };
    return base;
  }

  bool wait_for(const std::function<bool(const std::vector<Event>&)>& done, std::chrono::milliseconds timeout) {
    std::unique_lock guard(lock);
    return changed.wait_for(guard, timeout, [&] { return done(events); });
  }
};

bool has_event(const std::vector<Event>& events, const std::string& name, const std::string& task_id) {
  return std::any_of(events.begin(), events.end(),
                     [&](const Event& e) { return e.name == name && e.task_id() == task_id; });
}

TEST(Node, ALiveStreamDeliversNewEventsInOrderAndAFilterKeepsOnlyItsNames) {
  TOS_AI_REQUIRE_NODE(url);
  Client client(url);
  Inbox everything;
  Inbox cancellations;
  std::atomic<int> subscribed{0};
  auto all =
      client.subscribe(everything.options({.on_subscribed = [&](std::uint64_t, const std::string&) { ++subscribed; }}));
  auto some = client.subscribe(cancellations.options({.events = {"task_cancelled"}}));
  ASSERT_TRUE(eventually([&] { return subscribed == 1 && some.subscriptions() == 1; }, 5s));

  auto publisher = client.account(funded_wallet(client));
  auto task = publisher.publish_task(intermediate_task("C++ node tests: stream"));
  publisher.cancel_task(task.task_id);
  ASSERT_TRUE(
      everything.wait_for([&](const auto& events) { return has_event(events, "task_cancelled", task.task_id); }, 5s));
  ASSERT_TRUE(cancellations.wait_for(
      [&](const auto& events) { return has_event(events, "task_cancelled", task.task_id); }, 5s));
  {
    std::lock_guard guard(everything.lock);
    EXPECT_TRUE(has_event(everything.events, "task_published", task.task_id));
    for (std::size_t i = 1; i < everything.events.size(); ++i) {
      EXPECT_EQ(everything.events[i].seq, everything.events[i - 1].seq + 1) << "a gap or a repeat";
    }
  }
  // The cursor moves once on_event returned.
  EXPECT_TRUE(eventually(
      [&] {
        std::lock_guard guard(everything.lock);
        return all.cursor() == everything.events.back().seq;
      },
      2s));
  {
    std::lock_guard guard(cancellations.lock);
    for (const auto& event : cancellations.events) EXPECT_EQ(event.name, "task_cancelled");
  }
  auto started = std::chrono::steady_clock::now();
  all.stop();
  some.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_FALSE(all.running());
}

TEST(Node, ASubscriptionTheNodeRefusesStopsTheStreamWithTheNodesError) {
  TOS_AI_REQUIRE_NODE(url);
  Client client(url);
  Inbox inbox;
  auto stream = client.subscribe(inbox.options({.events = {"task_finished"}}));
  ASSERT_TRUE(stream.wait_stopped(5s));
  std::lock_guard guard(inbox.lock);
  EXPECT_TRUE(inbox.stopped);
  ASSERT_FALSE(inbox.errors.empty());
  EXPECT_NE(inbox.errors.back().find("-32602"), std::string::npos) << inbox.errors.back();
}

TEST(Node, AnExceptionFromTheCallbackStopsTheStreamAndIsHandedOn) {
  TOS_AI_REQUIRE_NODE(url);
  Client client(url);
  std::string seen;
  std::mutex seen_lock;
  auto stream = client.subscribe({
      .since_seq = 0,
      .on_event = [](const Event&) { throw std::runtime_error("the caller's own failure"); },
      .on_error =
          [&](std::exception_ptr error, bool stopped) {
            try {
              std::rethrow_exception(error);
            } catch (const std::exception& e) {
              std::lock_guard lock(seen_lock);
              if (stopped) seen = e.what();
            }
          },
  });
  ASSERT_TRUE(stream.wait_stopped(5s));
  std::lock_guard lock(seen_lock);
  EXPECT_EQ(seen, "the caller's own failure");
  EXPECT_EQ(stream.cursor(), 0u) << "the event that failed is not counted as delivered";
}

}  // namespace
}  // namespace tos_ai
