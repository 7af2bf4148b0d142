"""A devnet node for the TOS AI-mining API: real rules, a controllable clock, funded dev accounts.

Decisions where the API brief is silent (the project's docs/node-api.md carries them for users):

- Addresses: classic bech32 (BIP-173, constant 1), HRP `tst`, data = the 32-byte ed25519 public key in
  5-bit groups (`devnode.crypto`). The network account is the all-zero key: `tst1qqqq...k9xlp6`; nobody
  holds its key. It receives the 5 % share, registration fees and slashes.
- Dev accounts: ed25519 seed of account i = blake3("<seed>:<i>"), default seed "tos-devnet"; each starts
  with 10^14 atomic (1,000,000 TOS), registered as a miner, reputation 500 (`--dev-reputation`).
- Signed requests: params carry `auth: {address, nonce, signature}`; the signature is ed25519 (hex) over
  canonical JSON of {"method", "params" (without auth, as sent), "nonce"}. A verified signature with the
  right nonce spends the nonce whatever the method then does; unsigned writes do not use nonces.
- Clock: node time = wall clock + offset; `dev_increase_time` moves the offset without mining;
  blocks run every `--block-time` seconds (0: only `dev_mine`), each running expiry and completion.
- IDs are blake3-256 hex of canonical JSON naming the record, the chain id (random per genesis) and the
  parties; `answer_hash` is blake3 of the canonical JSON of the solution.
- `consensus_progress` is `{"validations": n, "required": r}`.
- Events older than `--max-events` are dropped; `ai_get_events` says `resync_required: true` and the
  WebSocket sends `{"event": "resync_required", "oldest_seq": k}` then live events. A WebSocket
  subscriber more than `--ws-queue` events behind gets `{"event": "subscription_dropped", "last_seq": n}`
  and is closed (1013); it resubscribes with `since_seq = n`.
- Rate limits are kept in memory (a restart forgets them); `--rate-limits off` disables them.
- See `devnode.state` for the task and money decisions.
"""

from __future__ import annotations

__version__ = "0.1.0"
