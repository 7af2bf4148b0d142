// clients/conformance/scenario.md, steps 1 to 9, through this client's public API against the devnode
// the harness started. Inputs and expected values come from scenario.json (S below). The steps run in
// order and share state; a step after a failed one fails too rather than pass on a broken world.
#include <gtest/gtest.h>

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <iostream>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "support.hpp"
#include "tos_ai/tos_ai.hpp"

namespace tos_ai {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using testing::eventually;

// POSTs to the harness's control endpoint (restart, reset, stop, start); it answers once the node is up.
void control(const std::string& action) {
  auto base = testing::env("TOS_CONFORMANCE_CONTROL");
  ASSERT_TRUE(base.has_value()) << "TOS_CONFORMANCE_CONTROL is unset: run this through the harness";
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  std::string url = *base + "/" + action;
  std::string body;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, "{}");
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(
      curl.get(), CURLOPT_WRITEFUNCTION, +[](char* data, std::size_t size, std::size_t n, void* out) {
        static_cast<std::string*>(out)->append(data, size * n);
        return size * n;
      });
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  ASSERT_EQ(curl_easy_perform(curl.get()), CURLE_OK) << "POST " << url;
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  ASSERT_EQ(status, 200) << body;
}

Amount amount(const nlohmann::json& value) { return parse_amount(value); }

std::int64_t delta(Amount after, Amount before) {
  return static_cast<std::int64_t>(after) - static_cast<std::int64_t>(before);
}

// Every event a stream delivered, its chain resets, and what stopped it.
struct Recorder {
  mutable std::mutex lock;
  std::condition_variable changed;
  std::vector<Event> events;
  std::vector<ChainReset> resets;
  std::vector<std::string> errors;

  EventStreamOptions options(std::uint64_t since_seq, std::string chain_id) {
    return EventStreamOptions{
        .since_seq = since_seq,
        .chain_id = std::move(chain_id),
        .on_event =
            [this](const Event& event) {
              std::lock_guard guard(lock);
              events.push_back(event);
              changed.notify_all();
            },
        .on_chain_reset =
            [this](const ChainReset& reset) {
              std::lock_guard guard(lock);
              resets.push_back(reset);
              changed.notify_all();
              return ChainResetAction::follow_new_chain;
            },
        .on_error =
            [this](std::exception_ptr error, bool) {
              std::lock_guard guard(lock);
              try {
                std::rethrow_exception(error);
              } catch (const std::exception& e) {
                errors.emplace_back(e.what());
              }
            },
    };
  }

  bool wait(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    std::unique_lock guard(lock);
    return changed.wait_for(guard, timeout, done);
  }

  std::vector<Event> copy() const {
    std::lock_guard guard(lock);
    return events;
  }
};

bool contains_event(const std::vector<Event>& events, std::string_view name, const std::string& task_id) {
  return std::any_of(events.begin(), events.end(),
                     [&](const Event& e) { return e.name == name && e.task_id() == task_id; });
}

// Expects `write` to throw the client's type for `kind` with the code scenario.json gives.
template <typename Expected>
Expected expect_refusal(const nlohmann::json& S, const std::string& kind, const std::function<void()>& write) {
  std::int64_t code = 0;
  for (const auto& refusal : S["refusals"]) {
    if (refusal["kind"] == kind) code = refusal["code"].get<std::int64_t>();
  }
  try {
    write();
  } catch (const Expected& error) {
    EXPECT_EQ(error.kind(), kind) << error.what();
    EXPECT_EQ(error.code(), code) << error.what();
    return error;
  } catch (const std::exception& error) {
    ADD_FAILURE() << "expected " << kind << ", got: " << error.what();
    throw;
  }
  ADD_FAILURE() << "expected " << kind << ", but the write went through";
  throw std::runtime_error("no refusal");
}

// The world the steps share.
struct World {
  std::string url;
  nlohmann::json S;
  std::unique_ptr<Client> client;
  std::uint64_t start_seq = 0;
  std::string chain;
  std::map<std::string, Wallet> wallets;
  std::map<std::string, Amount> funded;
  std::string task_a;
  std::string task_b;
  std::map<std::string, std::string> submission;  // miner name -> submission id on task_a
  std::vector<Event> http_events;                 // step 6
  Recorder recorder;                              // step 7 on
  std::unique_ptr<EventStream> stream;

  Account as(const std::string& name) const { return client->account(wallets.at(name)); }
  const std::string& address(const std::string& name) const { return wallets.at(name).address(); }
  Amount balance(const std::string& name) const { return client->get_balance(address(name)).balance; }
};

World* world = nullptr;
bool broken = false;

class Scenario : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    if (world && world->stream) world->stream->stop();
    delete world;
    world = nullptr;
  }

  void SetUp() override {
    TOS_AI_REQUIRE_NODE(url);
    if (broken) FAIL() << "an earlier step failed; this one needs its results";
    if (!world) {
      world = new World();
      world->url = url;
      world->S = testing::scenario();
      world->client = std::make_unique<Client>(url);
    }
  }

  void TearDown() override {
    if (HasFailure()) broken = true;
  }

  World& w() { return *world; }
  const nlohmann::json& S() { return world->S; }
};

TEST_F(Scenario, Step1_NetworkInfo) {
  auto info = w().client->get_info();
  EXPECT_EQ(info.network, "devnet");
  ASSERT_FALSE(info.chain_id.empty());
  w().start_seq = info.head_seq;
  w().chain = info.chain_id;
  auto network = w().client->get_network_info();  // every field checked and typed by the client
  EXPECT_EQ(network.network, "devnet");
  static_assert(std::is_same_v<decltype(network.total_rewards_distributed), Amount>);
  EXPECT_GE(network.total_miners, 10u);
}

// The JSON pointer of a dotted path in an ai_get_rules reply ("rate_limits.per_window").
nlohmann::json::json_pointer member_pointer(std::string path) {
  std::replace(path.begin(), path.end(), '.', '/');
  return nlohmann::json::json_pointer("/" + path);
}

// An ai_get_rules reply without the members at the dotted paths (vectors/rules.json's "configurable").
nlohmann::json rules_without(nlohmann::json rules, const nlohmann::json& paths) {
  for (const auto& path : paths) {
    auto pointer = member_pointer(path.get<std::string>());
    rules[pointer.parent_pointer()].erase(pointer.back());
  }
  return rules;
}

TEST_F(Scenario, Step1_Rules) {
  auto rules = w().client->get_rules();
  auto raw = w().client->call("ai_get_rules");
  EXPECT_EQ(rules, Rules::from_json(raw));
  EXPECT_EQ(rules.amounts.max_supply, std::stoull(raw["amounts"]["max_supply"].get<std::string>()));
  EXPECT_EQ(rules.difficulty_levels.at(0).min_reward,
            std::stoull(raw["difficulty_levels"][0]["min_reward"].get<std::string>()));
  auto vectors = testing::vectors("rules");
  EXPECT_EQ(rules_without(raw, vectors["configurable"]), rules_without(vectors["rules"], vectors["configurable"]));
  for (const auto& [path, expected] : S()["rules"]["on_this_node"].items()) {
    EXPECT_EQ(raw[member_pointer(path)], expected) << path;
  }
  EXPECT_FALSE(rules.rate_limits.per_window.has_value());
}

TEST_F(Scenario, Step2_Accounts) {
  const Amount faucet = amount(S()["funding"]["faucet_amount"]);
  const Amount fee = amount(S()["funding"]["registration_fee"]);
  for (const char* name : {"publisher", "miner_1", "miner_2", "validator_1", "validator_2"}) {
    w().wallets.emplace(name, Wallet::generate());
    EXPECT_EQ(w().client->dev_faucet(w().address(name), faucet).balance, faucet);
  }
  for (const char* name : {"miner_1", "miner_2", "validator_1", "validator_2"}) {
    auto registration = w().as(name).register_miner({.registration_fee = fee});
    EXPECT_EQ(registration.miner_address, w().address(name));
    auto stats = w().client->get_miner_stats(w().address(name));
    EXPECT_TRUE(stats.is_registered);
    EXPECT_EQ(stats.reputation, 500);
  }
  for (const auto& [name, wallet] : w().wallets) w().funded[name] = w().balance(name);
  EXPECT_EQ(w().funded["publisher"], faucet);
  EXPECT_EQ(w().funded["miner_1"], faucet - fee);
}

void expect_summary(const TaskDetails& task, const nlohmann::json& expected) {
  for (const auto& [key, value] : expected.items()) {
    SCOPED_TRACE(key);
    if (key == "task_type") {
      EXPECT_EQ(task.task_type.to_json(), value);
    } else if (key == "difficulty_level") {
      EXPECT_EQ(task.difficulty_level, value);
    } else if (key == "status") {
      EXPECT_EQ(task.status, value);
    } else if (key == "reward_amount") {
      EXPECT_EQ(task.reward_amount, amount(value));
    } else if (key == "stake_required") {
      EXPECT_EQ(task.stake_required, amount(value));
    } else if (key == "max_participants") {
      EXPECT_EQ(task.max_participants, value.get<std::uint32_t>());
    } else if (key == "participants_count") {
      EXPECT_EQ(task.participants_count, value.get<std::uint32_t>());
    } else if (key == "submissions_count") {
      EXPECT_EQ(task.submissions_count, value.get<std::uint32_t>());
    } else {
      ADD_FAILURE() << "scenario.json names a summary field this test does not know: " << key;
    }
  }
}

TEST_F(Scenario, Step3_PublishListPageCancel) {
  auto publisher = w().as("publisher");
  auto task_a = TaskData::from_json(S()["task_a"]["task_data"]);
  auto before = w().balance("publisher");
  auto published = publisher.publish_task(task_a);
  EXPECT_EQ(published.status, "published");
  w().task_a = published.task_id;
  EXPECT_EQ(delta(w().balance("publisher"), before), -static_cast<std::int64_t>(task_a.reward_amount));
  expect_summary(w().client->get_task_details(w().task_a), S()["task_a"]["expected_summary"]);

  auto task_b = TaskData::from_json(S()["task_b"]["task_data"]);
  w().task_b = publisher.publish_task(task_b).task_id;
  expect_summary(w().client->get_task_details(w().task_b), S()["task_b"]["expected_summary"]);

  auto ids = [](const std::vector<TaskSummary>& tasks) {
    std::vector<std::string> out;
    for (const auto& task : tasks) out.push_back(task.task_id);
    return out;
  };
  ListTasksQuery mine{.publisher = w().address("publisher"), .sort_by = "created_at", .sort_order = "desc"};
  using ids_t = std::vector<std::string>;
  EXPECT_EQ(ids(w().client->list_active_tasks(mine)), (ids_t{w().task_b, w().task_a}));
  auto first = mine;
  first.limit = 1;
  EXPECT_EQ(ids(w().client->list_active_tasks(first)), ids_t{w().task_b});
  auto second = first;
  second.offset = 1;
  EXPECT_EQ(ids(w().client->list_active_tasks(second)), ids_t{w().task_a});
  auto intermediate = mine;
  intermediate.difficulty_level = "Intermediate";
  EXPECT_EQ(ids(w().client->list_active_tasks(intermediate)), ids_t{w().task_a});

  before = w().balance("publisher");
  publisher.cancel_task(w().task_b);
  EXPECT_EQ(w().client->get_task_details(w().task_b).status, "Cancelled");
  EXPECT_EQ(delta(w().balance("publisher"), before), static_cast<std::int64_t>(task_b.reward_amount));
}

TEST_F(Scenario, Step4_ParticipateSubmitRefuse) {
  const Amount stake = amount(S()["task_a"]["stake_amount"]);
  const auto& task_a = w().task_a;
  auto before = w().balance("miner_1");
  auto participation = w().as("miner_1").participate_task(task_a, stake);
  EXPECT_EQ(participation.stake_amount, stake);
  EXPECT_EQ(delta(w().balance("miner_1"), before), -static_cast<std::int64_t>(stake));
  auto details = w().client->get_task_details(task_a);
  EXPECT_EQ(details.status, "InProgress");
  EXPECT_EQ(details.participants_count, 1u);

  // The refusals, in scenario.md's order, each as this client's type for its kind.
  expect_refusal<AlreadyDone>(S(), "already_done", [&] { w().as("miner_1").participate_task(task_a, stake); });
  expect_refusal<PermissionDenied>(S(), "permission_denied",
                                   [&] { w().as("publisher").participate_task(task_a, stake); });
  expect_refusal<InsufficientFunds>(S(), "insufficient_funds",
                                    [&] { w().as("validator_1").participate_task(task_a, 1); });
  expect_refusal<UnknownEntity>(S(), "unknown_entity",
                                [&] { (void)w().client->get_task_details(std::string(64, '0')); });
  expect_refusal<InvalidContent>(S(), "invalid_content", [&] {
    w().as("publisher")
        .publish_task({.title = "Conformance: too cheap for its difficulty",
                       .task_type = TaskType("GeneralTask"),
                       .difficulty_level = "Intermediate",
                       .reward_amount = 100'000'000});
  });
  auto invalid = expect_refusal<InvalidParams>(S(), "invalid_params", [&] {
    (void)w().client->call("ai_get_task_details", {{"task_id", "nope"}});  // the raw call
  });
  EXPECT_EQ(invalid.field(), "task_id");
  expect_refusal<MethodNotFound>(S(), "method_not_found", [&] { (void)w().client->call("ai_no_such_method"); });
  auto publisher = w().as("publisher");
  const auto next = publisher.next_nonce();
  auto mismatch = expect_refusal<NonceMismatch>(S(), "nonce_mismatch", [&] {
    publisher.send_signed_with("ai_cancel_task", {{"task_id", task_a}}, next + 5, w().chain);
  });
  EXPECT_EQ(mismatch.expected(), next);
  auto wrong_chain = expect_refusal<WrongChain>(S(), "wrong_chain", [&] {
    publisher.send_signed_with("ai_cancel_task", {{"task_id", task_a}}, next, "0000000000000000");
  });
  EXPECT_EQ(wrong_chain.expected(), w().chain);
  EXPECT_EQ(publisher.next_nonce(), next) << "neither refusal spent a nonce";

  w().as("miner_2").participate_task(task_a, stake);
  const std::regex hex64("[0-9a-f]{64}");
  for (const char* miner : {"miner_1", "miner_2"}) {
    auto receipt = w().as(miner).submit_solution(task_a, Solution::from_json(S()["task_a"]["solutions"][miner]));
    EXPECT_EQ(receipt.status, "submitted");
    EXPECT_TRUE(std::regex_match(receipt.answer_hash, hex64)) << receipt.answer_hash;
    w().submission[miner] = receipt.submission_id;
  }
  EXPECT_EQ(w().client->get_task_details(task_a).submissions_count, 2u);
}

TEST_F(Scenario, Step5_ValidateAndComplete) {
  const auto& task_a = w().task_a;
  auto denied = expect_refusal<PermissionDenied>(S(), "permission_denied", [&] {
    w().as("miner_1").validate_submission(task_a, w().submission["miner_2"], Verdict::approve(80, "Looks fine."));
  });
  EXPECT_EQ(denied.kind(), "permission_denied");

  const auto required =
      S()["task_a"]["task_data"]["verification_type"]["PeerReview"]["required_reviewers"].get<std::uint32_t>();
  std::map<std::string, std::uint32_t> done;
  for (const auto& validation : S()["task_a"]["validations"]) {
    auto of = validation["submission_of"].get<std::string>();
    auto receipt = w().as(validation["validator"].get<std::string>())
                       .validate_submission(task_a, w().submission[of], Verdict::from_json(validation["result"]));
    EXPECT_EQ(receipt.consensus_progress, (ConsensusProgress{++done[of], required})) << validation.dump();
  }

  const auto& expected = S()["task_a"]["expected_after_completion"];
  auto task = w().client->get_task_details(task_a);
  EXPECT_EQ(task.status, expected["status"]);
  for (const auto& [miner, score] : expected["final_scores"].items()) {
    const auto* submission = task.submission_of(w().address(miner));
    ASSERT_NE(submission, nullptr) << miner;
    EXPECT_EQ(submission->final_score, score.get<std::int32_t>()) << miner;
  }
  auto winner = expected["winner"].get<std::string>();
  std::map<std::string, Amount> by_type;
  for (const auto& reward : task.rewards) {
    by_type[reward.reward_type] += reward.amount;
    if (reward.reward_type == "winner") {
      EXPECT_EQ(reward.recipient, w().address(winner));
    }
  }
  for (const auto& [type, sum] : expected["rewards_by_type"].items()) EXPECT_EQ(by_type[type], amount(sum)) << type;
  for (const auto& [name, change] : expected["balance_delta_since_funded"].items()) {
    EXPECT_EQ(delta(w().balance(name), w().funded[name]), std::stoll(change.get<std::string>())) << name;
  }
  for (const auto& [name, reputation] : expected["reputation"].items()) {
    EXPECT_EQ(w().client->get_miner_stats(w().address(name)).reputation, reputation.get<std::int32_t>()) << name;
  }

  expect_refusal<NotAccepting>(S(), "not_accepting", [&] {
    w().as("validator_1").validate_submission(task_a, w().submission["miner_1"], Verdict::approve(90, "Again."));
  });
}

void expect_task_a_events(const nlohmann::json& S, const std::vector<Event>& events, const std::string& task_a) {
  std::set<std::string> names;
  for (const auto& name : S["events_task_a"]) names.insert(name.get<std::string>());
  std::vector<std::string> seen;
  for (const auto& event : events) {
    if (event.task_id() == task_a && names.contains(event.name)) seen.push_back(event.name);
  }
  EXPECT_EQ(nlohmann::json(seen), S["events_task_a"]);
}

void expect_consecutive(const std::vector<Event>& events, std::uint64_t after) {
  for (const auto& event : events) {
    ASSERT_EQ(event.seq, after + 1) << "a seq missing or repeated after " << after;
    after = event.seq;
  }
}

TEST_F(Scenario, Step6_EventsOverHttp) {
  std::uint64_t since = w().start_seq;
  std::uint64_t head = w().client->get_info().head_seq;
  while (since < head) {
    auto page = w().client->get_events(since, 100);
    ASSERT_FALSE(page.resync_required);
    ASSERT_FALSE(page.events.empty());
    for (auto& event : page.events) w().http_events.push_back(std::move(event));
    since = w().http_events.back().seq;
    head = page.head_seq;
  }
  expect_consecutive(w().http_events, w().start_seq);
  expect_task_a_events(S(), w().http_events, w().task_a);
}

TEST_F(Scenario, Step7_EventsOverWebSocketAcrossANodeRestart) {
  auto& recorder = w().recorder;
  w().stream = std::make_unique<EventStream>(w().client->subscribe(recorder.options(w().start_seq, w().chain)));
  const auto& expected = w().http_events;
  ASSERT_FALSE(expected.empty());
  ASSERT_TRUE(recorder.wait([&] { return recorder.events.size() >= expected.size(); }, 10s));
  auto replayed = recorder.copy();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(replayed[i].seq, expected[i].seq);
    EXPECT_EQ(replayed[i].name, expected[i].name);
    EXPECT_EQ(replayed[i].data, expected[i].data);
  }
  const auto subscriptions = w().stream->subscriptions();

  // Restart the node; publish task_c while it is down or just after (the test's own retry).
  auto restarted = std::async(std::launch::async, [] { control("restart"); });
  Client probe(ClientOptions{.url = w().url, .request_timeout = 1s, .retry = {.attempts = 1}});
  while (restarted.wait_for(0s) != std::future_status::ready) {  // until it is down, or back already
    try {
      (void)probe.get_version();
    } catch (const TransportError&) {
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  auto task_c = TaskData::from_json(S()["task_c"]["task_data"]);
  std::string task_c_id;
  auto deadline = clock_type::now() + 60s;
  while (task_c_id.empty() && clock_type::now() < deadline) {
    try {
      task_c_id = w().as("publisher").publish_task(task_c).task_id;
    } catch (const TransportError&) {
      std::this_thread::sleep_for(50ms);
    }
  }
  restarted.get();
  ASSERT_FALSE(task_c_id.empty()) << "the node did not come back within a minute";

  ASSERT_TRUE(recorder.wait([&] { return contains_event(recorder.events, "task_published", task_c_id); }, 15s))
      << "task_c's task_published never arrived";
  EXPECT_TRUE(eventually([&] { return w().stream->subscriptions() > subscriptions; }, 5s))
      << "the stream did not reconnect by itself";
  auto all = recorder.copy();
  expect_consecutive(all, w().start_seq);
  EXPECT_EQ(all.back().name, "task_published");
  EXPECT_EQ(all.back().task_id(), task_c_id);
  EXPECT_TRUE(eventually([&] { return w().stream->cursor() == all.back().seq; }, 2s));  // once on_event returned
}

struct MinerLog {
  std::mutex lock;
  std::map<std::string, clock_type::time_point> joined;
  std::set<std::string> submitted;

  AutoMiningCallbacks callbacks() {
    return {.on_joined =
                [this](const TaskSummary& task, const Participation&) {
                  std::lock_guard guard(lock);
                  joined.emplace(task.task_id, clock_type::now());
                },
            .on_submitted =
                [this](const std::string& task_id, const SubmissionReceipt&) {
                  std::lock_guard guard(lock);
                  submitted.insert(task_id);
                }};
  }
  bool has_joined(const std::string& id) {
    std::lock_guard guard(lock);
    return joined.contains(id);
  }
  bool has_submitted(const std::string& id) {
    std::lock_guard guard(lock);
    return submitted.contains(id);
  }
};

TEST_F(Scenario, Step8_AutoMining) {
  const auto& am = S()["auto_mining"];
  auto auto_miner = Wallet::generate();
  w().client->dev_faucet(auto_miner.address(), amount(S()["funding"]["faucet_amount"]));
  w().client->account(auto_miner).register_miner({.registration_fee = amount(S()["funding"]["registration_fee"])});
  auto solver = std::make_shared<FixedSolver>(
      Solution{.content = "A fixed answer from the C++ client's conformance run (at least 10 bytes)."});
  auto publisher = w().as("publisher");
  auto joined_by_miner = [&](const std::string& task_id) {
    return w().client->get_task_details(task_id).participant(auto_miner.address()) != nullptr;
  };

  MinerLog log;
  {
    AutoMiner miner(*w().client, auto_miner, AutoMiningConfig::from_json(am["config"]), solver, log.callbacks());
    miner.start();
    ASSERT_TRUE(miner.wait_for_scans(1, 30s)) << "the first scan did not finish";
    auto unsuitable = publisher.publish_task(TaskData::from_json(am["unsuitable_task"])).task_id;
    auto event_task = publisher.publish_task(TaskData::from_json(am["event_task"])).task_id;
    auto published_at = clock_type::now();
    const auto within = std::chrono::duration<double>(am["join_within_seconds"].get<double>());
    ASSERT_TRUE(eventually([&] { return log.has_joined(event_task); }, 10s))
        << "never joined event_task; the miner's errors: " << nlohmann::json(miner.report().errors).dump();
    {
      std::lock_guard guard(log.lock);
      auto took = std::chrono::duration<double>(log.joined[event_task] - published_at);
      EXPECT_LE(took.count(), within.count()) << "joined " << took.count() << " s after the publish reply";
      std::cout << "auto-miner joined event_task " << took.count() * 1000 << " ms after the publish reply\n";
    }
    EXPECT_TRUE(joined_by_miner(event_task));
    ASSERT_TRUE(eventually([&] { return log.has_submitted(event_task); }, 10s)) << "no auto-submitted solution";
    EXPECT_NE(w().client->get_task_details(event_task).submission_of(auto_miner.address()), nullptr);
    EXPECT_FALSE(joined_by_miner(unsuitable));
    EXPECT_FALSE(log.has_joined(unsuitable));
    miner.stop();
  }

  auto config = am["config"];
  config.merge_patch(am["scan_config"]);
  AutoMiner miner(*w().client, auto_miner, AutoMiningConfig::from_json(config), solver, log.callbacks());
  miner.start();
  ASSERT_TRUE(miner.wait_for_scans(1, 30s));
  auto scan_task = publisher.publish_task(TaskData::from_json(am["scan_task"])).task_id;
  const auto scan_within =
      std::chrono::milliseconds(static_cast<int>(am["scan_join_within_seconds"].get<double>() * 1000));
  EXPECT_TRUE(eventually([&] { return log.has_joined(scan_task); }, scan_within)) << "the scan did not find scan_task";
  EXPECT_TRUE(joined_by_miner(scan_task));
  auto stopping = clock_type::now();
  miner.stop();
  EXPECT_LT(clock_type::now() - stopping, 5s) << "stop() took too long";
  EXPECT_FALSE(miner.running());

  // Nothing is joined after stop(): a suitable task published now stays untouched past a scan interval.
  auto after_stop_data = TaskData::from_json(am["scan_task"]);
  after_stop_data.title = "Conformance (C++): published after the miner stopped";
  auto after_stop = publisher.publish_task(after_stop_data).task_id;
  std::this_thread::sleep_for(2500ms);
  EXPECT_FALSE(joined_by_miner(after_stop));
  EXPECT_FALSE(log.has_joined(after_stop));
  publisher.cancel_task(after_stop);  // a later client's miner must not find it open
}

TEST_F(Scenario, Step9_ChainReset) {
  auto& recorder = w().recorder;
  ASSERT_TRUE(w().stream);
  // Let the stream catch up with the node first (under the sanitizers it lags step 8's last events).
  const auto head = w().client->get_info().head_seq;
  ASSERT_TRUE(eventually([&] { return w().stream->cursor() == head; }, 15s)) << "the stream never reached " << head;
  const auto cursor = w().stream->cursor();
  const auto old_chain = w().chain;
  EXPECT_EQ(w().stream->chain_id(), old_chain);
  std::size_t delivered_before;
  {
    std::lock_guard guard(recorder.lock);
    delivered_before = recorder.events.size();
  }
  control("reset");
  ASSERT_TRUE(recorder.wait([&] { return !recorder.resets.empty(); }, 15s))
      << "the stream never said the chain was reset";
  ChainReset reset;
  {
    std::lock_guard guard(recorder.lock);
    reset = recorder.resets.front();
    EXPECT_EQ(recorder.events.size(), delivered_before) << "events delivered across the reset without saying so";
  }
  EXPECT_EQ(reset.old_chain_id, old_chain);
  EXPECT_NE(reset.new_chain_id, old_chain);
  EXPECT_EQ(reset.last_seq, cursor);
  auto new_chain = w().client->get_info().chain_id;
  EXPECT_EQ(reset.new_chain_id, new_chain);

  // The stream follows the new chain from its first event: make some (an unlocked dev account's task).
  auto dev = w().client->unlocked_account(w().client->dev_accounts().at(1).address);
  auto task = dev.publish_task({.title = "Conformance (C++): the new chain's first task",
                                .task_type = TaskType("GeneralTask"),
                                .difficulty_level = "Intermediate",
                                .reward_amount = 15'000'000'000,
                                .max_participants = 1});
  dev.cancel_task(task.task_id);
  ASSERT_TRUE(recorder.wait([&] { return contains_event(recorder.events, "task_cancelled", task.task_id); }, 10s));
  auto all = recorder.copy();
  std::vector<Event> after(all.begin() + static_cast<std::ptrdiff_t>(delivered_before), all.end());
  ASSERT_FALSE(after.empty());
  auto oldest = w().client->get_events(0, 1);
  expect_consecutive(after, oldest.oldest_seq - 1);
  EXPECT_EQ(w().stream->chain_id(), new_chain);

  // A wallet that signed on the old chain signs for the new one: the publisher has no funds here now.
  expect_refusal<InsufficientFunds>(S(), "insufficient_funds", [&] {
    w().as("publisher").publish_task(TaskData::from_json(S()["task_c"]["task_data"]));
  });
  w().stream->stop();
}

}  // namespace
}  // namespace tos_ai
