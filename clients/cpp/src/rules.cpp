#include "tos_ai/rules.hpp"

#include <algorithm>

#include "reader.hpp"

namespace tos_ai {

using detail::Reader;

namespace {

template <typename Int>
std::map<std::string, Int> integers(const Reader& r, std::string_view key) {
  const auto& found = r.at(key);
  if (!found.is_object()) r.fail(key, "expected an object of integers");
  std::map<std::string, Int> out;
  for (const auto& [name, value] : found.items()) {
    if (!value.is_number_integer() || !std::in_range<Int>(value.template get<std::int64_t>())) {
      r.fail(std::string(key) + "." + name, "expected an integer");
    }
    out.emplace(name, value.template get<Int>());
  }
  return out;
}

std::vector<std::string> strings(const Reader& r, std::string_view key) { return r.list(key, &Reader::as_string); }

}  // namespace

StakeRange StakeRange::of(Amount reward, Amount stake_required, Amount min_divisor, Amount max_divisor) noexcept {
  return {std::max(reward / min_divisor, stake_required), reward / max_divisor};
}

const Rules::DifficultyRule* Rules::level(std::string_view name) const noexcept {
  auto found = std::find_if(difficulty_levels.begin(), difficulty_levels.end(),
                            [&](const DifficultyRule& rule) { return rule.name == name; });
  return found == difficulty_levels.end() ? nullptr : &*found;
}

std::optional<std::int32_t> Rules::min_reputation(std::string_view action, std::string_view name) const {
  const DifficultyRule* rule = level(name);
  if (rule == nullptr) return std::nullopt;
  auto found = rule->min_reputation.find(std::string(action));
  return found == rule->min_reputation.end() ? std::nullopt : std::optional(found->second);
}

StakeRange Rules::stake_range(Amount reward, Amount stake_required) const noexcept {
  return StakeRange::of(reward, stake_required, stake.min_divisor, stake.max_divisor);
}

bool Rules::is_open(std::string_view status) const {
  return std::find(statuses.open.begin(), statuses.open.end(), status) != statuses.open.end();
}

Rules Rules::from_json(const nlohmann::json& value, std::string_view method) {
  Reader r(value, method);
  Rules rules;
  auto amounts = r.object("amounts");
  rules.amounts = {amounts.integer<std::uint64_t>("atomic_per_tos"), amounts.integer<std::uint32_t>("decimals"),
                   amounts.amount("max_supply"), amounts.amount("faucet_cap"), amounts.amount("min_registration_fee")};
  rules.difficulty_levels = r.list("difficulty_levels", [](const Reader& level) {
    return DifficultyRule{level.str("name"), level.amount("min_reward"), level.amount("max_reward"),
                          level.integer<std::int64_t>("default_deadline_seconds"),
                          integers<std::int32_t>(level, "min_reputation")};
  });
  auto stake = r.object("stake");
  rules.stake = {stake.integer<Amount>("min_divisor"), stake.integer<Amount>("max_divisor")};
  if (rules.stake.min_divisor == 0 || rules.stake.max_divisor == 0) r.fail("stake", "a divisor is 0");
  auto reputation = r.object("reputation");
  rules.reputation = {reputation.integer<std::int32_t>("min"), reputation.integer<std::int32_t>("max"),
                      reputation.integer<std::int32_t>("start"), integers<std::int32_t>(reputation, "deltas"),
                      reputation.integer<std::int32_t>("validation_close_points")};
  auto split = r.object("reward_split");
  rules.reward_split = {split.integer<std::uint32_t>("winner_percent"), split.integer<std::uint32_t>("others_percent"),
                        split.integer<std::uint32_t>("validators_percent"),
                        split.integer<std::uint32_t>("network_percent")};
  auto slash = r.object("slash");
  rules.slash = {slash.integer<std::uint32_t>("percent"), slash.integer<std::int32_t>("keep_score")};
  auto quality = r.object("quality");
  rules.quality = {quality.integer<std::int32_t>("default_threshold"), quality.integer<std::int32_t>("min_score"),
                   quality.integer<std::int32_t>("max_score")};
  auto content = r.object("content");
  rules.content = {content.integer<std::uint32_t>("min_content_bytes"),
                   content.integer<std::uint32_t>("max_title_bytes"),
                   content.integer<std::uint32_t>("max_description_bytes"),
                   content.integer<std::uint32_t>("max_solution_bytes"),
                   content.integer<std::uint32_t>("max_participants"),
                   content.integer<std::uint32_t>("default_max_participants")};
  auto deadlines = r.object("deadlines");
  rules.deadlines = {deadlines.integer<std::int64_t>("max_seconds"),
                     deadlines.integer<std::int64_t>("validation_window_seconds")};
  auto rate_limits = r.object("rate_limits");
  rules.rate_limits.window_seconds = rate_limits.integer<std::int64_t>("window_seconds");
  if (rate_limits.find("per_window") != nullptr) {
    rules.rate_limits.per_window = integers<std::uint32_t>(rate_limits, "per_window");
  }
  auto transport = r.object("transport");
  rules.transport = {
      transport.integer<std::uint64_t>("max_body_bytes"),  transport.integer<std::uint32_t>("max_batch"),
      transport.integer<std::uint64_t>("max_reply_bytes"), transport.integer<std::uint32_t>("max_page_limit"),
      transport.integer<std::uint32_t>("max_state_tasks"), transport.integer<std::uint64_t>("events_kept")};
  rules.task_types = r.list("task_types", [](const Reader& type) {
    return TaskTypeRule{type.str("name"), type.str("detail"), type.str("detail_type"),
                        type.integer<std::int64_t>("detail_min"), type.integer<std::int64_t>("detail_max")};
  });
  auto verification = r.object("verification");
  rules.verification = {strings(verification, "types"), verification.any("default"),
                        verification.integer<std::uint32_t>("max_reviewers")};
  auto statuses = r.object("statuses");
  rules.statuses = {strings(statuses, "all"), strings(statuses, "active"), strings(statuses, "open"),
                    strings(statuses, "validatable")};
  rules.events = strings(r, "events");
  return rules;
}

}  // namespace tos_ai
