package mining

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tos-network/tos-ai/clients/go/tosai"
)

// Config is the TOS design's auto-mining configuration.
//
// In JSON (a config file, the conformance scenario) durations are whole seconds and the names
// are the design's: target_difficulties, max_concurrent_tasks, min_success_probability,
// min_time_left, check_interval, auto_submit_solutions, plus use_events and error_pause.
type Config struct {
	// TargetDifficulties are the difficulty levels the miner takes.
	TargetDifficulties []tosai.Difficulty
	// MaxConcurrentTasks bounds the joined tasks still active at once.
	MaxConcurrentTasks int
	// MinSuccessProbability (0–1) skips tasks whose estimated chance of winning is lower
	// (see SuccessProbability).
	MinSuccessProbability float64
	// MinTimeLeft skips tasks closer to their deadline.
	MinTimeLeft time.Duration
	// CheckInterval is the time between scans of the active tasks (the design's 60 s).
	CheckInterval time.Duration
	// AutoSubmitSolutions makes the miner solve and submit each task it joins.
	AutoSubmitSolutions bool
	// UseEvents makes the miner react to task_published events at once, between scans.
	UseEvents bool
	// ErrorPause is how long the loop waits after an error (the design's 30 s).
	ErrorPause time.Duration
}

// DefaultConfig is the design's example configuration: Intermediate and Advanced tasks, three
// at a time, a 40 % minimum chance, an hour left at least, a scan a minute, auto-submit on,
// events on, and a 30 s pause after an error.
func DefaultConfig() Config {
	return Config{
		TargetDifficulties:    []tosai.Difficulty{tosai.Intermediate, tosai.Advanced},
		MaxConcurrentTasks:    3,
		MinSuccessProbability: 0.4,
		MinTimeLeft:           time.Hour,
		CheckInterval:         60 * time.Second,
		AutoSubmitSolutions:   true,
		UseEvents:             true,
		ErrorPause:            30 * time.Second,
	}
}

// Validate reports the first setting the loop cannot run with.
func (c Config) Validate() error {
	if len(c.TargetDifficulties) == 0 {
		return errors.New("mining: target_difficulties is empty")
	}
	for _, d := range c.TargetDifficulties {
		if !slices.Contains(tosai.Difficulties, d) {
			return fmt.Errorf("mining: unknown difficulty %q (want one of %v)", d, tosai.Difficulties)
		}
	}
	switch {
	case c.MaxConcurrentTasks < 1:
		return errors.New("mining: max_concurrent_tasks must be at least 1")
	case c.MinSuccessProbability < 0 || c.MinSuccessProbability > 1:
		return errors.New("mining: min_success_probability must be between 0 and 1")
	case c.MinTimeLeft < 0:
		return errors.New("mining: min_time_left must not be negative")
	case c.CheckInterval <= 0:
		return errors.New("mining: check_interval must be positive")
	case c.ErrorPause < 0:
		return errors.New("mining: error_pause must not be negative")
	}
	return nil
}

type configJSON struct {
	TargetDifficulties    []tosai.Difficulty `json:"target_difficulties,omitempty"`
	MaxConcurrentTasks    *int               `json:"max_concurrent_tasks,omitempty"`
	MinSuccessProbability *float64           `json:"min_success_probability,omitempty"`
	MinTimeLeft           *float64           `json:"min_time_left,omitempty"`
	CheckInterval         *float64           `json:"check_interval,omitempty"`
	AutoSubmitSolutions   *bool              `json:"auto_submit_solutions,omitempty"`
	UseEvents             *bool              `json:"use_events,omitempty"`
	ErrorPause            *float64           `json:"error_pause,omitempty"`
}

func seconds(d time.Duration) *float64 { s := d.Seconds(); return &s }

func duration(s *float64, into *time.Duration) {
	if s != nil {
		*into = time.Duration(*s * float64(time.Second))
	}
}

// MarshalJSON writes the design's field names, durations in seconds.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(configJSON{
		TargetDifficulties: c.TargetDifficulties, MaxConcurrentTasks: &c.MaxConcurrentTasks,
		MinSuccessProbability: &c.MinSuccessProbability, MinTimeLeft: seconds(c.MinTimeLeft),
		CheckInterval: seconds(c.CheckInterval), AutoSubmitSolutions: &c.AutoSubmitSolutions,
		UseEvents: &c.UseEvents, ErrorPause: seconds(c.ErrorPause),
	})
}

// UnmarshalJSON sets the fields present in data and leaves the others as they are, so
// decoding onto DefaultConfig() (or another config) merges.
func (c *Config) UnmarshalJSON(data []byte) error {
	var in configJSON
	dec := json.NewDecoder(bytesReader(data))
	dec.DisallowUnknownFields() // a misspelt setting must not pass silently
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("mining config: %w", err)
	}
	if in.TargetDifficulties != nil {
		c.TargetDifficulties = in.TargetDifficulties
	}
	if in.MaxConcurrentTasks != nil {
		c.MaxConcurrentTasks = *in.MaxConcurrentTasks
	}
	if in.MinSuccessProbability != nil {
		c.MinSuccessProbability = *in.MinSuccessProbability
	}
	duration(in.MinTimeLeft, &c.MinTimeLeft)
	duration(in.CheckInterval, &c.CheckInterval)
	duration(in.ErrorPause, &c.ErrorPause)
	if in.AutoSubmitSolutions != nil {
		c.AutoSubmitSolutions = *in.AutoSubmitSolutions
	}
	if in.UseEvents != nil {
		c.UseEvents = *in.UseEvents
	}
	return nil
}
