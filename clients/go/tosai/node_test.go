package tosai_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/tos-network/tos-ai/clients/go/internal/testnode"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func nodeClient(t *testing.T) *tosai.Client {
	env := testnode.Node(t)
	return newClient(t, env.URL)
}

func TestEveryReadAndDevMethodAnswersTyped(t *testing.T) {
	c := nodeClient(t)
	ctx := context.Background()
	devs, err := c.DevAccounts(ctx)
	if err != nil || len(devs) == 0 {
		t.Fatalf("dev_accounts: %v %v", devs, err)
	}
	dev := c.DevAccount(devs[0].Address)
	task, err := dev.PublishTask(ctx, tosai.TaskData{TaskType: tosai.DataAnalysis("TimeSeries"), RewardAmount: 20_000_000_000})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = dev.CancelTask(ctx, task.TaskID) }()
	checks := map[string]func() error{
		"get_network_info":    func() error { _, err := c.NetworkInfo(ctx); return err },
		"ai_get_network_info": func() error { _, err := c.AINetworkInfo(ctx); return err },
		"ai_list_active_tasks": func() error {
			_, err := c.ListActiveTasks(ctx, tosai.ListTasksOptions{Filters: tosai.TaskFilters{MinReward: 1, Status: tosai.StatusPublished}, Limit: 5})
			return err
		},
		"ai_get_task_details":      func() error { _, err := c.TaskDetails(ctx, task.TaskID); return err },
		"ai_get_miner_stats":       func() error { _, err := c.MinerStats(ctx, devs[0].Address); return err },
		"ai_get_events":            func() error { _, err := c.Events(ctx, 0, 5); return err },
		"ai_get_rules":             func() error { _, err := c.Rules(ctx); return err },
		"get_info":                 func() error { _, err := c.Info(ctx); return err },
		"get_version":              func() error { _, err := c.Version(ctx); return err },
		"get_balance":              func() error { _, err := c.Balance(ctx, devs[0].Address); return err },
		"get_nonce":                func() error { _, err := c.Nonce(ctx, devs[0].Address); return err },
		"get_ai_mining_statistics": func() error { _, err := c.MiningStatistics(ctx); return err },
		"get_ai_mining_task": func() error {
			d, err := c.MiningTask(ctx, task.TaskID)
			if err == nil && d.TaskType != tosai.DataAnalysis("TimeSeries") {
				return errors.New("wrong task type")
			}
			return err
		},
		"get_ai_mining_miner":        func() error { _, err := c.MiningMiner(ctx, devs[0].Address); return err },
		"get_ai_mining_active_tasks": func() error { _, err := c.MiningActiveTasks(ctx); return err },
		"get_ai_mining_state":        func() error { _, err := c.MiningState(ctx); return err },
		"rpc.discover":               func() error { _, err := c.Discover(ctx); return err },
		"dev_faucet":                 func() error { _, err := c.DevFaucet(ctx, tosai.NetworkAccount, 1); return err },
		"dev_increase_time":          func() error { _, err := c.DevIncreaseTime(ctx, 0); return err },
		"dev_mine":                   func() error { _, err := c.DevMine(ctx, 1); return err },
	}
	for name, check := range checks {
		if err := check(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Every method of the node's OpenRPC document has a typed call here (or is a write).
	doc, err := c.Discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var openrpc struct{ Methods []struct{ Name string } }
	if err := json.Unmarshal(doc, &openrpc); err != nil {
		t.Fatal(err)
	}
	writes := map[string]bool{"ai_publish_task": true, "ai_register_miner": true, "ai_participate_task": true,
		"ai_submit_solution": true, "ai_validate_submission": true, "ai_cancel_task": true, "dev_accounts": true}
	for _, m := range openrpc.Methods {
		if checks[m.Name] == nil && !writes[m.Name] {
			t.Errorf("the node has %s, which the Go client has no typed call for", m.Name)
		}
	}
}

func TestSignedWritesFromManyGoroutinesAgainstTheNode(t *testing.T) {
	c := nodeClient(t)
	ctx := context.Background()
	w, _ := tosai.GenerateWallet()
	if _, err := c.DevFaucet(ctx, w.Address(), tosai.TOS(10_000)); err != nil {
		t.Fatal(err)
	}
	publisher := c.Account(w)
	const n = 16
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task, err := publisher.PublishTask(ctx, tosai.TaskData{Title: "Go client: concurrent publication",
				TaskType: tosai.GeneralTask(""), RewardAmount: 20_000_000_000})
			if err != nil {
				t.Error(err)
				return
			}
			ids <- task.TaskID
		}()
	}
	wg.Wait()
	close(ids)
	for id := range ids { // cancelling them concurrently too
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := publisher.CancelTask(ctx, id); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if nonce, err := c.Nonce(ctx, w.Address()); err != nil || nonce != 2*n {
		t.Errorf("nonce %d (%v), want %d", nonce, err, 2*n)
	}
}
