package mining_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tos-network/tos-ai/clients/go/internal/testnode"
	"github.com/tos-network/tos-ai/clients/go/mining"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func fundedAccount(t *testing.T, c *tosai.Client, register bool) *tosai.Account {
	t.Helper()
	ctx := context.Background()
	w, err := tosai.GenerateWallet()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DevFaucet(ctx, w.Address(), tosai.TOS(10_000)); err != nil {
		t.Fatal(err)
	}
	a := c.Account(w)
	if register {
		if _, err := a.RegisterMiner(ctx, tosai.MinerConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// Beginner rewards at the top of the range, so that these tasks are the best any other test's
// leftovers could offer.
func beginnerTask(title string, reward tosai.Amount, hours float64) tosai.TaskData {
	return tosai.TaskData{Title: title, TaskType: tosai.GeneralTask("go-miner-test"), RewardAmount: reward,
		DifficultyLevel: tosai.Beginner, MaxParticipants: 1, DeadlineHours: hours}
}

func TestTheLoopTakesOnlyWhatItsSettingsAllow(t *testing.T) {
	env := testnode.Node(t)
	ctx := context.Background()
	c, err := tosai.NewClient(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	publisher, miner := fundedAccount(t, c, false), fundedAccount(t, c, true)
	publish := func(data tosai.TaskData) string {
		task, err := publisher.PublishTask(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		return task.TaskID
	}
	best := publish(beginnerTask("Go miner test: the best task", 14_990_000_000, 24))
	second := publish(beginnerTask("Go miner test: the second best", 14_980_000_000, 24))
	closing := publish(beginnerTask("Go miner test: too little time left", 14_995_000_000, 0.1)) // 6 minutes
	t.Cleanup(func() {
		for _, id := range []string{second, closing} {
			_, _ = publisher.CancelTask(ctx, id) // leave nothing open for the next client's miner
		}
	})

	cfg := mining.DefaultConfig()
	cfg.TargetDifficulties = []tosai.Difficulty{tosai.Beginner}
	cfg.MaxConcurrentTasks = 1
	cfg.MinSuccessProbability = 0
	cfg.MinTimeLeft = 10 * time.Minute
	seen := &activities{}
	m, err := mining.New(c, miner, cfg, nil, mining.WithObserver(seen.add), mining.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()
	deadline := time.Now().Add(20 * time.Second)
	for m.Stats().Submitted < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// A new task while the only slot is taken: the event arrives, and is not taken.
	late := publish(beginnerTask("Go miner test: published while the slot is full", 14_999_000_000, 24))
	t.Cleanup(func() { _, _ = publisher.CancelTask(ctx, late) })
	time.Sleep(500 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	seen.mu.Lock()
	defer seen.mu.Unlock()
	var joined []string
	for _, a := range seen.list {
		if a.Kind == "joined" {
			joined = append(joined, a.TaskID)
		}
	}
	// max_concurrent_tasks 1: one task, the best suitable one (an earlier client's leftover may
	// pay as much), never the one with too little time left, nor the one published later.
	if len(joined) != 1 || slices.Contains([]string{second, closing, late}, joined[0]) {
		t.Fatalf("joined %v; want one task, the best suitable (%s)", joined, best)
	}
	details, err := c.TaskDetails(ctx, joined[0])
	if err != nil {
		t.Fatal(err)
	}
	if details.RewardAmount < 14_990_000_000 {
		t.Errorf("joined a task paying %s while %s paid more", details.RewardAmount.FormatTOS(), best)
	}
	if len(details.Submissions) != 1 || details.Submissions[0].Submitter != miner.Address() ||
		details.Submissions[0].SolutionData.Content == "" {
		t.Errorf("the best task's submissions: %+v", details.Submissions)
	}
}
