// Transport behaviour against a scripted HTTP server on loopback: connection reuse, timeouts, which
// calls are retried (reads) and which never are (writes), and how each kind of reply is mapped.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "fake_node.hpp"
#include "tos_ai/tos_ai.hpp"

namespace tos_ai {
namespace {

using namespace std::chrono_literals;

using testing::FakeNode;
using testing::Reply;
using testing::rpc_error;
using testing::rpc_result;
using testing::Script;

Script version_ok = [](const nlohmann::json& request) { return rpc_result(request, "devnode/0.1.0"); };

ClientOptions quick(const std::string& url) {
  return ClientOptions{.url = url,
                       .connect_timeout = 500ms,
                       .request_timeout = 500ms,
                       .retry = RetryPolicy{.attempts = 3, .base_delay = 5ms, .max_delay = 20ms}};
}

TEST(Transport, SequentialCallsReuseOneConnection) {
  FakeNode node({version_ok});
  Client client(quick(node.url()));
  for (int i = 0; i < 25; ++i) EXPECT_EQ(client.get_version(), "devnode/0.1.0");
  EXPECT_EQ(node.requests(), 25);
  EXPECT_EQ(node.connections(), 1);
  EXPECT_EQ(client.stats().connections_opened, 1u);
  EXPECT_EQ(client.stats().requests, 25u);
}

TEST(Transport, AReadIsRetriedAfterTransientFailuresThenSucceeds) {
  FakeNode node({[](const nlohmann::json&) {
                   return Reply{503, "busy"};
                 },
                 [](const nlohmann::json& r) { return rpc_error(r, -32603, "the node failed", nullptr); }, version_ok});
  Client client(quick(node.url()));
  EXPECT_EQ(client.get_version(), "devnode/0.1.0");
  EXPECT_EQ(client.stats().retries, 2u);
  EXPECT_EQ(node.requests(), 3);
}

TEST(Transport, AReadGivesUpAfterItsAttempts) {
  FakeNode node({[](const nlohmann::json&) { return Reply{503, "busy"}; }});
  Client client(quick(node.url()));
  try {
    (void)client.get_info();
    FAIL() << "no error";
  } catch (const HttpError& error) {
    EXPECT_EQ(error.status(), 503);
    EXPECT_EQ(error.method(), "get_info");
  }
  EXPECT_EQ(node.requests(), 3);
}

TEST(Transport, AWriteIsSentOnceWhateverHappens) {
  FakeNode node({[](const nlohmann::json&) { return Reply{503, "busy"}; }});
  Client client(quick(node.url()));
  EXPECT_THROW((void)client.dev_faucet("tst1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqk9xlp6", 5), HttpError);
  EXPECT_EQ(node.requests(), 1);
  EXPECT_EQ(client.stats().retries, 0u);
}

TEST(Transport, DomainErrorsAreNotRetriedAndKeepTheNodesWords) {
  FakeNode node({[](const nlohmann::json& r) {
    return rpc_error(r, -32001, "unknown task 00", {{"field", "task_id"}});
  }});
  Client client(quick(node.url()));
  try {
    (void)client.get_task_details("00");
    FAIL() << "no error";
  } catch (const UnknownEntity& error) {
    EXPECT_EQ(error.node_message(), "unknown task 00");
    EXPECT_EQ(error.field(), "task_id");
    EXPECT_EQ(error.method(), "ai_get_task_details");
  }
  EXPECT_EQ(node.requests(), 1);
}

TEST(Transport, ANodeThatDoesNotAnswerTimesOutWithinTheLimit) {
  FakeNode node({version_ok}, /*silent=*/true);
  auto options = quick(node.url());
  options.request_timeout = 150ms;
  options.retry.attempts = 2;
  Client client(options);
  auto started = std::chrono::steady_clock::now();
  EXPECT_THROW((void)client.get_version(), TimeoutError);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 2 * 150ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(client.stats().retries, 1u);
}

TEST(Transport, ARefusedConnectionIsAConnectionErrorAfterTheRetries) {
  std::uint16_t port = 0;
  {
    FakeNode closed({version_ok});  // take a free port, then free it again
    port = static_cast<std::uint16_t>(std::stoi(closed.url().substr(closed.url().rfind(':') + 1)));
  }
  Client client(quick("http://127.0.0.1:" + std::to_string(port)));
  EXPECT_THROW((void)client.get_version(), ConnectionError);
  EXPECT_EQ(client.stats().retries, 2u);
}

TEST(Transport, RepliesThatAreNotWhatTheApiPromisesAreResponseErrors) {
  FakeNode node({
      [](const nlohmann::json&) {
        return Reply{200, "not json"};
      },
      [](const nlohmann::json& r) {
        return Reply{200, nlohmann::json{{"jsonrpc", "2.0"}, {"id", r["id"].get<int>() + 1}, {"result", 1}}.dump()};
      },
      [](const nlohmann::json& r) {
        return rpc_result(r, {{"address", "tst1x"}, {"balance", "-5"}});
      },
      [](const nlohmann::json&) {
        return Reply{404, "<html>no</html>"};
      },
  });
  auto options = quick(node.url());
  options.retry.attempts = 1;
  Client client(options);
  EXPECT_THROW((void)client.get_version(), ResponseError);
  EXPECT_THROW((void)client.get_version(), ResponseError);
  try {
    (void)client.get_balance("tst1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqk9xlp6");
    FAIL() << "accepted a negative balance";
  } catch (const ResponseError& error) {
    EXPECT_EQ(error.path(), "result.balance");
  }
  EXPECT_THROW((void)client.get_version(), HttpError);
}

TEST(Transport, AddressesAreCheckedBeforeAnythingIsSent) {
  FakeNode node({version_ok});
  Client client(quick(node.url()));
  EXPECT_THROW((void)client.get_balance("tos132yw8ht5p8cetl2jmvknewjawt9xwzdlrk2pyxlnwjyqrdq0dawqnlxj8y"),
               InvalidAddress);
  EXPECT_EQ(node.requests(), 0);
}

TEST(Transport, ConcurrentCallersEachGetTheirOwnConnectionAndReuseIt) {
  FakeNode node({version_ok});
  Client client(quick(node.url()));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) ok += client.get_version() == "devnode/0.1.0";
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok, 80);
  EXPECT_LE(client.stats().connections_opened, 4u);  // a pool of kept-alive handles, not one per call
}

}  // namespace
}  // namespace tos_ai
