package tosai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tos-network/tos-ai/clients/go/tosai"
)

// wsFake is a node whose event stream misbehaves on purpose: it drops connections, replays
// events a client already has and skips some, to prove the Subscription delivers each seq once.
type wsFake struct {
	*httptest.Server
	mu        sync.Mutex
	chainID   string
	log       []tosai.Event
	subscribe []uint64 // since_seq of each subscription
	// serve sends what one connection gets after the reply; it returns when the connection
	// should be dropped (or blocks until the client leaves).
	serve func(conn *websocket.Conn, connection int, since uint64)
}

func newWSFake(t *testing.T, events int) *wsFake {
	f := &wsFake{chainID: "chain-a"}
	for seq := 1; seq <= events; seq++ {
		f.log = append(f.log, tosai.Event{Name: tosai.EventTaskPublished, Seq: uint64(seq),
			Data: json.RawMessage(fmt.Sprintf(`{"task_id":"t%d"}`, seq))})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ai/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		_, data, err := conn.Read(r.Context())
		if err != nil {
			return
		}
		var req struct {
			Params struct {
				SinceSeq *uint64 `json:"since_seq"`
			} `json:"params"`
		}
		_ = json.Unmarshal(data, &req)
		f.mu.Lock()
		since := uint64(len(f.log))
		if req.Params.SinceSeq != nil {
			since = *req.Params.SinceSeq
		}
		f.subscribe = append(f.subscribe, since)
		connection, chain, head := len(f.subscribe), f.chainID, len(f.log)
		f.mu.Unlock()
		reply := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"result":{"head_seq":%d,"chain_id":%q}}`, head, chain)
		if conn.Write(r.Context(), websocket.MessageText, []byte(reply)) != nil {
			return
		}
		f.serve(conn, connection, since)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { // ai_get_events
		var req struct {
			Params struct {
				SinceSeq uint64 `json:"since_seq"`
				Limit    int    `json:"limit"`
			} `json:"params"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		defer f.mu.Unlock()
		page := f.after(req.Params.SinceSeq)
		if req.Params.Limit > 0 && len(page) > req.Params.Limit {
			page = page[:req.Params.Limit]
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": 1, "result": map[string]any{
			"events": page, "head_seq": len(f.log), "oldest_seq": 1, "chain_id": f.chainID}})
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *wsFake) after(seq uint64) []tosai.Event {
	if seq >= uint64(len(f.log)) {
		return nil
	}
	return f.log[seq:]
}

func (f *wsFake) send(conn *websocket.Conn, events ...tosai.Event) error {
	for _, ev := range events {
		data, _ := json.Marshal(ev)
		if err := conn.Write(context.Background(), websocket.MessageText, data); err != nil {
			return err
		}
	}
	return nil
}

func collect(t *testing.T, sub *tosai.Subscription, n int) []uint64 {
	t.Helper()
	var seqs []uint64
	timeout := time.After(10 * time.Second)
	for len(seqs) < n {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				t.Fatalf("the stream ended after %v: %v", seqs, <-sub.Err())
			}
			seqs = append(seqs, ev.Seq)
		case <-timeout:
			t.Fatalf("only %v arrived", seqs)
		}
	}
	return seqs
}

func consecutive(from, to uint64) string {
	var want []uint64
	for s := from; s <= to; s++ {
		want = append(want, s)
	}
	return fmt.Sprint(want)
}

func TestTheStreamDeliversEverySeqOnceAcrossMisbehavingReconnections(t *testing.T) {
	f := newWSFake(t, 30)
	f.serve = func(conn *websocket.Conn, connection int, since uint64) {
		f.mu.Lock()
		events := append([]tosai.Event(nil), f.log...)
		f.mu.Unlock()
		switch connection {
		case 1: // seqs 1-10, then the connection drops
			_ = f.send(conn, events[since:10]...)
		case 2: // replays 8-12 (three the client has), skips 13-14, then sends 15-20 and drops
			_ = f.send(conn, events[7:12]...)
			_ = f.send(conn, events[14:20]...)
		case 3: // the node drops a slow consumer
			_ = f.send(conn, events[since:since+2]...)
			_ = conn.Write(context.Background(), websocket.MessageText,
				[]byte(`{"event":"subscription_dropped","reason":"slow_consumer","last_seq":22}`))
		default:
			_ = f.send(conn, events[since:]...)
			_, _, _ = conn.Read(context.Background()) // stay until the client leaves
		}
	}
	c := newClient(t, f.URL)
	sub, err := c.Subscribe(context.Background(), tosai.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if got := fmt.Sprint(collect(t, sub, 30)); got != consecutive(1, 30) {
		t.Fatalf("got %s", got)
	}
	if sub.Cursor() != 30 || sub.Reconnects() != 3 {
		t.Errorf("cursor %d, reconnects %d", sub.Cursor(), sub.Reconnects())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if fmt.Sprint(f.subscribe) != "[0 10 20 22]" {
		t.Errorf("subscribed from %v, want each time from the last seq delivered", f.subscribe)
	}
}

func TestTheStreamSaysSoWhenTheChainWasReset(t *testing.T) {
	f := newWSFake(t, 5)
	f.serve = func(conn *websocket.Conn, connection int, since uint64) {
		if connection == 1 {
			_ = f.send(conn, f.log[since:]...)
			f.mu.Lock()
			f.chainID = "chain-b" // reset while connected: the connection drops
			f.mu.Unlock()
			return
		}
		_, _, _ = conn.Read(context.Background())
	}
	c := newClient(t, f.URL)
	sub, err := c.Subscribe(context.Background(), tosai.SubscribeOptions{ChainID: "chain-a"})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	collect(t, sub, 5)
	var reset *tosai.ChainResetError
	select {
	case err := <-sub.Err():
		if !errors.As(err, &reset) || reset.OldChainID != "chain-a" || reset.NewChainID != "chain-b" || reset.LastSeq != 5 {
			t.Fatalf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no error")
	}
	if _, open := <-sub.Events(); open {
		t.Error("the events channel is still open")
	}
	// Subscribing with a cursor of another chain fails at once.
	if _, err := c.Subscribe(context.Background(), tosai.SubscribeOptions{ChainID: "chain-a", SinceSeq: 5}); !errors.As(err, &reset) {
		t.Errorf("got %v", err)
	}
}

func TestTheStreamEndsWhenTheNodeNoLongerKeepsTheEvents(t *testing.T) {
	f := newWSFake(t, 5)
	f.serve = func(conn *websocket.Conn, connection int, since uint64) {
		_ = conn.Write(context.Background(), websocket.MessageText,
			[]byte(`{"event":"resync_required","oldest_seq":4,"head_seq":5,"message":"reload"}`))
		_, _, _ = conn.Read(context.Background())
	}
	c := newClient(t, f.URL)
	sub, err := c.Subscribe(context.Background(), tosai.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var resync *tosai.ResyncRequiredError
	if err := <-sub.Err(); !errors.As(err, &resync) || resync.OldestSeq != 4 || resync.HeadSeq != 5 {
		t.Fatalf("got %v", err)
	}
}

func TestClosingTheStreamStopsItQuietly(t *testing.T) {
	f := newWSFake(t, 3)
	f.serve = func(conn *websocket.Conn, _ int, since uint64) {
		_ = f.send(conn, f.log[since:]...)
		_, _, _ = conn.Read(context.Background())
	}
	c := newClient(t, f.URL)
	sub, err := c.Subscribe(context.Background(), tosai.SubscribeOptions{Live: true})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Cursor() != 3 {
		t.Errorf("a live stream starts at the head, got cursor %d", sub.Cursor())
	}
	done := make(chan struct{})
	go func() { sub.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if err, open := <-sub.Err(); open || err != nil {
		t.Errorf("Err after Close: %v %v", err, open)
	}
}
