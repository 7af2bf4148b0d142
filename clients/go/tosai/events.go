package tosai

import (
	"encoding/json"
	"fmt"
)

// The event names the node sends.
const (
	EventTaskPublished       = "task_published"
	EventParticipantJoined   = "participant_joined"
	EventSubmissionReceived  = "submission_received"
	EventValidationCompleted = "validation_completed"
	EventTaskStatusChanged   = "task_status_changed"
	EventTaskCompleted       = "task_completed"
	EventTaskExpired         = "task_expired"
	EventTaskCancelled       = "task_cancelled"
	EventRewardDistributed   = "reward_distributed"
	EventStakeSlashed        = "stake_slashed"
	EventReputationChanged   = "reputation_changed"
	EventMinerRegistered     = "miner_registered"
)

// Event is one entry of the node's event log. Seq starts at 1 and grows by one per event.
type Event struct {
	Name       string          `json:"event"`
	Seq        uint64          `json:"seq"`
	Topoheight uint64          `json:"topoheight"`
	Timestamp  int64           `json:"timestamp"`
	Data       json.RawMessage `json:"data"`
}

// Decode unmarshals the event's data into v (one of the *Data types below, or any value).
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("tosai: event %d (%s): %w", e.Seq, e.Name, err)
	}
	return nil
}

// TaskID is data.task_id, or "" for an event not about a task.
func (e Event) TaskID() string {
	var d struct {
		TaskID *string `json:"task_id"`
	}
	if json.Unmarshal(e.Data, &d) != nil || d.TaskID == nil {
		return ""
	}
	return *d.TaskID
}

// TaskPublishedData is task_published's data.
type TaskPublishedData struct {
	TaskID          string     `json:"task_id"`
	Publisher       string     `json:"publisher"`
	Title           string     `json:"title"`
	TaskType        TaskType   `json:"task_type"`
	DifficultyLevel Difficulty `json:"difficulty_level"`
	RewardAmount    Amount     `json:"reward_amount"`
	StakeRequired   Amount     `json:"stake_required"`
	Deadline        int64      `json:"deadline"`
	MaxParticipants int        `json:"max_participants"`
}

// ParticipantJoinedData is participant_joined's data.
type ParticipantJoinedData struct {
	TaskID            string `json:"task_id"`
	ParticipationID   string `json:"participation_id"`
	Miner             string `json:"miner"`
	StakeAmount       Amount `json:"stake_amount"`
	ParticipantsCount int    `json:"participants_count"`
}

// SubmissionReceivedData is submission_received's data.
type SubmissionReceivedData struct {
	TaskID           string `json:"task_id"`
	SubmissionID     string `json:"submission_id"`
	Submitter        string `json:"submitter"`
	AnswerHash       string `json:"answer_hash"`
	SubmissionsCount int    `json:"submissions_count"`
}

// ValidationCompletedData is validation_completed's data: one validation recorded.
type ValidationCompletedData struct {
	TaskID            string            `json:"task_id"`
	SubmissionID      string            `json:"submission_id"`
	ValidationID      string            `json:"validation_id"`
	Validator         string            `json:"validator"`
	Score             int               `json:"score"`
	ConsensusProgress ConsensusProgress `json:"consensus_progress"`
}

// TaskStatusChangedData is task_status_changed's data.
type TaskStatusChangedData struct {
	TaskID    string     `json:"task_id"`
	OldStatus TaskStatus `json:"old_status"`
	NewStatus TaskStatus `json:"new_status"`
}

// TaskCompletedData is task_completed's data. FinalScores maps submission ids to scores (nil
// for a submission with no validation).
type TaskCompletedData struct {
	TaskID              string          `json:"task_id"`
	Winner              *string         `json:"winner"`
	WinningSubmissionID *string         `json:"winning_submission_id"`
	FinalScores         map[string]*int `json:"final_scores"`
	Rewards             []Reward        `json:"rewards"`
}

// TaskExpiredData is task_expired's data.
type TaskExpiredData struct {
	TaskID   string `json:"task_id"`
	Refunded Amount `json:"refunded"`
}

// TaskCancelledData is task_cancelled's data.
type TaskCancelledData struct {
	TaskID    string `json:"task_id"`
	Publisher string `json:"publisher"`
	Refunded  Amount `json:"refunded"`
}

// RewardDistributedData is reward_distributed's data: one credit. TaskID is nil for a
// registration fee; Reason is "slash" (with Miner) or "registration_fee" (with Payer).
type RewardDistributedData struct {
	TaskID       *string `json:"task_id"`
	Recipient    string  `json:"recipient"`
	Amount       Amount  `json:"amount"`
	RewardType   string  `json:"reward_type"`
	SubmissionID string  `json:"submission_id,omitempty"`
	Reason       string  `json:"reason,omitempty"`
	Miner        string  `json:"miner,omitempty"`
	Payer        string  `json:"payer,omitempty"`
}

// StakeSlashedData is stake_slashed's data.
type StakeSlashedData struct {
	TaskID      string `json:"task_id"`
	Miner       string `json:"miner"`
	Amount      Amount `json:"amount"`
	StakeAmount Amount `json:"stake_amount"`
}

// ReputationChangedData is reputation_changed's data.
type ReputationChangedData struct {
	Address string  `json:"address"`
	Old     int     `json:"old"`
	New     int     `json:"new"`
	Delta   int     `json:"delta"`
	Reason  string  `json:"reason"`
	TaskID  *string `json:"task_id"`
}

// MinerRegisteredData is miner_registered's data.
type MinerRegisteredData struct {
	MinerAddress    string   `json:"miner_address"`
	RegistrationFee Amount   `json:"registration_fee"`
	Reputation      int      `json:"reputation"`
	Specializations []string `json:"specializations"`
}
