package mining_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tos-network/tos-ai/clients/go/internal/testnode"
	"github.com/tos-network/tos-ai/clients/go/mining"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

// rulesNode is a scripted node for one scan: the rules it publishes (nil: it has no
// ai_get_rules), the tasks it lists, the miner's reputation, and the tasks the miner joins.
type rulesNode struct {
	rules      map[string]any
	tasks      []map[string]any
	reputation int

	mu     sync.Mutex
	joined []string
	asked  int // ai_get_rules requests
}

func (n *rulesNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params map[string]any  `json:"params"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	var result any
	n.mu.Lock()
	defer n.mu.Unlock()
	switch req.Method {
	case "ai_get_rules":
		n.asked++
		if n.rules == nil {
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"method not found"}}`, req.ID)
			return
		}
		result = n.rules
	case "ai_get_miner_stats":
		result = map[string]any{"miner_address": req.Params["miner_address"], "is_registered": true,
			"reputation": n.reputation, "total_earnings": "0", "current_stake": "0", "balance": "0"}
	case "ai_list_active_tasks":
		result = n.tasks
		if offset, _ := req.Params["offset"].(float64); offset > 0 {
			result = []any{}
		}
	case "ai_participate_task":
		id, _ := req.Params["task_id"].(string)
		n.joined = append(n.joined, id)
		result = map[string]any{"participation_id": fmt.Sprintf("%064x", len(n.joined)), "task_id": id, "stake_amount": "1"}
	default:
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"unscripted %s"}}`, req.ID, req.Method)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": result})
}

// scan runs the miner until its first scan and returns the tasks it joined.
func (n *rulesNode) scan(t *testing.T) []string {
	t.Helper()
	server := httptest.NewServer(n)
	defer server.Close()
	client, err := tosai.NewClient(server.URL, tosai.WithRetry(tosai.NoRetry))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := tosai.GenerateWallet()
	cfg := mining.DefaultConfig()
	cfg.TargetDifficulties = []tosai.Difficulty{tosai.Beginner, tosai.Intermediate}
	cfg.MinSuccessProbability, cfg.MinTimeLeft, cfg.UseEvents, cfg.AutoSubmitSolutions = 0, 0, false, false
	ctx, cancel := context.WithCancel(context.Background())
	scanned := make(chan mining.Activity, 10)
	m, err := mining.New(client, client.DevAccount(w.Address()), cfg, nil, mining.WithLogger(quiet()),
		mining.WithObserver(func(a mining.Activity) {
			if a.Kind == "scan" || a.Kind == "error" {
				scanned <- a
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	select {
	case a := <-scanned:
		if a.Kind == "error" {
			t.Errorf("the scan failed: %v", a.Err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no scan within 5 s")
	}
	cancel()
	<-done
	n.mu.Lock()
	defer n.mu.Unlock()
	slices.Sort(n.joined)
	return n.joined
}

func publishedRules(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testnode.ConformanceDir(t), "vectors", "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Rules map[string]any }
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	return file.Rules
}

func fakeTask(n int, level tosai.Difficulty, status tosai.TaskStatus) map[string]any {
	return map[string]any{"task_id": fmt.Sprintf("%064x", n), "title": "t", "task_type": "GeneralTask",
		"difficulty_level": level, "reward_amount": "20000000000", "stake_required": "0", "deadline": 1 << 40,
		"time_left": 86400, "participants_count": 0, "max_participants": 5, "submissions_count": 0,
		"publisher": "tst1someoneelse", "status": status}
}

func TestTheMinerJoinsOnlyLevelsItsReputationMayJoinByTheNodesRules(t *testing.T) {
	tasks := []map[string]any{fakeTask(1, tosai.Beginner, tosai.StatusPublished), fakeTask(2, tosai.Intermediate, tosai.StatusPublished)}
	strict := &rulesNode{rules: publishedRules(t), tasks: tasks, reputation: 250}
	if got := strict.scan(t); !slices.Equal(got, []string{fmt.Sprintf("%064x", 1)}) {
		t.Errorf("joined %v; Intermediate needs 300 to join", got)
	}
	if strict.asked != 1 {
		t.Errorf("ai_get_rules asked %d times", strict.asked)
	}
	lenient := publishedRules(t)
	level := lenient["difficulty_levels"].([]any)[1].(map[string]any)
	level["min_reputation"].(map[string]any)["participate"] = 200
	both := &rulesNode{rules: lenient, tasks: tasks, reputation: 250}
	if got := both.scan(t); len(got) != 2 {
		t.Errorf("joined %v, want both once the node asks 200 for Intermediate", got)
	}
}

func TestTheMinerJoinsOnlyTheStatusesTheNodeCallsOpen(t *testing.T) {
	tasks := []map[string]any{fakeTask(1, tosai.Beginner, tosai.StatusPublished), fakeTask(2, tosai.Beginner, tosai.StatusInProgress)}
	rules := publishedRules(t)
	rules["statuses"].(map[string]any)["open"] = []string{"Published"}
	node := &rulesNode{rules: rules, tasks: tasks, reputation: 500}
	if got := node.scan(t); !slices.Equal(got, []string{fmt.Sprintf("%064x", 1)}) {
		t.Errorf("joined %v, want only the Published task", got)
	}
}

func TestWithoutAiGetRulesTheMinerKeepsThePackagesOwnRules(t *testing.T) {
	tasks := []map[string]any{fakeTask(1, tosai.Beginner, tosai.StatusPublished), fakeTask(2, tosai.Intermediate, tosai.StatusInProgress)}
	node := &rulesNode{tasks: tasks, reputation: 250}
	if got := node.scan(t); len(got) != 2 {
		t.Errorf("joined %v, want both (no reputation check without the node's rules)", got)
	}
}
