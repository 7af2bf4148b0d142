package tosai

import (
	"encoding/json"
	"fmt"
)

// Difficulty is a task's difficulty level.
type Difficulty string

// The difficulty levels, easiest first.
const (
	Beginner     Difficulty = "Beginner"
	Intermediate Difficulty = "Intermediate"
	Advanced     Difficulty = "Advanced"
	Expert       Difficulty = "Expert"
)

// Difficulties lists the levels, easiest first.
var Difficulties = []Difficulty{Beginner, Intermediate, Advanced, Expert}

// TaskStatus is where a task is in its lifecycle.
type TaskStatus string

// The task statuses.
const (
	StatusPublished       TaskStatus = "Published"
	StatusInProgress      TaskStatus = "InProgress"
	StatusUnderValidation TaskStatus = "UnderValidation"
	StatusCompleted       TaskStatus = "Completed"
	StatusExpired         TaskStatus = "Expired"
	StatusCancelled       TaskStatus = "Cancelled"
)

// VerificationType says how a task's submissions are checked: Automatic (one validation),
// PeerReview (RequiredReviewers validations; ConsensusThreshold is stored and shown) or
// ExpertReview (ExpertCount validations).
type VerificationType struct {
	Kind               string // "Automatic", "PeerReview" or "ExpertReview"
	RequiredReviewers  int
	ConsensusThreshold float64
	ExpertCount        int
}

// Automatic is the one-validation verification type.
func Automatic() *VerificationType { return &VerificationType{Kind: "Automatic"} }

// PeerReview asks for reviewers validations per submission.
func PeerReview(reviewers int, consensusThreshold float64) *VerificationType {
	return &VerificationType{Kind: "PeerReview", RequiredReviewers: reviewers, ConsensusThreshold: consensusThreshold}
}

// ExpertReview asks for experts validations per submission.
func ExpertReview(experts int) *VerificationType {
	return &VerificationType{Kind: "ExpertReview", ExpertCount: experts}
}

// MarshalJSON writes "Automatic" or the externally tagged form.
func (v VerificationType) MarshalJSON() ([]byte, error) {
	switch v.Kind {
	case "Automatic":
		return []byte(`"Automatic"`), nil
	case "PeerReview":
		body := map[string]any{}
		if v.RequiredReviewers != 0 {
			body["required_reviewers"] = v.RequiredReviewers
		}
		if v.ConsensusThreshold != 0 {
			body["consensus_threshold"] = v.ConsensusThreshold
		}
		return json.Marshal(map[string]any{"PeerReview": body})
	case "ExpertReview":
		body := map[string]any{}
		if v.ExpertCount != 0 {
			body["expert_count"] = v.ExpertCount
		}
		return json.Marshal(map[string]any{"ExpertReview": body})
	}
	return nil, &FieldError{Field: "verification_type", Reason: fmt.Sprintf("unknown verification type %q", v.Kind)}
}

// UnmarshalJSON reads a bare name or the tagged form.
func (v *VerificationType) UnmarshalJSON(data []byte) error {
	var name string
	if json.Unmarshal(data, &name) == nil {
		*v = VerificationType{Kind: name}
		return nil
	}
	var tagged map[string]struct {
		RequiredReviewers  int     `json:"required_reviewers"`
		ConsensusThreshold float64 `json:"consensus_threshold"`
		ExpertCount        int     `json:"expert_count"`
	}
	if err := json.Unmarshal(data, &tagged); err != nil {
		return fmt.Errorf("verification_type: %w", err)
	}
	if len(tagged) != 1 {
		return &FieldError{Field: "verification_type", Reason: "expected exactly one variant"}
	}
	for kind, body := range tagged {
		*v = VerificationType{Kind: kind, RequiredReviewers: body.RequiredReviewers,
			ConsensusThreshold: body.ConsensusThreshold, ExpertCount: body.ExpertCount}
	}
	return nil
}

// TaskData is what a publisher sends to ai_publish_task. Zero fields are left out and take the
// node's defaults (title from the type, description from the title, difficulty from the
// reward, stake reward/10, 10 participants, one peer review, quality threshold 70).
type TaskData struct {
	Title            string            `json:"title,omitempty"`
	Description      string            `json:"description,omitempty"`
	TaskType         TaskType          `json:"task_type"`
	RewardAmount     Amount            `json:"reward_amount"`
	DifficultyLevel  Difficulty        `json:"difficulty_level,omitempty"`
	StakeRequired    Amount            `json:"stake_required,omitempty"`
	Deadline         int64             `json:"deadline,omitempty"`       // Unix seconds, node clock
	DeadlineHours    float64           `json:"deadline_hours,omitempty"` // used when Deadline is 0
	MaxParticipants  int               `json:"max_participants,omitempty"`
	VerificationType *VerificationType `json:"verification_type,omitempty"`
	QualityThreshold *int              `json:"quality_threshold,omitempty"` // 0–100; nil for 70
}

// MinerConfig is ai_register_miner's miner_config. A zero fee is the node's default (1e9).
type MinerConfig struct {
	Specializations []string `json:"specializations,omitempty"`
	RegistrationFee Amount   `json:"registration_fee,omitempty"`
}

// Solution is a miner's answer to a task (ai_submit_solution's solution_data). Content must be
// at least 10 bytes; the whole solution at most 64 KiB as JSON.
type Solution struct {
	Content            string          `json:"content"`
	Code               string          `json:"code,omitempty"`
	Documentation      string          `json:"documentation,omitempty"`
	TestResults        json.RawMessage `json:"test_results,omitempty"`
	PerformanceMetrics json.RawMessage `json:"performance_metrics,omitempty"`
}

// ValidationResult is a validator's verdict: build it with Approve or Reject.
type ValidationResult struct {
	Approve *Approval `json:"Approve,omitempty"`
	Reject  *Refusal  `json:"Reject,omitempty"`
}

// Approval approves a submission with a quality score of 0–100.
type Approval struct {
	QualityScore int    `json:"quality_score"`
	Reasoning    string `json:"reasoning,omitempty"`
}

// Refusal rejects a submission (it scores 0).
type Refusal struct {
	Reason   string          `json:"reason,omitempty"`
	Evidence json.RawMessage `json:"evidence,omitempty"`
}

// Approve approves a submission with a score of 0–100.
func Approve(score int, reasoning string) ValidationResult {
	return ValidationResult{Approve: &Approval{QualityScore: score, Reasoning: reasoning}}
}

// Reject rejects a submission; evidence is any JSON value (nil for none).
func Reject(reason string, evidence any) (ValidationResult, error) {
	r := &Refusal{Reason: reason}
	if evidence != nil {
		raw, err := json.Marshal(evidence)
		if err != nil {
			return ValidationResult{}, fmt.Errorf("reject evidence: %w", err)
		}
		r.Evidence = raw
	}
	return ValidationResult{Reject: r}, nil
}

// TaskFilters narrows ai_list_active_tasks; zero fields do not filter.
type TaskFilters struct {
	TaskType        TaskVariant `json:"task_type,omitempty"`
	DifficultyLevel Difficulty  `json:"difficulty_level,omitempty"`
	MinReward       Amount      `json:"min_reward,omitempty"`
	Publisher       string      `json:"publisher,omitempty"`
	Status          TaskStatus  `json:"status,omitempty"`
}

// ListTasksOptions are ai_list_active_tasks's params. Zero fields take the node's defaults
// (created_at, desc, 50, from the first).
type ListTasksOptions struct {
	Filters   TaskFilters
	SortBy    string // created_at, deadline, time_left, reward_amount or participants_count
	SortOrder string // asc or desc
	Limit     int    // 1–1000
	Offset    int
}

func (o ListTasksOptions) params() map[string]any {
	p := map[string]any{}
	if o.Filters != (TaskFilters{}) {
		p["filters"] = o.Filters
	}
	if o.SortBy != "" {
		p["sort_by"] = o.SortBy
	}
	if o.SortOrder != "" {
		p["sort_order"] = o.SortOrder
	}
	if o.Limit != 0 {
		p["limit"] = o.Limit
	}
	if o.Offset != 0 {
		p["offset"] = o.Offset
	}
	return p
}
