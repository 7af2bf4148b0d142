// Package tosai is a client for the TOS AI-mining node API ("Proof of Intelligent Work"): JSON-RPC
// calls with typed requests and results, signed writes, and the event stream.
//
// A Client talks to one node; it is safe for concurrent use and reuses its connections:
//
//	client, err := tosai.NewClient("http://127.0.0.1:8545")
//	info, err := client.Info(ctx)                       // every call takes a context first
//	tasks, err := client.ListActiveTasks(ctx, tosai.ListTasksOptions{SortBy: "reward_amount"})
//
// Writes go through an Account, which signs them with a Wallet (ed25519; the address is bech32
// with HRP "tst" on the devnet). The Account reads the node's chain id and the account's nonce
// itself and serialises the writes of one address, so goroutines may share it:
//
//	wallet, err := tosai.GenerateWallet()               // or tosai.ImportWallet(hexSeed)
//	publisher := client.Account(wallet)
//	task, err := publisher.PublishTask(ctx, tosai.TaskData{
//		TaskType: tosai.CodeAnalysis("rust"), RewardAmount: tosai.TOS(500)})
//
// Amounts are Amount values: atomic units (1 TOS = 10^8) in a uint64, sent and read as decimal
// strings, never floating point. The node's refusals are typed per kind (UnknownEntityError,
// InsufficientFundsError, NotAcceptingError, PermissionDeniedError and its NonceMismatchError
// and WrongChainError, InvalidContentError, AlreadyDoneError, RateLimitedError, and the
// JSON-RPC standard ones); match them with errors.As, and every one with *RPCError. A failure to
// get a reply is a *TransportError. Reads are retried with backoff and jitter (RetryPolicy);
// writes never are.
//
// Client.Subscribe follows the node's events over WebSocket on a channel, with an Err channel
// as go-ethereum's subscriptions have. It reconnects after any disconnect and resumes from the
// last seq delivered, never skipping or repeating one, and ends with a *ChainResetError when
// the node's chain was reset.
package tosai
