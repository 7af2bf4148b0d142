package tosai_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tos-network/tos-ai/clients/go/tosai"
)

// fakeNode answers JSON-RPC with handler(method, params) -> (result, error object).
type fakeNode struct {
	*httptest.Server
	calls    sync.Map // method -> *atomic.Int64
	conns    atomic.Int64
	handler  func(method string, params json.RawMessage) (any, map[string]any)
	rawReply func(w http.ResponseWriter, method string) bool
}

func newFakeNode(t *testing.T, handler func(method string, params json.RawMessage) (any, map[string]any)) *fakeNode {
	f := &fakeNode{handler: handler}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		counter, _ := f.calls.LoadOrStore(req.Method, new(atomic.Int64))
		counter.(*atomic.Int64).Add(1)
		if f.rawReply != nil && f.rawReply(w, req.Method) {
			return
		}
		result, rpcErr := f.handler(req.Method, req.Params)
		reply := map[string]any{"jsonrpc": "2.0", "id": req.ID}
		if rpcErr != nil {
			reply["error"] = rpcErr
		} else {
			reply["result"] = result
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(reply)
	}))
	f.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.Start()
	t.Cleanup(f.Close)
	return f
}

func (f *fakeNode) count(method string) int64 {
	v, ok := f.calls.Load(method)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

func newClient(t *testing.T, url string, opts ...tosai.Option) *tosai.Client {
	t.Helper()
	c, err := tosai.NewClient(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

var fastRetry = tosai.WithRetry(tosai.RetryPolicy{Attempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})

func TestReadsAreRetriedAfterTransientFailures(t *testing.T) {
	var failures atomic.Int64
	node := newFakeNode(t, func(method string, _ json.RawMessage) (any, map[string]any) {
		return "devnode/0.1.0", nil
	})
	node.rawReply = func(w http.ResponseWriter, method string) bool {
		if failures.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return true
		}
		return false
	}
	c := newClient(t, node.URL, fastRetry)
	version, err := c.Version(context.Background())
	if err != nil || version != "devnode/0.1.0" {
		t.Fatalf("version %q, %v", version, err)
	}
	if got := node.count("get_version"); got != 3 {
		t.Errorf("get_version was sent %d times, want 3 (two 503s, then the answer)", got)
	}
}

func TestReadsGiveUpAfterTheLastAttempt(t *testing.T) {
	node := newFakeNode(t, func(string, json.RawMessage) (any, map[string]any) {
		return nil, map[string]any{"code": -32603, "message": "the node failed"}
	})
	c := newClient(t, node.URL, fastRetry)
	_, err := c.Info(context.Background())
	var internal *tosai.InternalError
	if !errors.As(err, &internal) || internal.Method != "get_info" {
		t.Fatalf("got %v", err)
	}
	if got := node.count("get_info"); got != 4 {
		t.Errorf("sent %d times, want 4", got)
	}
}

func TestWritesAreNeverRetried(t *testing.T) {
	node := newFakeNode(t, func(string, json.RawMessage) (any, map[string]any) { return nil, nil })
	node.rawReply = func(w http.ResponseWriter, method string) bool {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return true
	}
	c := newClient(t, node.URL, fastRetry)
	_, err := c.DevAccount("").PublishTask(context.Background(), tosai.TaskData{
		TaskType: tosai.GeneralTask(""), RewardAmount: tosai.TOS(60)})
	var transport *tosai.TransportError
	if !errors.As(err, &transport) || transport.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got %v", err)
	}
	if got := node.count("ai_publish_task"); got != 1 {
		t.Errorf("the write was sent %d times", got)
	}
}

func TestRefusalsAreNotRetried(t *testing.T) {
	node := newFakeNode(t, func(string, json.RawMessage) (any, map[string]any) {
		return nil, map[string]any{"code": -32001, "message": "unknown task", "data": map[string]any{"field": "task_id"}}
	})
	c := newClient(t, node.URL, fastRetry)
	_, err := c.TaskDetails(context.Background(), "00")
	var unknown *tosai.UnknownEntityError
	if !errors.As(err, &unknown) || unknown.Field() != "task_id" {
		t.Fatalf("got %v", err)
	}
	if node.count("ai_get_task_details") != 1 {
		t.Error("a refusal was retried")
	}
}

func TestCallsTimeOut(t *testing.T) {
	release := make(chan struct{})
	node := newFakeNode(t, func(string, json.RawMessage) (any, map[string]any) { <-release; return 1, nil })
	defer close(release)
	c := newClient(t, node.URL, tosai.WithTimeout(50*time.Millisecond), tosai.WithRetry(tosai.NoRetry))
	started := time.Now()
	_, err := c.Info(context.Background())
	var transport *tosai.TransportError
	if !errors.As(err, &transport) || !transport.Timeout() {
		t.Fatalf("got %v", err)
	}
	if elapsed := time.Since(started); elapsed > 2*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

func TestConnectionsAreReused(t *testing.T) {
	node := newFakeNode(t, func(string, json.RawMessage) (any, map[string]any) { return "v", nil })
	c := newClient(t, node.URL)
	for range 50 {
		if _, err := c.Version(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := node.conns.Load(); got != 1 {
		t.Errorf("50 sequential calls opened %d connections", got)
	}
}

func TestMalformedRepliesAreResponseErrors(t *testing.T) {
	node := newFakeNode(t, func(string, json.RawMessage) (any, map[string]any) {
		return map[string]any{"balance": "12.5"}, nil
	})
	c := newClient(t, node.URL)
	_, err := c.Balance(context.Background(), tosai.NetworkAccount)
	var malformed *tosai.ResponseError
	if !errors.As(err, &malformed) {
		t.Fatalf("got %v", err)
	}
}

// strictNode checks signed writes as the devnode does: chain id, signature, then nonce.
type strictNode struct {
	mu      sync.Mutex
	chainID string
	nonces  map[string]uint64
	spent   []uint64
}

func (s *strictNode) handle(method string, params json.RawMessage) (any, map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch method {
	case "get_info":
		return map[string]any{"network": "devnet", "chain_id": s.chainID, "head_seq": 0}, nil
	case "get_nonce":
		var p struct{ Address string }
		_ = json.Unmarshal(params, &p)
		return map[string]any{"address": p.Address, "nonce": s.nonces[p.Address]}, nil
	}
	var p struct{ Auth tosai.Auth }
	_ = json.Unmarshal(params, &p)
	if p.Auth.ChainID != s.chainID {
		return nil, map[string]any{"code": -32004, "message": "wrong chain",
			"data": map[string]any{"rule": "chain_id", "expected": s.chainID}}
	}
	_, pub, err := tosai.ParseAddress(tosai.DevnetHRP, p.Auth.Address)
	sig, _ := hex.DecodeString(p.Auth.Signature)
	if err != nil || !tosai.VerifyRequest(ed25519.PublicKey(pub), method, params, p.Auth.Nonce, s.chainID, "devnet", sig) {
		return nil, map[string]any{"code": -32004, "message": "bad signature", "data": map[string]any{"rule": "signature"}}
	}
	if want := s.nonces[p.Auth.Address]; p.Auth.Nonce != want {
		return nil, map[string]any{"code": -32004, "message": "nonce",
			"data": map[string]any{"rule": "nonce", "expected": want}}
	}
	s.nonces[p.Auth.Address]++
	s.spent = append(s.spent, p.Auth.Nonce)
	return map[string]any{"task_id": fmt.Sprint(p.Auth.Nonce), "status": "published", "deadline": 1}, nil
}

func TestConcurrentSignedWritesNeverReuseANonce(t *testing.T) {
	strict := &strictNode{chainID: "c0ffee", nonces: map[string]uint64{}}
	node := newFakeNode(t, strict.handle)
	c := newClient(t, node.URL)
	w, _ := tosai.GenerateWallet()
	account := c.Account(w)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := account.PublishTask(context.Background(), tosai.TaskData{
				TaskType: tosai.GeneralTask(""), RewardAmount: tosai.TOS(60)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(strict.spent) != 64 || strict.nonces[w.Address()] != 64 {
		t.Fatalf("spent %v", strict.spent)
	}
	if got := node.count("get_nonce"); got != 1 {
		t.Errorf("read the nonce %d times; once is enough while every write succeeds", got)
	}
}

func TestASignedWriteFollowsAChainResetAndAnotherClientsNonces(t *testing.T) {
	strict := &strictNode{chainID: "old", nonces: map[string]uint64{}}
	node := newFakeNode(t, strict.handle)
	c := newClient(t, node.URL)
	w, _ := tosai.GenerateWallet()
	publish := func() error {
		_, err := c.Account(w).PublishTask(context.Background(), tosai.TaskData{
			TaskType: tosai.GeneralTask(""), RewardAmount: tosai.TOS(60)})
		return err
	}
	if err := publish(); err != nil {
		t.Fatal(err)
	}
	strict.mu.Lock()
	strict.chainID, strict.nonces = "new", map[string]uint64{} // a reset
	strict.mu.Unlock()
	if err := publish(); err != nil {
		t.Fatalf("after the reset: %v", err)
	}
	strict.mu.Lock()
	strict.nonces[w.Address()] += 3 // another process spent three
	strict.mu.Unlock()
	if err := publish(); err != nil {
		t.Fatalf("after another client's writes: %v", err)
	}
	if want := []uint64{0, 0, 4}; fmt.Sprint(strict.spent) != fmt.Sprint(want) {
		t.Errorf("nonces spent %v, want %v", strict.spent, want)
	}
}

func TestTheAdminTokenGoesWithDevMethodsOnly(t *testing.T) {
	seen := map[string]string{}
	var mu sync.Mutex
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Method string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		seen[req.Method] = r.Header.Get("Authorization")
		mu.Unlock()
		_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":{"topoheight":1,"timestamp":2}}`))
	}))
	defer server.Close()
	c := newClient(t, server.URL, tosai.WithAdminToken("a-token-of-sixteen-chars"))
	_, _ = c.DevMine(context.Background(), 1)
	_, _ = c.Info(context.Background())
	if seen["dev_mine"] != "Bearer a-token-of-sixteen-chars" || seen["get_info"] != "" {
		t.Errorf("headers %v", seen)
	}
}
