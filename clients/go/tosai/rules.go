package tosai

import (
	"context"
	"encoding/json"
	"slices"
)

// The stake rule this package keeps for code without the node's rules at hand: a participant's
// stake is between max(reward/StakeMinDivisor, stake_required) and reward/StakeMaxDivisor. The
// node publishes the divisors it applies (Rules.Stake); its tests check these against them.
const (
	StakeMinDivisor = 10
	StakeMaxDivisor = 2
)

// TaskStatuses lists every status, in the node's order (Rules.Statuses.All).
var TaskStatuses = []TaskStatus{
	StatusPublished, StatusInProgress, StatusUnderValidation, StatusCompleted, StatusExpired, StatusCancelled,
}

// OpenStatuses are the statuses in which a task still takes participants and submissions
// (Rules.Statuses.Open).
var OpenStatuses = []TaskStatus{StatusPublished, StatusInProgress}

// EventNames lists every event the node sends, in the node's order (Rules.Events).
var EventNames = []string{
	EventTaskPublished, EventParticipantJoined, EventSubmissionReceived, EventValidationCompleted,
	EventTaskStatusChanged, EventTaskCompleted, EventTaskExpired, EventTaskCancelled,
	EventRewardDistributed, EventStakeSlashed, EventReputationChanged, EventMinerRegistered,
}

// Rules is ai_get_rules's result: the protocol's rules as the node applies them, with the
// settings it was started with (its rate limits, validation window and the events it keeps).
type Rules struct {
	Amounts          AmountRules      `json:"amounts"`
	DifficultyLevels []DifficultyRule `json:"difficulty_levels"` // easiest first
	Stake            StakeRules       `json:"stake"`
	Reputation       ReputationRules  `json:"reputation"`
	RewardSplit      RewardSplit      `json:"reward_split"`
	Slash            SlashRules       `json:"slash"`
	Quality          QualityRules     `json:"quality"`
	Content          ContentRules     `json:"content"`
	Deadlines        DeadlineRules    `json:"deadlines"`
	RateLimits       RateLimitRules   `json:"rate_limits"`
	Transport        TransportRules   `json:"transport"`
	TaskTypes        []TaskTypeRule   `json:"task_types"`
	Verification     VerificationRule `json:"verification"`
	Statuses         StatusRules      `json:"statuses"`
	Events           []string         `json:"events"`
}

// AmountRules are the units and ceilings.
type AmountRules struct {
	AtomicPerTOS       uint64 `json:"atomic_per_tos"`
	Decimals           int    `json:"decimals"`
	MaxSupply          Amount `json:"max_supply"`
	FaucetCap          Amount `json:"faucet_cap"`
	MinRegistrationFee Amount `json:"min_registration_fee"`
}

// DifficultyRule is one difficulty level: its reward range (inclusive), the deadline a task gets
// when none is given, and the reputation each action needs.
type DifficultyRule struct {
	Name                   Difficulty         `json:"name"`
	MinReward              Amount             `json:"min_reward"`
	MaxReward              Amount             `json:"max_reward"`
	DefaultDeadlineSeconds int64              `json:"default_deadline_seconds"`
	MinReputation          ReputationMinimums `json:"min_reputation"`
}

// ReputationMinimums is the reputation each action needs on a task of one level; joining needs
// the submit minimum.
type ReputationMinimums struct {
	Publish     int `json:"publish"`
	Participate int `json:"participate"`
	Submit      int `json:"submit"`
	Validate    int `json:"validate"`
}

// StakeRules: a stake is between max(reward/MinDivisor, stake_required) and reward/MaxDivisor.
type StakeRules struct {
	MinDivisor uint64 `json:"min_divisor"`
	MaxDivisor uint64 `json:"max_divisor"`
}

// ReputationRules are the bounds, the start, and the change at completion for each reason.
type ReputationRules struct {
	Min                   int            `json:"min"`
	Max                   int            `json:"max"`
	Start                 int            `json:"start"`
	Deltas                map[string]int `json:"deltas"`
	ValidationClosePoints int            `json:"validation_close_points"`
}

// RewardSplit is the percent of the escrow each share gets at completion.
type RewardSplit struct {
	WinnerPercent     int `json:"winner_percent"`
	OthersPercent     int `json:"others_percent"`
	ValidatorsPercent int `json:"validators_percent"`
	NetworkPercent    int `json:"network_percent"`
}

// SlashRules: a participant scoring under KeepScore (or never submitting) loses Percent of the stake.
type SlashRules struct {
	Percent   int `json:"percent"`
	KeepScore int `json:"keep_score"`
}

// QualityRules are the default quality threshold and the range of a score.
type QualityRules struct {
	DefaultThreshold int `json:"default_threshold"`
	MinScore         int `json:"min_score"`
	MaxScore         int `json:"max_score"`
}

// ContentRules are lengths in UTF-8 bytes, and how many may join a task.
type ContentRules struct {
	MinContentBytes        int `json:"min_content_bytes"`
	MaxTitleBytes          int `json:"max_title_bytes"`
	MaxDescriptionBytes    int `json:"max_description_bytes"`
	MaxSolutionBytes       int `json:"max_solution_bytes"`
	MaxParticipants        int `json:"max_participants"`
	DefaultMaxParticipants int `json:"default_max_participants"`
}

// DeadlineRules are the farthest deadline and how long after it a task waits for validations.
type DeadlineRules struct {
	MaxSeconds              int64 `json:"max_seconds"`
	ValidationWindowSeconds int64 `json:"validation_window_seconds"`
}

// RateLimitRules are the successful actions per address and window; PerWindow is nil when the
// node runs without rate limits.
type RateLimitRules struct {
	WindowSeconds int64          `json:"window_seconds"`
	PerWindow     map[string]int `json:"per_window"`
}

// TransportRules are the request body, batch, reply and page limits, and the events kept for replay.
type TransportRules struct {
	MaxBodyBytes  int `json:"max_body_bytes"`
	MaxBatch      int `json:"max_batch"`
	MaxReplyBytes int `json:"max_reply_bytes"`
	MaxPageLimit  int `json:"max_page_limit"`
	MaxStateTasks int `json:"max_state_tasks"`
	EventsKept    int `json:"events_kept"`
}

// TaskTypeRule is a task type and its one detail: a string of DetailMin..DetailMax characters, or
// an integer in that range (DetailType "string" or "integer").
type TaskTypeRule struct {
	Name       TaskVariant `json:"name"`
	Detail     string      `json:"detail"`
	DetailType string      `json:"detail_type"`
	DetailMin  int         `json:"detail_min"`
	DetailMax  int         `json:"detail_max"`
}

// VerificationRule lists the verification types, the one a publisher gets by default, and at most
// how many reviewers (or experts) a task may ask for.
type VerificationRule struct {
	Types        []string        `json:"types"`
	Default      json.RawMessage `json:"default"`
	MaxReviewers int             `json:"max_reviewers"`
}

// StatusRules group the statuses: Active ones are listed, Open ones take participants and
// submissions, Validatable ones take validations.
type StatusRules struct {
	All         []TaskStatus `json:"all"`
	Active      []TaskStatus `json:"active"`
	Open        []TaskStatus `json:"open"`
	Validatable []TaskStatus `json:"validatable"`
}

// Rules calls ai_get_rules: the protocol's rules as the node applies them. The miner reads its
// stake range, the open statuses and the reputation a level needs from here.
func (c *Client) Rules(ctx context.Context) (*Rules, error) {
	return callRecord[Rules](ctx, c, "ai_get_rules", nil)
}

// Level is the rule of difficulty d, and whether the node has that level.
func (r *Rules) Level(d Difficulty) (DifficultyRule, bool) {
	i := slices.IndexFunc(r.DifficultyLevels, func(l DifficultyRule) bool { return l.Name == d })
	if i < 0 {
		return DifficultyRule{}, false
	}
	return r.DifficultyLevels[i], true
}

// StakeRange is the smallest and largest stake the node accepts for a task with this reward and
// stake_required, by its published divisors.
func (r *Rules) StakeRange(reward, stakeRequired Amount) (lowest, highest Amount) {
	return stakeRange(reward, stakeRequired, r.Stake.MinDivisor, r.Stake.MaxDivisor)
}

// IsOpen reports whether a task in status s still takes participants and submissions.
func (r *Rules) IsOpen(s TaskStatus) bool { return slices.Contains(r.Statuses.Open, s) }

func stakeRange(reward, stakeRequired Amount, minDivisor, maxDivisor uint64) (Amount, Amount) {
	return max(reward/Amount(minDivisor), stakeRequired), reward / Amount(maxDivisor)
}
