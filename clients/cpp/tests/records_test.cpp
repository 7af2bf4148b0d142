// Replies are checked field by field: amounts become u64, a bad field names its path and method.
#include <gtest/gtest.h>

#include "tos_ai/tos_ai.hpp"

namespace tos_ai {
namespace {

nlohmann::json task_details_reply() {
  return nlohmann::json::parse(R"({
    "task_id": "9bdb43fa93f20f5727597467b8d548e794b8a8f8c05e3655c254b56636b2d62a",
    "title": "Review the escrow module",
    "task_type": {"CodeAnalysis": {"language": "rust"}},
    "difficulty_level": "Beginner",
    "reward_amount": "12345678901",
    "stake_required": "1234567890",
    "deadline": 1796143907, "time_left": 0,
    "participants_count": 1, "max_participants": 4, "submissions_count": 1,
    "publisher": "tst1laxccncjn2gs3a7k9d9fk0r6p4p25wml7p43g83ukft3ey594uhqktzk40",
    "status": "Completed",
    "description": "Find unchecked arithmetic in the escrow module.",
    "verification_type": {"PeerReview": {"required_reviewers": 2, "consensus_threshold": 0.67}},
    "required_reviewers": 2, "quality_threshold": 70, "created_at": 1796136707,
    "completed_at": 1796143911, "validation_deadline": 1796230307, "escrow": "0",
    "participants": [{"participation_id": "3701", "miner": "tst1ct2", "stake_amount": "2000000000",
                      "joined_at": 1796136707, "submission_id": "fef4", "stake_outcome": "returned"}],
    "submissions": [{"submission_id": "fef4", "submitter": "tst1ct2", "answer_hash": "91ff",
                     "submitted_at": 1796136707, "solution_data": {"content": "Two unchecked additions."},
                     "validations": [{"validation_id": "b7d9", "validator": "tst175n", "quality_score": 90,
                                      "verdict": "Approve", "reasoning": "Both overflows are real.",
                                      "evidence": null, "timestamp": 1796136707}],
                     "validations_count": 1, "required_reviewers": 2, "final_score": 87, "passed": true}],
    "rewards": [{"recipient": "tst1ct2", "amount": "18400000000000000", "reward_type": "winner"}]
  })");
}

TEST(Records, TaskDetailsReadEveryFieldWithAmountsAsIntegers) {
  auto task = TaskDetails::from_json(task_details_reply());
  EXPECT_EQ(task.reward_amount, 12345678901u);
  EXPECT_EQ(task.stake_required, 1234567890u);
  EXPECT_EQ(task.min_stake(), 1234567890u);
  EXPECT_EQ(task.max_stake(), 6172839450u);
  EXPECT_EQ(task.task_type, TaskType("CodeAnalysis", "rust"));
  EXPECT_EQ(task.escrow, 0u);
  ASSERT_EQ(task.participants.size(), 1u);
  EXPECT_EQ(task.participants[0].stake_amount, 2000000000u);
  EXPECT_EQ(task.participants[0].stake_outcome, "returned");
  ASSERT_EQ(task.submissions.size(), 1u);
  EXPECT_EQ(task.submissions[0].final_score, 87);
  EXPECT_EQ(task.submissions[0].validations.at(0).quality_score, 90);
  EXPECT_EQ(task.rewards.at(0).amount, max_supply);
  EXPECT_NE(task.participant("tst1ct2"), nullptr);
  EXPECT_NE(task.submission_of("tst1ct2"), nullptr);
  EXPECT_EQ(task.submission_of("tst1other"), nullptr);
}

TEST(Records, AMissingOrIllTypedFieldNamesItsPathAndMethod) {
  auto reply = task_details_reply();
  reply["participants"][0]["stake_amount"] = "12.5";
  try {
    (void)TaskDetails::from_json(reply);
    FAIL() << "accepted a fractional amount";
  } catch (const ResponseError& error) {
    EXPECT_EQ(error.method(), "ai_get_task_details");
    EXPECT_EQ(error.path(), "result.participants[0].stake_amount");
  }
  reply = task_details_reply();
  reply.erase("status");
  EXPECT_THROW((void)TaskDetails::from_json(reply), ResponseError);
  reply = task_details_reply();
  reply["reward_amount"] = "18446744073709551616";  // over u64 (and the supply): refused, never wrapped
  EXPECT_THROW((void)TaskDetails::from_json(reply), ResponseError);
  reply = task_details_reply();
  reply["participants_count"] = -1;
  EXPECT_THROW((void)TaskDetails::from_json(reply), ResponseError);
  reply = task_details_reply();
  reply["deadline"] = 1.5;
  EXPECT_THROW((void)TaskDetails::from_json(reply), ResponseError);
  EXPECT_THROW((void)TaskDetails::from_json(nlohmann::json::array()), ResponseError);
}

TEST(Records, EventsPagesAndEventsKeepTheirDataAsSent) {
  auto page = EventsPage::from_json(nlohmann::json::parse(R"({
    "events": [{"event": "task_published", "seq": 27, "topoheight": 3, "timestamp": 1796136707,
                "data": {"task_id": "08ab", "reward_amount": "8000000000"}}],
    "head_seq": 37, "oldest_seq": 1, "chain_id": "a4b5015f80f1505c", "resync_required": false})"));
  ASSERT_EQ(page.events.size(), 1u);
  EXPECT_EQ(page.events[0].name, "task_published");
  EXPECT_EQ(page.events[0].seq, 27u);
  EXPECT_EQ(page.events[0].task_id(), "08ab");
  EXPECT_EQ(page.head_seq, 37u);
  EXPECT_EQ(page.chain_id, "a4b5015f80f1505c");
}

TEST(Records, DaemonShapedRepliesTakePlainIntegerAmounts) {
  auto stats = MiningStatistics::from_json(nlohmann::json::parse(
      R"({"total_tasks": 5, "active_tasks": 1, "completed_tasks": 2, "total_miners": 11,
          "total_rewards_distributed": 18128394952, "total_staked": 800000000})"));
  EXPECT_EQ(stats.total_rewards_distributed, 18128394952u);
  EXPECT_EQ(stats.total_staked, 800000000u);
}

TEST(Requests, TaskDataWritesTheNodesParamsAndReadsTheScenarioForm) {
  auto task = TaskData::from_json(nlohmann::json::parse(R"({
    "title": "t", "task_type": "GeneralTask", "reward_amount": "6000000000", "max_participants": 2,
    "verification_type": {"PeerReview": {"required_reviewers": 2, "consensus_threshold": 0.67}}})"));
  auto params = task.to_json();
  EXPECT_EQ(params["reward_amount"], "6000000000");
  EXPECT_EQ(params["task_type"], nlohmann::json::parse(R"({"GeneralTask": {}})"));
  EXPECT_EQ(params["max_participants"], 2);
  EXPECT_FALSE(params.contains("description"));
  EXPECT_THROW(TaskData::from_json({{"reward_amount", -5}}), InvalidAmount);
  EXPECT_THROW(TaskData::from_json({{"title", "no reward"}}), InputError);
  EXPECT_THROW(TaskData::from_json({{"reward_amount", "1"}, {"max_participants", -1}}), InputError);
}

TEST(Requests, VerdictsAndSolutionsHaveTheNodesShape) {
  EXPECT_EQ(Verdict::approve(90, "ok").to_json(),
            nlohmann::json::parse(R"({"Approve": {"quality_score": 90, "reasoning": "ok"}})"));
  EXPECT_EQ(Verdict::reject("slow", {{"complexity", "O(n^2)"}}).to_json(),
            nlohmann::json::parse(R"json({"Reject": {"reason": "slow", "evidence": {"complexity": "O(n^2)"}}})json"));
  auto verdict = Verdict::from_json(nlohmann::json::parse(R"({"Reject": {"reason": "r"}})"));
  EXPECT_FALSE(verdict.approved());
  auto solution = Solution::from_json({{"content", "Use a merge sort."}, {"code", "fn f() {}"}});
  EXPECT_EQ(solution.to_json(), nlohmann::json({{"content", "Use a merge sort."}, {"code", "fn f() {}"}}));
}

TEST(Requests, ListQueriesSendOnlyWhatIsSet) {
  EXPECT_EQ(ListTasksQuery{}.to_params(), nlohmann::json::object());
  ListTasksQuery query{.publisher = "tst1x", .sort_by = "created_at", .limit = 1};
  EXPECT_EQ(query.to_params(),
            nlohmann::json::parse(R"({"filters": {"publisher": "tst1x"}, "sort_by": "created_at", "limit": 1})"));
}

TEST(Mining, ConfigReadsTheDesignsFieldsAndRefusesNonsense) {
  auto config = AutoMiningConfig::from_json(nlohmann::json::parse(R"({
    "target_difficulties": ["Beginner"], "max_concurrent_tasks": 3, "min_success_probability": 0.0,
    "min_time_left": 600, "check_interval": 60, "auto_submit_solutions": true})"));
  EXPECT_EQ(config.max_concurrent_tasks, 3u);
  EXPECT_EQ(config.min_time_left, std::chrono::seconds(600));
  EXPECT_EQ(config.check_interval, std::chrono::seconds(60));
  auto design =
      AutoMiningConfig::from_json({{"target_difficulty", {"Intermediate", "Advanced"}}, {"check_interval", 2}});
  EXPECT_EQ(design.target_difficulties, (std::vector<std::string>{"Intermediate", "Advanced"}));
  EXPECT_THROW(AutoMiningConfig::from_json({{"target_difficulty", {"Legendary"}}}), InputError);
  EXPECT_THROW(AutoMiningConfig::from_json({{"max_concurrent_tasks", 0}}), InputError);
  EXPECT_THROW(AutoMiningConfig::from_json({{"check_interval", "soon"}}), InputError);
}

TEST(Mining, StakesStayWithinWhatTheTaskAccepts) {
  TaskSummary task;
  task.reward_amount = 20'000'000'000;
  task.stake_required = 3'000'000'000;
  EXPECT_EQ(stake_for(task, 0.1), 3'000'000'000u);   // the task's minimum
  EXPECT_EQ(stake_for(task, 0.25), 5'000'000'000u);  // the fraction
  EXPECT_EQ(stake_for(task, 0.5), 10'000'000'000u);  // at most reward/2
  task.difficulty_level = "Beginner";
  EXPECT_NEAR(estimate_success_probability(task, 500), 0.675, 1e-9);
  task.participants_count = 4;
  EXPECT_NEAR(estimate_success_probability(task, 1000), 0.45, 1e-9);
}

}  // namespace
}  // namespace tos_ai
