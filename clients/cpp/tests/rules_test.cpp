// vectors/rules.json: it reads as Rules, and the rules this library keeps are the node's; the
// AutoMiner takes its stake range and which tasks it may join from the node's published rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "fake_node.hpp"
#include "support.hpp"
#include "tos_ai/tos_ai.hpp"

namespace tos_ai {
namespace {

using namespace std::chrono_literals;

nlohmann::json published_rules() { return testing::vectors("rules")["rules"]; }

template <std::size_t N>
std::vector<std::string> strings(const std::array<std::string_view, N>& names) {
  return {names.begin(), names.end()};
}

TEST(RulesVector, ItReadsAsRulesWithAmountsAsIntegers) {
  auto raw = published_rules();
  auto rules = Rules::from_json(raw);
  EXPECT_EQ(rules.amounts.max_supply, 18'400'000'000'000'000ULL);
  ASSERT_EQ(rules.difficulty_levels.size(), raw["difficulty_levels"].size());
  EXPECT_EQ(rules.difficulty_levels[1].min_reward,
            std::stoull(raw["difficulty_levels"][1]["min_reward"].get<std::string>()));
  EXPECT_EQ(rules.reputation.deltas.at("winner"), raw["reputation"]["deltas"]["winner"].get<int>());
  EXPECT_EQ(rules.verification.default_type, raw["verification"]["default"]);
  ASSERT_TRUE(rules.rate_limits.per_window.has_value());
  EXPECT_EQ(rules.rate_limits.per_window->at("publish"), raw["rate_limits"]["per_window"]["publish"].get<unsigned>());
  EXPECT_EQ(rules.min_reputation("participate", "Advanced"), rules.min_reputation("submit", "Advanced"));
  EXPECT_FALSE(rules.min_reputation("publish", "Legendary").has_value());
}

TEST(RulesVector, TheRulesThisLibraryKeepsAreTheNodes) {
  auto rules = Rules::from_json(published_rules());
  std::vector<std::string> levels;
  for (const auto& level : rules.difficulty_levels) levels.push_back(level.name);
  EXPECT_EQ(levels, strings(difficulty_levels));
  EXPECT_EQ(rules.statuses.all, strings(task_statuses));
  EXPECT_EQ(rules.statuses.open, strings(open_statuses));
  EXPECT_EQ(rules.events, strings(event_names));
  EXPECT_EQ(rules.amounts.atomic_per_tos, atomic_per_tos);
  EXPECT_EQ(rules.amounts.max_supply, max_supply);
  EXPECT_EQ(rules.stake.min_divisor, stake_min_divisor);
  EXPECT_EQ(rules.stake.max_divisor, stake_max_divisor);
  std::vector<std::string> variants;
  for (const auto& type : rules.task_types) {
    variants.push_back(type.name);
    EXPECT_EQ(TaskType(type.name).detail_key(), type.detail) << type.name;
  }
  EXPECT_EQ(variants, task_type_names());
}

TEST(RulesVector, TheStakeRangeFollowsTheDivisorsItIsGiven) {
  auto rules = Rules::from_json(published_rules());
  EXPECT_EQ(rules.stake_range(12'345'678'901, 0), (StakeRange{1'234'567'890, 6'172'839'450}));
  EXPECT_EQ(StakeRange::of(12'345'678'901, 0, 4, 3), (StakeRange{3'086'419'725, 4'115'226'300}));
  EXPECT_EQ(rules.stake_range(12'345'678'901, 2'000'000'000).min, 2'000'000'000u);
  TaskSummary task;
  task.reward_amount = 12'345'678'901;
  EXPECT_EQ((StakeRange{task.min_stake(), task.max_stake()}), rules.stake_range(task.reward_amount, 0));
}

TEST(RulesVector, AMalformedReplyNamesTheField) {
  auto raw = published_rules();
  raw["stake"]["min_divisor"] = "ten";
  try {
    (void)Rules::from_json(raw);
    FAIL() << "no error";
  } catch (const ResponseError& error) {
    EXPECT_NE(std::string(error.what()).find("result.stake.min_divisor"), std::string::npos) << error.what();
  }
}

// A scripted node for one scan: its rules (null: no ai_get_rules), the tasks it lists, the miner's
// reputation; it records the stake offered for each task joined.
class RulesNode {
 public:
  RulesNode(nlohmann::json rules, std::vector<nlohmann::json> tasks, int reputation)
      : rules_(std::move(rules)), tasks_(std::move(tasks)), reputation_(reputation) {}

  std::map<std::string, Amount> scan() {
    testing::FakeNode node({[this](const nlohmann::json& request) { return answer(request); }});
    Client client(ClientOptions{.url = node.url(), .retry = RetryPolicy{.attempts = 1}});
    AutoMiningConfig config;
    config.target_difficulties = {"Beginner", "Intermediate"};
    config.max_concurrent_tasks = 5;
    config.min_time_left = 0s;
    config.use_events = false;
    config.auto_submit_solutions = false;
    AutoMiner miner(client, Wallet::generate(), config, std::make_shared<FixedSolver>(Solution{.content = "x"}));
    miner.start();
    EXPECT_TRUE(miner.wait_for_scans(1, 10s));
    miner.stop();
    EXPECT_EQ(miner.report().errors, std::vector<std::string>{});
    std::lock_guard lock(lock_);
    return stakes_;
  }

  int rules_asked() const { return rules_asked_; }

 private:
  testing::Reply answer(const nlohmann::json& request) {
    const auto method = request["method"].get<std::string>();
    const auto& params = request.value("params", nlohmann::json::object());
    if (method == "ai_get_rules") {
      ++rules_asked_;
      if (rules_.is_null()) return testing::rpc_error(request, -32601, "method not found", nullptr);
      return testing::rpc_result(request, rules_);
    }
    if (method == "get_info") {
      return testing::rpc_result(request, {{"height", 1},
                                           {"topoheight", 1},
                                           {"version", "fake/1"},
                                           {"network", "devnet"},
                                           {"timestamp", 1},
                                           {"head_seq", 0},
                                           {"chain_id", "00000000000000aa"},
                                           {"require_signatures", false}});
    }
    if (method == "get_nonce") {
      return testing::rpc_result(request, {{"address", params["address"]}, {"nonce", 0}, {"topoheight", 1}});
    }
    if (method == "ai_get_miner_stats") {
      return testing::rpc_result(request, {{"miner_address", params["miner_address"]},
                                           {"is_registered", true},
                                           {"reputation", reputation_},
                                           {"tasks_published", 0},
                                           {"tasks_participated", 0},
                                           {"submissions", 0},
                                           {"wins", 0},
                                           {"validations", 0},
                                           {"total_earnings", "0"},
                                           {"current_stake", "0"},
                                           {"balance", "0"}});
    }
    if (method == "ai_list_active_tasks") {
      return testing::rpc_result(request,
                                 params.value("offset", 0) == 0 ? nlohmann::json(tasks_) : nlohmann::json::array());
    }
    if (method == "ai_participate_task") {
      auto task_id = params["task_id"].get<std::string>();
      std::lock_guard lock(lock_);
      stakes_[task_id] = std::stoull(params["stake_amount"].get<std::string>());
      return testing::rpc_result(
          request,
          {{"participation_id", std::string(64, 'c')}, {"task_id", task_id}, {"stake_amount", params["stake_amount"]}});
    }
    return testing::rpc_error(request, -32601, "unscripted " + method, nullptr);
  }

  nlohmann::json rules_;
  std::vector<nlohmann::json> tasks_;
  int reputation_;
  std::mutex lock_;
  std::map<std::string, Amount> stakes_;
  std::atomic<int> rules_asked_{0};
};

nlohmann::json task(int number, const std::string& level, Amount reward) {
  char id[65];
  std::snprintf(id, sizeof id, "%064x", number);
  return {{"task_id", id},
          {"title", "t"},
          {"task_type", "GeneralTask"},
          {"difficulty_level", level},
          {"reward_amount", std::to_string(reward)},
          {"stake_required", "0"},
          {"deadline", 1LL << 40},
          {"time_left", 86400},
          {"participants_count", 0},
          {"max_participants", 5},
          {"submissions_count", 0},
          {"publisher", Wallet::generate().address()},
          {"status", "Published"}};
}

std::string id_of(int number) { return task(number, "Beginner", 1)["task_id"].get<std::string>(); }

TEST(AutoMinerRules, ItStakesWithinTheRangeOfTheNodesStakeDivisors) {
  auto rules = published_rules();
  rules["stake"] = {{"min_divisor", 4}, {"max_divisor", 3}};
  RulesNode node(rules, {task(1, "Beginner", 6'000'000'000)}, 500);
  EXPECT_EQ(node.scan(), (std::map<std::string, Amount>{{id_of(1), 1'500'000'000}}));
  EXPECT_EQ(node.rules_asked(), 1);
}

TEST(AutoMinerRules, ItSkipsALevelItsReputationMayNotJoinByTheNodesRules) {
  std::vector<nlohmann::json> tasks = {task(1, "Beginner", 6'000'000'000), task(2, "Intermediate", 20'000'000'000)};
  auto strict = RulesNode(published_rules(), tasks, 250).scan();
  EXPECT_EQ(strict.size(), 1u);
  EXPECT_TRUE(strict.contains(id_of(1)));
  auto lenient = published_rules();
  lenient["difficulty_levels"][1]["min_reputation"]["participate"] = 200;
  EXPECT_EQ(RulesNode(lenient, tasks, 250).scan().size(), 2u);
}

TEST(AutoMinerRules, WithoutAiGetRulesItKeepsTheLibrarysOwnRules) {
  RulesNode node(nullptr, {task(1, "Beginner", 6'000'000'000)}, 500);
  EXPECT_EQ(node.scan(), (std::map<std::string, Amount>{{id_of(1), 600'000'000}}));
}

}  // namespace
}  // namespace tos_ai
