package mining_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tos-network/tos-ai/clients/go/mining"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

type activities struct {
	mu   sync.Mutex
	list []mining.Activity
}

func (a *activities) add(x mining.Activity) { a.mu.Lock(); a.list = append(a.list, x); a.mu.Unlock() }

func (a *activities) kinds() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var kinds []string
	for _, x := range a.list {
		kinds = append(kinds, x.Kind)
	}
	return strings.Join(kinds, " ")
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestTheLoopPausesAfterAnErrorAndStillStopsAtOnce(t *testing.T) {
	var calls atomic.Int64
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "the node is restarting", http.StatusServiceUnavailable)
	}))
	defer node.Close()
	client, err := tosai.NewClient(node.URL, tosai.WithRetry(tosai.RetryPolicy{Attempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := tosai.GenerateWallet()
	cfg := mining.DefaultConfig()
	cfg.UseEvents = false
	cfg.CheckInterval = 10 * time.Millisecond // a scan is due all the time: only the pause holds it back
	seen := &activities{}
	m, err := mining.New(client, client.Account(w), cfg, nil, mining.WithObserver(seen.add), mining.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	time.Sleep(300 * time.Millisecond)
	if got := seen.kinds(); got != "error paused" {
		t.Errorf("activities %q, want one error and the pause", got)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("the node was asked %d times during the pause, want the 2 tries of one read", got)
	}
	stopped := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return during its pause")
	}
	if took := time.Since(stopped); took > time.Second {
		t.Errorf("stopping took %v", took)
	}
	if s := m.Stats(); s.Errors != 1 || s.Scans != 0 {
		t.Errorf("stats %+v", s)
	}
}
