package tosai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// SubscribeOptions say which events a Subscription delivers and from where.
type SubscribeOptions struct {
	// Events are the names to receive (EventTaskPublished, ...); empty for every event.
	Events []string
	// SinceSeq is the cursor to start from: events with a greater seq are delivered, the ones
	// the node kept first, then live ones. 0 replays every kept event.
	SinceSeq uint64
	// Live ignores SinceSeq and delivers only events committed after the subscription.
	Live bool
	// ChainID is the chain SinceSeq counts on (get_info's chain_id). When set and the node is
	// on another chain, Subscribe fails with a *ChainResetError; when empty, the chain of the
	// first reply is taken.
	ChainID string
	// Buffer is the capacity of the Events channel (default 256).
	Buffer int
	// MaxBackoff caps the wait between reconnection attempts (default 2 s).
	MaxBackoff time.Duration
}

// Subscription is a stream of node events over /ai/ws that survives disconnects: after any
// drop (node restart, network failure, the node dropping a slow consumer) it reconnects with
// backoff and subscribes again from the last seq it delivered, so no event is skipped or
// repeated. For an unfiltered stream it also checks that seqs are consecutive and fetches any
// missing ones over HTTP (ai_get_events).
//
// The stream ends when Close is called, when the context given to Subscribe is done, or when it
// cannot go on without skipping events: the node's chain was reset (*ChainResetError) or the
// events after the cursor are no longer kept (*ResyncRequiredError). Err then yields the reason
// (nothing after Close) and both channels are closed.
type Subscription struct {
	c       *Client
	opts    SubscribeOptions
	all     bool
	events  chan Event
	errc    chan error
	cancel  context.CancelFunc
	done    chan struct{}
	closed  atomic.Bool
	cursor  atomic.Uint64
	chainID string

	reconnects atomic.Int64
	once       sync.Once
}

// ChainResetError says the node is on another chain than the one the stream's cursor counts
// on: it was reset (a devnode's state deleted), so its seqs start again from 1. Subscribe from
// 0 with NewChainID to follow the new chain.
type ChainResetError struct {
	OldChainID string
	NewChainID string
	LastSeq    uint64 // the last seq delivered on the old chain
}

func (e *ChainResetError) Error() string {
	return fmt.Sprintf("tosai: the node's chain was reset: chain %s (last seq %d) is now chain %s",
		e.OldChainID, e.LastSeq, e.NewChainID)
}

// ResyncRequiredError says the events after the cursor are no longer kept by the node: reload
// state with the read methods, then subscribe from HeadSeq.
type ResyncRequiredError struct {
	LastSeq   uint64
	OldestSeq uint64
	HeadSeq   uint64
}

func (e *ResyncRequiredError) Error() string {
	return fmt.Sprintf("tosai: events after seq %d are no longer kept (oldest %d, head %d): reload state, then resubscribe",
		e.LastSeq, e.OldestSeq, e.HeadSeq)
}

// Subscribe opens an event stream. It returns once the node has accepted the subscription, or
// with the node's refusal (an unknown event name is an *InvalidParamsError), a *ChainResetError,
// or a *TransportError when the node cannot be reached.
func (c *Client) Subscribe(ctx context.Context, opts SubscribeOptions) (*Subscription, error) {
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 2 * time.Second
	}
	runCtx, cancel := context.WithCancel(ctx)
	s := &Subscription{c: c, opts: opts, all: len(opts.Events) == 0, chainID: opts.ChainID,
		events: make(chan Event, opts.Buffer), errc: make(chan error, 1), cancel: cancel,
		done: make(chan struct{})}
	s.cursor.Store(opts.SinceSeq)
	conn, err := s.connect(runCtx, true)
	if err != nil {
		cancel()
		return nil, err
	}
	go s.run(runCtx, conn)
	return s, nil
}

// Events delivers the events in seq order; it is closed when the subscription ends.
func (s *Subscription) Events() <-chan Event { return s.events }

// Err yields why the subscription ended (at most one error; none after Close), then is closed.
func (s *Subscription) Err() <-chan error { return s.errc }

// Cursor is the seq of the last event delivered (SinceSeq before the first).
func (s *Subscription) Cursor() uint64 { return s.cursor.Load() }

// ChainID is the chain the stream follows.
func (s *Subscription) ChainID() string { return s.chainID }

// Reconnects counts how often the stream reconnected.
func (s *Subscription) Reconnects() int { return int(s.reconnects.Load()) }

// Close ends the subscription and waits until its goroutine has stopped.
func (s *Subscription) Close() {
	s.closed.Store(true)
	s.cancel()
	<-s.done
}

func (s *Subscription) finish(err error) {
	s.once.Do(func() {
		if err != nil && !s.closed.Load() {
			s.errc <- err
		}
		close(s.errc)
		close(s.events)
		close(s.done)
	})
}

type subscribeReply struct {
	Result *struct {
		HeadSeq uint64 `json:"head_seq"`
		ChainID string `json:"chain_id"`
	} `json:"result"`
	Error *struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
}

func (s *Subscription) connect(ctx context.Context, first bool) (*websocket.Conn, error) {
	dialCtx, cancel := context.WithTimeout(ctx, s.c.timeout)
	defer cancel()
	conn, _, err := websocket.Dial(dialCtx, s.c.wsURL, &websocket.DialOptions{HTTPClient: s.c.http})
	if err != nil {
		return nil, &TransportError{Method: "subscribe", URL: s.c.wsURL, Err: err}
	}
	conn.SetReadLimit(32 << 20)
	params := map[string]any{"events": "*"}
	if !s.all {
		params["events"] = s.opts.Events
	}
	if !(first && s.opts.Live) {
		params["since_seq"] = s.cursor.Load()
	}
	request, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": params})
	if err := conn.Write(dialCtx, websocket.MessageText, request); err != nil {
		conn.CloseNow()
		return nil, &TransportError{Method: "subscribe", URL: s.c.wsURL, Err: err}
	}
	_, data, err := conn.Read(dialCtx)
	if err != nil {
		conn.CloseNow()
		return nil, &TransportError{Method: "subscribe", URL: s.c.wsURL, Err: err}
	}
	var reply subscribeReply
	if err := json.Unmarshal(data, &reply); err != nil || (reply.Result == nil && reply.Error == nil) {
		conn.CloseNow()
		return nil, &ResponseError{Method: "subscribe", Reason: "not a subscription reply: " + string(data)}
	}
	if reply.Error != nil {
		conn.CloseNow()
		var payload map[string]any
		_ = json.Unmarshal(reply.Error.Data, &payload)
		return nil, NewRPCError("subscribe", reply.Error.Code, reply.Error.Message, payload)
	}
	if s.chainID == "" {
		s.chainID = reply.Result.ChainID
	} else if reply.Result.ChainID != s.chainID {
		conn.CloseNow()
		return nil, &ChainResetError{OldChainID: s.chainID, NewChainID: reply.Result.ChainID, LastSeq: s.cursor.Load()}
	}
	if first && s.opts.Live {
		s.cursor.Store(reply.Result.HeadSeq)
	}
	return conn, nil
}

// errDropped is a connection that ended in a way a reconnection mends.
var errDropped = errors.New("connection dropped")

func (s *Subscription) run(ctx context.Context, conn *websocket.Conn) {
	for {
		err := s.pump(ctx, conn)
		conn.CloseNow()
		if ctx.Err() != nil {
			s.finish(s.endReason(ctx))
			return
		}
		if !errors.Is(err, errDropped) {
			s.finish(err)
			return
		}
		for attempt := 0; ; attempt++ {
			if sleepCtx(ctx, s.backoff(attempt)) != nil {
				s.finish(s.endReason(ctx))
				return
			}
			conn, err = s.connect(ctx, false)
			if err == nil {
				break
			}
			var transport *TransportError
			if ctx.Err() != nil {
				s.finish(s.endReason(ctx))
				return
			}
			if !errors.As(err, &transport) {
				s.finish(err) // a chain reset, or a refusal a retry cannot change
				return
			}
		}
		s.reconnects.Add(1)
	}
}

func (s *Subscription) endReason(ctx context.Context) error {
	if s.closed.Load() {
		return nil
	}
	return ctx.Err()
}

func (s *Subscription) backoff(attempt int) time.Duration {
	d := 50 * time.Millisecond << min(attempt, 10)
	if d > s.opts.MaxBackoff {
		d = s.opts.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

type wireMessage struct {
	Event
	OldestSeq uint64 `json:"oldest_seq"`
	HeadSeq   uint64 `json:"head_seq"`
	LastSeq   uint64 `json:"last_seq"`
	Reason    string `json:"reason"`
}

func (s *Subscription) pump(ctx context.Context, conn *websocket.Conn) error {
	connCtx, stop := context.WithCancel(ctx)
	defer stop()
	go keepAlive(connCtx, conn)
	for {
		_, data, err := conn.Read(connCtx)
		if err != nil {
			return fmt.Errorf("%w: %v", errDropped, err)
		}
		var msg wireMessage
		if err := json.Unmarshal(data, &msg); err != nil {
			return &ResponseError{Method: "subscribe", Reason: "not an event: " + string(data)}
		}
		switch msg.Name {
		case "":
			continue // not an event (a stray reply)
		case "resync_required":
			return &ResyncRequiredError{LastSeq: s.cursor.Load(), OldestSeq: msg.OldestSeq, HeadSeq: msg.HeadSeq}
		case "subscription_dropped":
			return fmt.Errorf("%w: the node dropped the subscription (%s)", errDropped, msg.Reason)
		}
		if err := s.deliver(ctx, msg.Event); err != nil {
			return err
		}
	}
}

// keepAlive pings so that a connection to a vanished peer fails instead of hanging.
func keepAlive(ctx context.Context, conn *websocket.Conn) {
	ticker := time.NewTicker(15 * time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Ping(pingCtx)
			cancel()
			if err != nil && ctx.Err() == nil {
				conn.Close(websocket.StatusGoingAway, "no pong")
				return
			}
		}
	}
}

func (s *Subscription) deliver(ctx context.Context, ev Event) error {
	cursor := s.cursor.Load()
	if ev.Seq <= cursor {
		return nil // delivered before the reconnection
	}
	if s.all && ev.Seq > cursor+1 {
		if err := s.fillGap(ctx, ev.Seq); err != nil {
			return err
		}
	}
	return s.emit(ctx, ev)
}

func (s *Subscription) emit(ctx context.Context, ev Event) error {
	select {
	case s.events <- ev:
		s.cursor.Store(ev.Seq)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fillGap fetches the events between the cursor and before over HTTP.
func (s *Subscription) fillGap(ctx context.Context, before uint64) error {
	for s.cursor.Load()+1 < before {
		cursor := s.cursor.Load()
		page, err := s.c.Events(ctx, cursor, int(min(before-1-cursor, 1000)))
		if err != nil {
			return fmt.Errorf("%w: filling events %d-%d: %v", errDropped, cursor+1, before-1, err)
		}
		if page.ChainID != "" && page.ChainID != s.chainID {
			return &ChainResetError{OldChainID: s.chainID, NewChainID: page.ChainID, LastSeq: cursor}
		}
		if page.ResyncRequired {
			return &ResyncRequiredError{LastSeq: cursor, OldestSeq: page.OldestSeq, HeadSeq: page.HeadSeq}
		}
		if len(page.Events) == 0 {
			return fmt.Errorf("%w: the node has no events %d-%d", errDropped, cursor+1, before-1)
		}
		for _, ev := range page.Events {
			if ev.Seq > s.cursor.Load() && ev.Seq < before {
				if err := s.emit(ctx, ev); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
