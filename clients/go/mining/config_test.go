package mining_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tos-network/tos-ai/clients/go/mining"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func TestTheDefaultsAreTheDesigns(t *testing.T) {
	cfg := mining.DefaultConfig()
	if cfg.CheckInterval != 60*time.Second || cfg.ErrorPause != 30*time.Second || !cfg.AutoSubmitSolutions ||
		!cfg.UseEvents || cfg.MaxConcurrentTasks != 3 || cfg.MinTimeLeft != time.Hour || cfg.MinSuccessProbability != 0.4 {
		t.Errorf("defaults %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}

func TestAConfigFileMergesOntoTheDefaults(t *testing.T) {
	cfg := mining.DefaultConfig()
	err := json.Unmarshal([]byte(`{"target_difficulties": ["Beginner"], "check_interval": 2, "min_time_left": 600, "use_events": false}`), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := mining.DefaultConfig()
	want.TargetDifficulties = []tosai.Difficulty{tosai.Beginner}
	want.CheckInterval, want.MinTimeLeft, want.UseEvents = 2*time.Second, 600*time.Second, false
	if got, _ := json.Marshal(cfg); string(got) != mustJSON(want) {
		t.Errorf("got %s, want %s", got, mustJSON(want))
	}
	var back mining.Config
	if err := json.Unmarshal([]byte(mustJSON(cfg)), &back); err != nil || mustJSON(back) != mustJSON(cfg) {
		t.Errorf("round trip: %s (%v)", mustJSON(back), err)
	}
}

func mustJSON(v any) string { data, _ := json.Marshal(v); return string(data) }

func TestAMisspeltSettingIsRefused(t *testing.T) {
	cfg := mining.DefaultConfig()
	err := json.Unmarshal([]byte(`{"check_intervall": 2}`), &cfg)
	if err == nil || !strings.Contains(err.Error(), "check_intervall") {
		t.Errorf("got %v", err)
	}
}

func TestValidateRefusesWhatTheLoopCannotRunWith(t *testing.T) {
	for name, change := range map[string]func(*mining.Config){
		"no difficulty":       func(c *mining.Config) { c.TargetDifficulties = nil },
		"unknown difficulty":  func(c *mining.Config) { c.TargetDifficulties = []tosai.Difficulty{"Easy"} },
		"no slot":             func(c *mining.Config) { c.MaxConcurrentTasks = 0 },
		"probability above 1": func(c *mining.Config) { c.MinSuccessProbability = 1.5 },
		"no interval":         func(c *mining.Config) { c.CheckInterval = 0 },
		"negative time left":  func(c *mining.Config) { c.MinTimeLeft = -time.Second },
	} {
		cfg := mining.DefaultConfig()
		change(&cfg)
		if cfg.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSuccessProbability(t *testing.T) {
	for _, c := range []struct {
		difficulty   tosai.Difficulty
		participants int
		reputation   int
		want         float64
	}{
		{tosai.Beginner, 0, 500, 0.9 * 0.75},
		{tosai.Beginner, 4, 500, 0.9 * 0.75 / 2},
		{tosai.Expert, 0, 1000, 0.35},
		{tosai.Advanced, 0, 0, 0.55 * 0.5},
		{tosai.Intermediate, 0, 5000, 0.75}, // reputation is clamped to 1000
	} {
		got := mining.SuccessProbability(c.difficulty, c.participants, c.reputation)
		if diff := got - c.want; diff > 1e-12 || diff < -1e-12 {
			t.Errorf("%+v: got %v", c, got)
		}
	}
}
