package tosai

import (
	"context"
	"encoding/json"
)

// NetworkInfo calls get_network_info: the AI-mining network summary.
func (c *Client) NetworkInfo(ctx context.Context) (*NetworkInfo, error) {
	return callRecord[NetworkInfo](ctx, c, "get_network_info", nil)
}

// AINetworkInfo calls ai_get_network_info, the node's alias of get_network_info.
func (c *Client) AINetworkInfo(ctx context.Context) (*NetworkInfo, error) {
	return callRecord[NetworkInfo](ctx, c, "ai_get_network_info", nil)
}

// ListActiveTasks calls ai_list_active_tasks: Published, InProgress and UnderValidation tasks,
// filtered and sorted as opts says.
func (c *Client) ListActiveTasks(ctx context.Context, opts ListTasksOptions) ([]TaskSummary, error) {
	return callValue[[]TaskSummary](ctx, c, "ai_list_active_tasks", opts.params())
}

// TaskDetails calls ai_get_task_details: one task with its participants, submissions,
// validations and, once paid, rewards.
func (c *Client) TaskDetails(ctx context.Context, taskID string) (*TaskDetails, error) {
	return callRecord[TaskDetails](ctx, c, "ai_get_task_details", map[string]any{"task_id": taskID})
}

// MinerStats calls ai_get_miner_stats for an address.
func (c *Client) MinerStats(ctx context.Context, address string) (*MinerStats, error) {
	return callRecord[MinerStats](ctx, c, "ai_get_miner_stats", map[string]any{"miner_address": address})
}

// Events calls ai_get_events: up to limit events (0 for the node's default) with seq > sinceSeq.
func (c *Client) Events(ctx context.Context, sinceSeq uint64, limit int) (*EventsPage, error) {
	params := map[string]any{"since_seq": sinceSeq}
	if limit > 0 {
		params["limit"] = limit
	}
	return callRecord[EventsPage](ctx, c, "ai_get_events", params)
}

// Info calls get_info: height, network, chain id, event head and the node's clock.
func (c *Client) Info(ctx context.Context) (*NodeInfo, error) {
	return callRecord[NodeInfo](ctx, c, "get_info", nil)
}

// Version calls get_version.
func (c *Client) Version(ctx context.Context) (string, error) {
	return callValue[string](ctx, c, "get_version", nil)
}

// Balance calls get_balance and returns the address's balance.
func (c *Client) Balance(ctx context.Context, address string) (Amount, error) {
	var out Balance
	err := c.Call(ctx, "get_balance", map[string]any{"address": address}, &out)
	return out.Balance, err
}

// Nonce calls get_nonce and returns the address's next nonce.
func (c *Client) Nonce(ctx context.Context, address string) (uint64, error) {
	var out Nonce
	err := c.Call(ctx, "get_nonce", map[string]any{"address": address}, &out)
	return out.Nonce, err
}

// MiningStatistics calls get_ai_mining_statistics (the TOS daemon's method and shape).
func (c *Client) MiningStatistics(ctx context.Context) (*MiningStatistics, error) {
	return callRecord[MiningStatistics](ctx, c, "get_ai_mining_statistics", nil)
}

// MiningTask calls get_ai_mining_task (the TOS daemon's method; the same record as TaskDetails).
func (c *Client) MiningTask(ctx context.Context, taskID string) (*TaskDetails, error) {
	return callRecord[TaskDetails](ctx, c, "get_ai_mining_task", map[string]any{"task_id": taskID})
}

// MiningMiner calls get_ai_mining_miner (the TOS daemon's method and shape).
func (c *Client) MiningMiner(ctx context.Context, address string) (*MiningMiner, error) {
	return callRecord[MiningMiner](ctx, c, "get_ai_mining_miner", map[string]any{"address": address})
}

// MiningActiveTasks calls get_ai_mining_active_tasks: the active tasks keyed by task id.
func (c *Client) MiningActiveTasks(ctx context.Context) (map[string]TaskSummary, error) {
	return callValue[map[string]TaskSummary](ctx, c, "get_ai_mining_active_tasks", nil)
}

// MiningState calls get_ai_mining_state: every task and miner, and the statistics.
func (c *Client) MiningState(ctx context.Context) (*MiningState, error) {
	return callRecord[MiningState](ctx, c, "get_ai_mining_state", nil)
}

// Discover calls rpc.discover and returns the node's OpenRPC document.
func (c *Client) Discover(ctx context.Context) (json.RawMessage, error) {
	return callValue[json.RawMessage](ctx, c, "rpc.discover", nil)
}

// DevAccounts calls dev_accounts: the devnode's funded, unlocked accounts with their keys.
func (c *Client) DevAccounts(ctx context.Context) ([]DevAccount, error) {
	return callValue[[]DevAccount](ctx, c, "dev_accounts", nil)
}

// DevFaucet calls dev_faucet: mints amount to address (devnode only) and returns the balance.
func (c *Client) DevFaucet(ctx context.Context, address string, amount Amount) (Amount, error) {
	var out FaucetResult
	err := c.Call(ctx, "dev_faucet", map[string]any{"address": address, "amount": amount}, &out)
	return out.Balance, err
}

// DevIncreaseTime calls dev_increase_time: moves the node's clock on and returns its new time.
func (c *Client) DevIncreaseTime(ctx context.Context, seconds int64) (int64, error) {
	return callValue[int64](ctx, c, "dev_increase_time", map[string]any{"seconds": seconds})
}

// DevMine calls dev_mine: mines blocks (1–1000; 0 for one) at once.
func (c *Client) DevMine(ctx context.Context, blocks int) (*MinedBlocks, error) {
	params := map[string]any{}
	if blocks > 0 {
		params["blocks"] = blocks
	}
	return callRecord[MinedBlocks](ctx, c, "dev_mine", params)
}

func callRecord[T any](ctx context.Context, c *Client, method string, params any) (*T, error) {
	var out T
	if err := c.Call(ctx, method, params, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func callValue[T any](ctx context.Context, c *Client, method string, params any) (T, error) {
	var out T
	err := c.Call(ctx, method, params, &out)
	return out, err
}
