package tosai

import "encoding/json"

// NetworkInfo is get_network_info's result.
type NetworkInfo struct {
	ActiveTasks             int     `json:"active_tasks"`
	TotalMiners             int     `json:"total_miners"`
	OnlineMiners            int     `json:"online_miners"` // active in the last hour
	TotalRewardsDistributed Amount  `json:"total_rewards_distributed"`
	AverageTaskCompletion   float64 `json:"average_task_completion_time"` // seconds
	Network                 string  `json:"network"`
	Topoheight              uint64  `json:"topoheight"`
	Timestamp               int64   `json:"timestamp"`
}

// TaskSummary is one task as ai_list_active_tasks lists it.
type TaskSummary struct {
	TaskID            string     `json:"task_id"`
	Title             string     `json:"title"`
	TaskType          TaskType   `json:"task_type"`
	DifficultyLevel   Difficulty `json:"difficulty_level"`
	RewardAmount      Amount     `json:"reward_amount"`
	StakeRequired     Amount     `json:"stake_required"`
	Deadline          int64      `json:"deadline"`
	TimeLeft          int64      `json:"time_left"` // seconds, never negative
	ParticipantsCount int        `json:"participants_count"`
	MaxParticipants   int        `json:"max_participants"`
	SubmissionsCount  int        `json:"submissions_count"`
	Publisher         string     `json:"publisher"`
	Status            TaskStatus `json:"status"`
}

// MinStake is the smallest stake the node accepts: max(reward/10, stake_required)
// (Rules.StakeRange gives it by the node's published rules).
func (t *TaskSummary) MinStake() Amount {
	lowest, _ := stakeRange(t.RewardAmount, t.StakeRequired, StakeMinDivisor, StakeMaxDivisor)
	return lowest
}

// MaxStake is the largest stake the node accepts: reward/2 (Rules.StakeRange by the node's rules).
func (t *TaskSummary) MaxStake() Amount {
	_, highest := stakeRange(t.RewardAmount, t.StakeRequired, StakeMinDivisor, StakeMaxDivisor)
	return highest
}

// TaskDetails is ai_get_task_details's result: the summary plus the task's records.
type TaskDetails struct {
	TaskSummary
	Description        string           `json:"description"`
	VerificationType   VerificationType `json:"verification_type"`
	RequiredReviewers  int              `json:"required_reviewers"`
	QualityThreshold   int              `json:"quality_threshold"`
	CreatedAt          int64            `json:"created_at"`
	CompletedAt        *int64           `json:"completed_at"`
	ValidationDeadline int64            `json:"validation_deadline"`
	Escrow             Amount           `json:"escrow"`
	Participants       []Participant    `json:"participants"`
	Submissions        []Submission     `json:"submissions"`
	Rewards            []Reward         `json:"rewards"` // once paid
}

// Participant is one participation in a task.
type Participant struct {
	ParticipationID string  `json:"participation_id"`
	Miner           string  `json:"miner"`
	StakeAmount     Amount  `json:"stake_amount"`
	JoinedAt        int64   `json:"joined_at"`
	SubmissionID    *string `json:"submission_id"`
	StakeOutcome    *string `json:"stake_outcome"` // "returned", "slashed" once settled
}

// Submission is one submitted solution with its validations.
type Submission struct {
	SubmissionID      string       `json:"submission_id"`
	Submitter         string       `json:"submitter"`
	AnswerHash        string       `json:"answer_hash"`
	SubmittedAt       int64        `json:"submitted_at"`
	SolutionData      Solution     `json:"solution_data"`
	Validations       []Validation `json:"validations"`
	ValidationsCount  int          `json:"validations_count"`
	RequiredReviewers int          `json:"required_reviewers"`
	FinalScore        *int         `json:"final_score"` // nil until completion, or with no validation
	Passed            *bool        `json:"passed"`
}

// Validation is one validator's verdict on a submission.
type Validation struct {
	ValidationID string          `json:"validation_id"`
	Validator    string          `json:"validator"`
	QualityScore int             `json:"quality_score"`
	Verdict      string          `json:"verdict"` // "Approve" or "Reject"
	Reasoning    *string         `json:"reasoning"`
	Evidence     json.RawMessage `json:"evidence"`
	Timestamp    int64           `json:"timestamp"`
}

// Reward is one credit paid at a task's completion.
type Reward struct {
	Recipient  string `json:"recipient"`
	Amount     Amount `json:"amount"`
	RewardType string `json:"reward_type"` // winner, participant, validator, network, refund, stake_return
}

// PublishedTask is ai_publish_task's result.
type PublishedTask struct {
	TaskID   string `json:"task_id"`
	Status   string `json:"status"` // "published"
	Deadline int64  `json:"deadline"`
}

// MinerRegistration is ai_register_miner's result.
type MinerRegistration struct {
	MinerAddress string `json:"miner_address"`
	Reputation   int    `json:"reputation"`
}

// Participation is ai_participate_task's result.
type Participation struct {
	ParticipationID string `json:"participation_id"`
	TaskID          string `json:"task_id"`
	StakeAmount     Amount `json:"stake_amount"`
}

// SubmissionReceipt is ai_submit_solution's result.
type SubmissionReceipt struct {
	SubmissionID string `json:"submission_id"`
	AnswerHash   string `json:"answer_hash"` // blake3 of the solution's canonical JSON
	Status       string `json:"status"`      // "submitted"
}

// ConsensusProgress counts a submission's validations against what it needs.
type ConsensusProgress struct {
	Validations int `json:"validations"`
	Required    int `json:"required"`
}

// ValidationReceipt is ai_validate_submission's result.
type ValidationReceipt struct {
	ValidationID      string            `json:"validation_id"`
	ConsensusProgress ConsensusProgress `json:"consensus_progress"`
}

// CancelledTask is ai_cancel_task's result.
type CancelledTask struct {
	TaskID   string `json:"task_id"`
	Status   string `json:"status"` // "cancelled"
	Refunded Amount `json:"refunded"`
}

// MinerStats is ai_get_miner_stats's result.
type MinerStats struct {
	MinerAddress      string   `json:"miner_address"`
	IsRegistered      bool     `json:"is_registered"`
	Reputation        int      `json:"reputation"`
	TasksPublished    int      `json:"tasks_published"`
	TasksParticipated int      `json:"tasks_participated"`
	Submissions       int      `json:"submissions"`
	Wins              int      `json:"wins"`
	Validations       int      `json:"validations"`
	TotalEarnings     Amount   `json:"total_earnings"`
	CurrentStake      Amount   `json:"current_stake"`
	Balance           Amount   `json:"balance"`
	RegisteredAt      *int64   `json:"registered_at"`
	Specializations   []string `json:"specializations"`
}

// EventsPage is ai_get_events's result: a page of events after since_seq and the bounds of the
// node's log. ResyncRequired says events after since_seq are no longer kept.
type EventsPage struct {
	Events         []Event `json:"events"`
	HeadSeq        uint64  `json:"head_seq"`
	OldestSeq      uint64  `json:"oldest_seq"`
	ChainID        string  `json:"chain_id"`
	ResyncRequired bool    `json:"resync_required"`
}

// NodeInfo is get_info's result.
type NodeInfo struct {
	Height            uint64  `json:"height"`
	Topoheight        uint64  `json:"topoheight"`
	Version           string  `json:"version"`
	Network           string  `json:"network"`
	Timestamp         int64   `json:"timestamp"`
	TimeOffset        int64   `json:"time_offset"`
	BlockTime         float64 `json:"block_time"` // seconds
	HeadSeq           uint64  `json:"head_seq"`
	ChainID           string  `json:"chain_id"`
	RequireSignatures bool    `json:"require_signatures"`
	DevMethods        bool    `json:"dev_methods"` // whether dev_* methods are open to this caller
}

// Balance is get_balance's result.
type Balance struct {
	Address    string `json:"address"`
	Balance    Amount `json:"balance"`
	Topoheight uint64 `json:"topoheight"`
}

// Nonce is get_nonce's result: the account's next nonce.
type Nonce struct {
	Address    string `json:"address"`
	Nonce      uint64 `json:"nonce"`
	Topoheight uint64 `json:"topoheight"`
}

// MiningStatistics is get_ai_mining_statistics's result (the daemon's shape: plain integers).
type MiningStatistics struct {
	TotalTasks              int    `json:"total_tasks"`
	ActiveTasks             int    `json:"active_tasks"`
	CompletedTasks          int    `json:"completed_tasks"`
	TotalMiners             int    `json:"total_miners"`
	TotalRewardsDistributed Amount `json:"total_rewards_distributed"`
	TotalStaked             Amount `json:"total_staked"`
}

// MiningMiner is get_ai_mining_miner's result (the daemon's shape).
type MiningMiner struct {
	Address           string   `json:"address"`
	Reputation        int      `json:"reputation"`
	RegistrationFee   Amount   `json:"registration_fee"`
	RegisteredAt      int64    `json:"registered_at"`
	Specializations   []string `json:"specializations"`
	TasksCompleted    int      `json:"tasks_completed"`
	TasksParticipated int      `json:"tasks_participated"`
	Validations       int      `json:"validations"`
	TotalEarnings     Amount   `json:"total_earnings"`
	CurrentStake      Amount   `json:"current_stake"`
}

// MiningState is get_ai_mining_state's result: every task and miner, and the statistics.
type MiningState struct {
	Tasks      map[string]TaskDetails `json:"tasks"`
	Miners     map[string]MiningMiner `json:"miners"`
	Statistics MiningStatistics       `json:"statistics"`
}

// DevAccount is one of dev_accounts's funded, unlocked accounts.
type DevAccount struct {
	Index      int    `json:"index"`
	Address    string `json:"address"`
	PrivateKey string `json:"private_key"` // hex ed25519 seed
	Balance    Amount `json:"balance"`
}

// FaucetResult is dev_faucet's result.
type FaucetResult struct {
	Address string `json:"address"`
	Balance Amount `json:"balance"`
}

// MinedBlocks is dev_mine's result.
type MinedBlocks struct {
	Topoheight uint64 `json:"topoheight"`
	Timestamp  int64  `json:"timestamp"`
}
