package tosai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultURL is the devnode's default address.
const DefaultURL = "http://127.0.0.1:8545"

// Defaults for a Client's timeouts and read retries.
const (
	DefaultTimeout = 10 * time.Second
	maxReplyBytes  = 64 << 20
)

// RetryPolicy says how reads are retried after a transport failure, an HTTP 5xx/429 without a
// JSON-RPC reply, or the node's -32603: up to Attempts tries in all, sleeping a random time in
// [d/2, d] between them, where d doubles from BaseDelay up to MaxDelay. Writes are never
// retried: a write that failed in transit may have been applied.
type RetryPolicy struct {
	Attempts  int
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

// DefaultRetry is the read retry policy of a new Client.
var DefaultRetry = RetryPolicy{Attempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: 2 * time.Second}

// NoRetry turns read retries off.
var NoRetry = RetryPolicy{Attempts: 1}

// readMethods are the methods the client may retry: they change nothing on the node.
var readMethods = map[string]bool{
	"get_network_info": true, "ai_get_network_info": true, "ai_list_active_tasks": true,
	"ai_get_task_details": true, "ai_get_miner_stats": true, "ai_get_events": true, "ai_get_rules": true,
	"get_info": true, "get_version": true, "get_balance": true, "get_nonce": true,
	"get_ai_mining_statistics": true, "get_ai_mining_task": true, "get_ai_mining_miner": true,
	"get_ai_mining_active_tasks": true, "get_ai_mining_state": true, "dev_accounts": true,
	"rpc.discover": true,
}

// Client talks to one TOS node over JSON-RPC (and WebSocket for events). It is safe for
// concurrent use and reuses its HTTP connections; make one per node and share it.
type Client struct {
	url     string
	wsURL   string
	http    *http.Client
	timeout time.Duration
	retry   RetryPolicy
	ids     atomic.Uint64
	admin   string // bearer token for dev_* methods

	chainMu sync.Mutex
	chain   *NodeInfo // cached get_info for signing; nil until needed or after a reset

	noncesMu sync.Mutex
	nonces   map[string]*nonceState
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through hc (its Transport's connection pool
// is then the one reused).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithTimeout bounds every call that has no earlier context deadline (default 10 s).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithRetry sets the read retry policy (DefaultRetry; NoRetry turns retries off).
func WithRetry(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithAdminToken sends token as "Authorization: Bearer" with the dev_* methods (only them), as a
// devnode that keeps them closed (--require-signatures) wants from a caller on its own machine.
func WithAdminToken(token string) Option { return func(c *Client) { c.admin = token } }

// WithWebSocketURL sets the event stream's address (default: the node URL's /ai/ws).
func WithWebSocketURL(u string) Option { return func(c *Client) { c.wsURL = u } }

// NewClient returns a client for the node at nodeURL ("http://127.0.0.1:8545").
func NewClient(nodeURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(nodeURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tosai: node URL must be http(s)://host[:port], got %q", nodeURL)
	}
	c := &Client{url: strings.TrimRight(nodeURL, "/"), timeout: DefaultTimeout, retry: DefaultRetry,
		nonces: map[string]*nonceState{}}
	ws := *u
	ws.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	ws.Path = strings.TrimRight(u.Path, "/") + "/ai/ws"
	c.wsURL = ws.String()
	for _, opt := range opts {
		opt(c)
	}
	if c.http == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConns = 256
		transport.MaxIdleConnsPerHost = 64
		c.http = &http.Client{Transport: transport}
	}
	if c.retry.Attempts < 1 {
		c.retry.Attempts = 1
	}
	return c, nil
}

// URL is the node's JSON-RPC address.
func (c *Client) URL() string { return c.url }

// WebSocketURL is the node's event stream address.
func (c *Client) WebSocketURL() string { return c.wsURL }

// Close releases the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// IsReadMethod reports whether the client treats method as a read, which it may retry.
func IsReadMethod(method string) bool { return readMethods[method] }

// Call sends one JSON-RPC request and decodes its result into result (nil to drop it). params
// is any value that encodes to a JSON object (nil for none); a json.RawMessage is sent as is.
// Reads (IsReadMethod) are retried per the client's RetryPolicy; nothing else is.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	return c.call(ctx, method, params, result, readMethods[method])
}

type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      uint64          `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

type rpcReply struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
}

func (c *Client) call(ctx context.Context, method string, params, result any, retry bool) error {
	var raw json.RawMessage
	switch p := params.(type) {
	case nil:
	case json.RawMessage:
		raw = p
	default:
		var err error
		if raw, err = json.Marshal(p); err != nil {
			return fmt.Errorf("tosai: %s params: %w", method, err)
		}
	}
	attempts := 1
	if retry {
		attempts = c.retry.Attempts
	}
	var err error
	for attempt := 0; attempt < attempts; attempt++ {
		if attempt > 0 {
			if werr := sleepCtx(ctx, c.retry.delay(attempt)); werr != nil {
				return err // the last real failure says more than "context canceled"
			}
		}
		err = c.roundTrip(ctx, method, raw, result)
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func (p RetryPolicy) delay(attempt int) time.Duration {
	d := p.BaseDelay << (attempt - 1)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

func retryable(err error) bool {
	var transport *TransportError
	if errors.As(err, &transport) {
		return transport.StatusCode == 0 || transport.StatusCode == http.StatusTooManyRequests ||
			transport.StatusCode >= 500
	}
	var internal *InternalError
	return errors.As(err, &internal)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) roundTrip(ctx context.Context, method string, params json.RawMessage, result any) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	id := c.ids.Add(1)
	body, err := json.Marshal(rpcRequest{JSONRPC: "2.0", ID: id, Method: method, Params: params})
	if err != nil {
		return fmt.Errorf("tosai: %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("tosai: %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.admin != "" && strings.HasPrefix(method, "dev_") {
		req.Header.Set("Authorization", "Bearer "+c.admin)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &TransportError{Method: method, URL: c.url, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return &TransportError{Method: method, URL: c.url, Err: err}
	}
	var reply rpcReply
	if jerr := json.Unmarshal(data, &reply); jerr != nil || (reply.Error == nil && reply.Result == nil) {
		if resp.StatusCode != http.StatusOK {
			snippet := strings.TrimSpace(string(data))
			if len(snippet) > 200 {
				snippet = snippet[:200]
			}
			return &TransportError{Method: method, URL: c.url, StatusCode: resp.StatusCode,
				Err: errors.New(snippet)}
		}
		return &ResponseError{Method: method, Reason: "not a JSON-RPC reply"}
	}
	if reply.Error != nil {
		var payload map[string]any
		if len(reply.Error.Data) > 0 {
			dec := json.NewDecoder(bytes.NewReader(reply.Error.Data))
			dec.UseNumber()
			_ = dec.Decode(&payload) // data that is not an object is left out
		}
		return NewRPCError(method, reply.Error.Code, reply.Error.Message, payload)
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(reply.Result, result); err != nil {
		return &ResponseError{Method: method, Reason: err.Error()}
	}
	return nil
}
