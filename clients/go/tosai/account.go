package tosai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// Account makes the writes of one account: signed with its wallet (Client.Account), or, on a
// devnode in dev mode, unsigned for an unlocked dev account (Client.DevAccount).
//
// Signed writes of one address are serialised through the Client, so goroutines sharing a
// wallet never reuse a nonce. The client fetches the chain id and the next nonce itself and
// keeps them; a write refused for a wrong chain id or nonce (which the node refuses before
// doing anything, spending nothing) is signed again with the node's values and sent once more.
// Any other failure is returned as is and never retried: a write lost in transit may have been
// applied.
type Account struct {
	c      *Client
	wallet *Wallet
	from   string
}

// Account returns the signed-write API of a wallet.
func (c *Client) Account(w *Wallet) *Account { return &Account{c: c, wallet: w} }

// DevAccount returns the unsigned-write API of an unlocked dev account (dev mode only): each
// write names it with "from".
func (c *Client) DevAccount(address string) *Account { return &Account{c: c, from: address} }

// Address is the account's address.
func (a *Account) Address() string {
	if a.wallet != nil {
		return a.wallet.Address()
	}
	return a.from
}

// Wallet is the account's wallet (nil for an unsigned dev account).
func (a *Account) Wallet() *Wallet { return a.wallet }

// PublishTask calls ai_publish_task: the reward moves from the balance into escrow.
func (a *Account) PublishTask(ctx context.Context, task TaskData) (*PublishedTask, error) {
	return writeRecord[PublishedTask](ctx, a, "ai_publish_task", map[string]any{"task_data": task})
}

// RegisterMiner calls ai_register_miner (the fee goes to the network account).
func (a *Account) RegisterMiner(ctx context.Context, cfg MinerConfig) (*MinerRegistration, error) {
	return writeRecord[MinerRegistration](ctx, a, "ai_register_miner", map[string]any{"miner_config": cfg})
}

// ParticipateTask calls ai_participate_task, locking stake (0 for the task's minimum stake).
func (a *Account) ParticipateTask(ctx context.Context, taskID string, stake Amount) (*Participation, error) {
	params := map[string]any{"task_id": taskID}
	if stake != 0 {
		params["stake_amount"] = stake
	}
	return writeRecord[Participation](ctx, a, "ai_participate_task", params)
}

// SubmitSolution calls ai_submit_solution.
func (a *Account) SubmitSolution(ctx context.Context, taskID string, solution Solution) (*SubmissionReceipt, error) {
	return writeRecord[SubmissionReceipt](ctx, a, "ai_submit_solution",
		map[string]any{"task_id": taskID, "solution_data": solution})
}

// ValidateSubmission calls ai_validate_submission with an Approve or Reject verdict.
func (a *Account) ValidateSubmission(ctx context.Context, taskID, submissionID string, result ValidationResult) (*ValidationReceipt, error) {
	if (result.Approve == nil) == (result.Reject == nil) {
		return nil, errors.New("tosai: a validation result is exactly one of Approve or Reject")
	}
	return writeRecord[ValidationReceipt](ctx, a, "ai_validate_submission",
		map[string]any{"task_id": taskID, "submission_id": submissionID, "validation_result": result})
}

// CancelTask calls ai_cancel_task (the publisher, before anyone joined): the escrow comes back.
func (a *Account) CancelTask(ctx context.Context, taskID string) (*CancelledTask, error) {
	return writeRecord[CancelledTask](ctx, a, "ai_cancel_task", map[string]any{"task_id": taskID})
}

func writeRecord[T any](ctx context.Context, a *Account, method string, params map[string]any) (*T, error) {
	var out T
	if err := a.Write(ctx, method, params, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Write sends any write method for the account: signed (nonce and chain id handled as the
// Account doc says) or, for a dev account, with "from". params must encode to a JSON object.
func (a *Account) Write(ctx context.Context, method string, params, result any) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("tosai: %s params: %w", method, err)
	}
	if a.wallet == nil {
		var object map[string]json.RawMessage
		if err := json.Unmarshal(raw, &object); err != nil || object == nil {
			return fmt.Errorf("tosai: %s params must be a JSON object", method)
		}
		if a.from != "" {
			object["from"], _ = json.Marshal(a.from)
		}
		return a.c.call(ctx, method, object, result, false)
	}
	state := a.c.nonceFor(a.wallet.Address())
	state.mu.Lock()
	defer state.mu.Unlock()
	for attempt := 0; ; attempt++ {
		info, err := a.c.chainInfo(ctx)
		if err != nil {
			return err
		}
		if !state.known {
			if state.next, err = a.c.Nonce(ctx, a.wallet.Address()); err != nil {
				return err
			}
			state.known = true
		}
		signed, _, err := a.wallet.SignRequest(method, json.RawMessage(raw), state.next, info.ChainID, info.Network)
		if err != nil {
			return err
		}
		err = a.c.call(ctx, method, signed, result, false)
		var wrongChain *WrongChainError
		var nonce *NonceMismatchError
		switch {
		case err == nil:
			state.next++
			return nil
		case attempt < 2 && errors.As(err, &wrongChain):
			// A new chain (a devnode reset): a new chain id, and nonces start again.
			a.c.forgetChain()
			state.known = false
		case attempt < 2 && errors.As(err, &nonce):
			state.next = nonce.Expected // another client spent nonces of this key
		default:
			// Whether a refusal spent the nonce depends on where the node refused it (a bad
			// signature spends nothing, a broken rule spends it), and a transport failure leaves
			// it unknown: read it again before the next write.
			state.known = false
			return err
		}
	}
}

// CallSigned is the low-level signed call: it signs params for the given nonce and chain id
// (the network from get_info) and sends them once, without the Account's nonce handling, and
// makes the client read the account's nonce again before its next write.
func (c *Client) CallSigned(ctx context.Context, w *Wallet, method string, params any, nonce uint64, chainID string, result any) error {
	info, err := c.chainInfo(ctx)
	if err != nil {
		return err
	}
	signed, _, err := w.SignRequest(method, params, nonce, chainID, info.Network)
	if err != nil {
		return err
	}
	state := c.nonceFor(w.Address())
	state.mu.Lock()
	defer state.mu.Unlock()
	state.known = false
	return c.call(ctx, method, signed, result, false)
}

type nonceState struct {
	mu    sync.Mutex
	known bool
	next  uint64
}

func (c *Client) nonceFor(address string) *nonceState {
	c.noncesMu.Lock()
	defer c.noncesMu.Unlock()
	s, ok := c.nonces[address]
	if !ok {
		s = &nonceState{}
		c.nonces[address] = s
	}
	return s
}

// ChainID returns the node's chain id (get_info's), read once and kept until a write is refused
// for a wrong chain.
func (c *Client) ChainID(ctx context.Context) (string, error) {
	info, err := c.chainInfo(ctx)
	if err != nil {
		return "", err
	}
	return info.ChainID, nil
}

func (c *Client) chainInfo(ctx context.Context) (*NodeInfo, error) {
	c.chainMu.Lock()
	defer c.chainMu.Unlock()
	if c.chain != nil {
		return c.chain, nil
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, err
	}
	c.chain = info
	return info, nil
}

func (c *Client) forgetChain() {
	c.chainMu.Lock()
	c.chain = nil
	c.chainMu.Unlock()
}
