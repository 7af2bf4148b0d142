"""The devnet's state machine: accounts, tasks and the writes that change them.

Everything lives in memory; reads never touch disk. Each operation marks the records it changed and
queues its events; `devnode.node.Node` writes those in one SQLite transaction before replying, and on an
error reloads the records from the store, so a failed request leaves no trace.

Decisions where the spec is silent (documented in docs/node-api.md):
- Any account may publish; joining, submitting and validating need a registered miner. Joining also needs
  the `submit` minimum reputation for the task's difficulty, since a participant who cannot submit would
  only be slashed.
- The stake defaults to the task's minimum when `stake_amount` is left out.
- A participant of a task may not validate its submissions (a rival could score a competitor down).
- One submission per participant; a validator validates a submission once; validations are taken while the
  task is InProgress or UnderValidation and the submission is short of its `required_reviewers`.
- A validation that leaves every submission fully validated completes the task in the same write when the
  task is UnderValidation, or when every place is taken and every participant has submitted.
- Nonces count signed requests only; unsigned dev-account writes leave them alone.

The lifecycle (expiry, completion), the payout and the reputation rules live in `devnode.lifecycle`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from devnode import lifecycle, rules
from devnode.crypto import address_from_public_key, blake3_hex, canonical_json, derive_dev_key
from devnode.errors import (
    ALREADY_DONE,
    INSUFFICIENT_FUNDS,
    INVALID_CONTENT,
    NOT_ACCEPTING,
    PERMISSION_DENIED,
    UNKNOWN_ENTITY,
    RpcError,
)
from devnode.lifecycle import NETWORK_ADDRESS
from devnode.models import Account, Participation, Submission, Task, Validation
from devnode.ratelimit import RateLimiter
from devnode.rules import format_tos
from devnode.task_spec import build_task_spec, check_text


@dataclass
class DevAccount:
    index: int
    address: str
    private_key: str  # hex of the 32-byte ed25519 seed


@dataclass
class StateConfig:
    seed: str = "tos-devnet"
    dev_accounts: int = rules.DEV_ACCOUNT_COUNT
    genesis_balance: int = rules.GENESIS_BALANCE
    dev_reputation: int = rules.REPUTATION_START
    validation_window: int = rules.DEFAULT_VALIDATION_WINDOW
    rate_limits: dict[str, int] | None = field(default_factory=lambda: dict(rules.DEFAULT_RATE_LIMITS))


def dev_accounts_for(seed: str, count: int) -> list[DevAccount]:
    """The deterministic dev accounts of `seed`."""
    accounts = []
    for index in range(count):
        key = derive_dev_key(seed, index)
        address = address_from_public_key(bytes(key.verify_key))
        accounts.append(DevAccount(index, address, bytes(key).hex()))
    return accounts


class State:
    """The whole devnet in memory, plus what changed since the last commit."""

    def __init__(self, config: StateConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.accounts: dict[str, Account] = {}
        self.tasks: dict[str, Task] = {}
        self.active_ids: set[str] = set()
        self.submission_task: dict[str, str] = {}
        self.meta: dict[str, Any] = {}
        self.dev = dev_accounts_for(config.seed, config.dev_accounts)
        self.dev_addresses = {account.address: account.index for account in self.dev}
        self.dirty_accounts: set[str] = set()
        self.dirty_tasks: set[str] = set()
        self.meta_dirty = False
        self.pending_events: list[dict[str, Any]] = []
        self.version = 0  # bumped on every change; caches key on it
        self.summary_cache: dict[str, dict[str, Any]] = {}
        self.list_cache: dict[tuple[Any, ...], list[Task]] = {}

    # ----- building -----------------------------------------------------------------------------------

    def genesis(self) -> None:
        """A fresh chain: funded, registered dev accounts and an empty network account."""
        now = self.now_base()
        self.meta = {
            "chain_id": secrets.token_hex(8),
            "genesis_time": now,
            "time_offset": 0,
            "topoheight": 0,
            "head_seq": 0,
            "task_counter": 0,
            "genesis_supply": self.config.genesis_balance * len(self.dev),
            "minted": 0,
            "total_rewards_distributed": 0,
            "completed_tasks": 0,
            "completion_time_sum": 0,
        }
        self.meta_dirty = True
        for dev in self.dev:
            account = self._account(dev.address)
            account.balance = self.config.genesis_balance
            account.is_miner = True
            account.registered_at = now
            account.reputation = self.config.dev_reputation
        self._account(NETWORK_ADDRESS)

    def load(
        self, meta: dict[str, Any], accounts: Iterable[dict[str, Any]], tasks: Iterable[dict[str, Any]]
    ) -> None:
        """Rebuild from stored rows."""
        self.meta = dict(meta)
        self.accounts = {row["address"]: Account.from_dict(row) for row in accounts}
        self.tasks = {}
        self.active_ids = set()
        self.submission_task = {}
        for row in tasks:
            task = Task.from_dict(row)
            self._index_task(task)
        self.clear_changes()
        self.summary_cache.clear()
        self.version += 1

    def _index_task(self, task: Task) -> None:
        self.tasks[task.task_id] = task
        if task.status in rules.ACTIVE_STATUSES:
            self.active_ids.add(task.task_id)
        else:
            self.active_ids.discard(task.task_id)
        for submission in task.submissions:
            self.submission_task[submission.submission_id] = task.task_id

    def clear_changes(self) -> None:
        self.dirty_accounts.clear()
        self.dirty_tasks.clear()
        self.meta_dirty = False
        self.pending_events = []

    @property
    def has_changes(self) -> bool:
        return bool(self.dirty_accounts or self.dirty_tasks or self.meta_dirty or self.pending_events)

    # ----- clock and bookkeeping ----------------------------------------------------------------------

    def now_base(self) -> int:
        return int(self.clock())

    def now(self) -> int:
        return int(self.clock()) + int(self.meta.get("time_offset", 0))

    @property
    def topoheight(self) -> int:
        return int(self.meta["topoheight"])

    @property
    def head_seq(self) -> int:
        return int(self.meta["head_seq"])

    def _set_meta(self, key: str, value: Any) -> None:
        self.meta[key] = value
        self.meta_dirty = True
        self.version += 1

    def _account(self, address: str) -> Account:
        account = self.accounts.get(address)
        if account is None:
            account = Account(address=address)
            self.accounts[address] = account
        self.dirty_accounts.add(address)
        self.version += 1
        return account

    def peek_account(self, address: str) -> Account:
        """An account for reading: unknown addresses read as a fresh, empty account (not stored)."""
        return self.accounts.get(address) or Account(address=address)

    def _touch(self, task: Task) -> None:
        self.dirty_tasks.add(task.task_id)
        self.summary_cache.pop(task.task_id, None)
        self.version += 1
        if task.status in rules.ACTIVE_STATUSES:
            self.active_ids.add(task.task_id)
        else:
            self.active_ids.discard(task.task_id)

    def _emit(self, name: str, data: dict[str, Any]) -> None:
        seq = self.head_seq + 1
        self.meta["head_seq"] = seq
        self.meta_dirty = True
        self.pending_events.append(
            {"event": name, "seq": seq, "topoheight": self.topoheight, "timestamp": self.now(), "data": data}
        )

    def _new_id(self, kind: str, **parts: Any) -> str:
        return blake3_hex(canonical_json({"kind": kind, "chain": self.meta["chain_id"], **parts}))

    def _set_status(self, task: Task, status: str) -> None:
        old = task.status
        task.status = status
        self._touch(task)
        self._emit("task_status_changed", {"task_id": task.task_id, "old_status": old, "new_status": status})

    # ----- checks shared by the writes ----------------------------------------------------------------

    def get_task(self, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None:
            raise RpcError(UNKNOWN_ENTITY, f"unknown task {task_id}", {"field": "task_id", "rule": "unknown"})
        return task

    def _require_reputation(self, account: Account, action: str, difficulty: str) -> None:
        needed = rules.MIN_REPUTATION[action][difficulty]
        if account.reputation < needed:
            raise RpcError(
                PERMISSION_DENIED,
                f"reputation {account.reputation} is below the {needed} needed to {action} "
                f"{difficulty} tasks",
                {
                    "rule": "reputation",
                    "action": action,
                    "difficulty_level": difficulty,
                    "required": needed,
                    "reputation": account.reputation,
                },
            )

    def _require_miner(self, account: Account) -> None:
        if not account.is_miner:
            raise RpcError(
                PERMISSION_DENIED,
                f"{account.address} is not a registered miner; call ai_register_miner first",
                {"rule": "registered_miner", "address": account.address},
            )

    def _require_balance(self, account: Account, amount: int, field_name: str) -> None:
        if account.balance < amount:
            raise RpcError(
                INSUFFICIENT_FUNDS,
                f"insufficient balance: {format_tos(amount)} needed, {format_tos(account.balance)} available",
                {
                    "field": field_name,
                    "rule": "balance",
                    "needed": str(amount),
                    "available": str(account.balance),
                },
            )

    def _require_open(self, task: Task, action: str) -> None:
        if task.status not in rules.OPEN_STATUSES:
            raise RpcError(
                NOT_ACCEPTING,
                f"task is {task.status} and no longer accepts {action}",
                {"rule": "status", "status": task.status},
            )
        if self.now() >= task.deadline:
            raise RpcError(
                NOT_ACCEPTING,
                f"the task's deadline has passed; it no longer accepts {action}",
                {"rule": "deadline", "deadline": task.deadline},
            )

    # ----- writes -------------------------------------------------------------------------------------

    def publish_task(self, caller: str, data: dict[str, Any], limiter: RateLimiter) -> dict[str, Any]:
        now = self.now()
        spec = build_task_spec(data, now)
        difficulty, reward = spec.difficulty_level, spec.reward_amount
        publisher = self.peek_account(caller)
        self._require_reputation(publisher, "publish", difficulty)
        limiter.check(caller, "publish", now)
        self._require_balance(publisher, reward, "reward_amount")

        counter = int(self.meta["task_counter"]) + 1
        self._set_meta("task_counter", counter)
        task = Task(
            task_id=self._new_id("task", number=counter, publisher=caller, created_at=now),
            number=counter,
            publisher=caller,
            created_at=now,
            status=rules.STATUS_PUBLISHED,
            escrow=reward,
            **asdict(spec),
        )
        account = self._account(caller)
        account.balance -= reward
        account.tasks_published += 1
        account.last_active = now
        self.tasks[task.task_id] = task
        self._touch(task)
        limiter.record(caller, "publish", now)
        self._emit(
            "task_published",
            {
                "task_id": task.task_id,
                "publisher": caller,
                "title": spec.title,
                "task_type": spec.task_type,
                "difficulty_level": difficulty,
                "reward_amount": str(reward),
                "stake_required": str(spec.stake_required),
                "deadline": spec.deadline,
                "max_participants": spec.max_participants,
            },
        )
        return {"task_id": task.task_id, "status": "published", "deadline": spec.deadline}

    def register_miner(self, caller: str, config: dict[str, Any]) -> dict[str, Any]:
        fee = int(config.get("registration_fee", rules.MIN_REGISTRATION_FEE))
        if fee < rules.MIN_REGISTRATION_FEE:
            raise RpcError(
                INVALID_CONTENT,
                f"registration fee {format_tos(fee)} is below the minimum of "
                f"{format_tos(rules.MIN_REGISTRATION_FEE)}",
                {
                    "field": "miner_config.registration_fee",
                    "rule": "registration_fee_min",
                    "min": str(rules.MIN_REGISTRATION_FEE),
                },
            )
        current = self.peek_account(caller)
        if current.is_miner:
            raise RpcError(
                ALREADY_DONE, f"{caller} is already a registered miner", {"rule": "already_registered"}
            )
        self._require_balance(current, fee, "miner_config.registration_fee")
        now = self.now()
        account = self._account(caller)
        account.balance -= fee
        account.is_miner = True
        account.registered_at = now
        account.registration_fee = fee
        account.specializations = list(config.get("specializations", []))
        account.last_active = now
        lifecycle.credit(self, None, NETWORK_ADDRESS, fee, "network", reason="registration_fee", payer=caller)
        self._emit(
            "miner_registered",
            {
                "miner_address": caller,
                "registration_fee": str(fee),
                "reputation": account.reputation,
                "specializations": account.specializations,
            },
        )
        return {"miner_address": caller, "reputation": account.reputation}

    def participate(self, caller: str, task_id: str, stake: int | None) -> dict[str, Any]:
        task = self.get_task(task_id)
        miner = self.peek_account(caller)
        self._require_miner(miner)
        if caller == task.publisher:
            raise RpcError(PERMISSION_DENIED, "a publisher cannot join their own task", {"rule": "own_task"})
        if task.participant(caller) is not None:
            raise RpcError(
                ALREADY_DONE, "already participating in this task", {"rule": "already_participating"}
            )
        self._require_open(task, "participants")
        if len(task.participants) >= task.max_participants:
            raise RpcError(
                NOT_ACCEPTING,
                f"task is full ({task.max_participants} participants)",
                {"rule": "full", "max_participants": task.max_participants},
            )
        self._require_reputation(miner, rules.PARTICIPATE_NEEDS, task.difficulty_level)
        low = max(task.reward_amount // rules.STAKE_MIN_DIVISOR, task.stake_required)
        high = task.reward_amount // rules.STAKE_MAX_DIVISOR
        stake = low if stake is None else stake
        if not low <= stake <= high:
            where, bound = ("below the minimum", low) if stake < low else ("above the maximum", high)
            raise RpcError(
                INSUFFICIENT_FUNDS,
                f"stake {format_tos(stake)} is {where} of {format_tos(bound)} for this task",
                {"field": "stake_amount", "rule": "stake_range", "min": str(low), "max": str(high)},
            )
        self._require_balance(miner, stake, "stake_amount")
        now = self.now()
        account = self._account(caller)
        account.balance -= stake
        account.current_stake += stake
        account.tasks_participated += 1
        account.last_active = now
        participation = Participation(
            participation_id=self._new_id("participation", task_id=task_id, miner=caller),
            miner=caller,
            stake=stake,
            joined_at=now,
            stake_locked=stake,
        )
        task.participants.append(participation)
        self._touch(task)
        if task.status == rules.STATUS_PUBLISHED:
            self._set_status(task, rules.STATUS_IN_PROGRESS)
        self._emit(
            "participant_joined",
            {
                "task_id": task_id,
                "participation_id": participation.participation_id,
                "miner": caller,
                "stake_amount": str(stake),
                "participants_count": len(task.participants),
            },
        )
        return {
            "participation_id": participation.participation_id,
            "task_id": task_id,
            "stake_amount": str(stake),
        }

    def submit_solution(
        self, caller: str, task_id: str, solution: dict[str, Any], field_name: str, limiter: RateLimiter
    ) -> dict[str, Any]:
        task = self.get_task(task_id)
        participation = task.participant(caller)
        if participation is None:
            raise RpcError(
                PERMISSION_DENIED,
                "only a participant can submit; join the task first",
                {"rule": "not_participant"},
            )
        if participation.submission_id is not None:
            raise RpcError(
                ALREADY_DONE, "you already submitted a solution to this task", {"rule": "already_submitted"}
            )
        self._require_open(task, "submissions")
        check_text(solution["content"], f"{field_name}.content", rules.MIN_CONTENT_BYTES, None)
        encoded = canonical_json(solution)
        if len(encoded) > rules.MAX_SOLUTION_BYTES:
            raise RpcError(
                INVALID_CONTENT,
                f"the solution is {len(encoded)} bytes as JSON; at most {rules.MAX_SOLUTION_BYTES} (64 KiB) "
                "are allowed",
                {
                    "field": field_name,
                    "rule": "max_bytes",
                    "max": rules.MAX_SOLUTION_BYTES,
                    "bytes": len(encoded),
                },
            )
        self._require_reputation(self.peek_account(caller), "submit", task.difficulty_level)
        now = self.now()
        limiter.check(caller, "submit", now)
        answer_hash = blake3_hex(encoded)
        submission = Submission(
            submission_id=self._new_id(
                "submission", task_id=task_id, submitter=caller, answer_hash=answer_hash
            ),
            submitter=caller,
            solution=solution,
            answer_hash=answer_hash,
            submitted_at=now,
        )
        task.submissions.append(submission)
        participation.submission_id = submission.submission_id
        self.submission_task[submission.submission_id] = task_id
        self._touch(task)
        account = self._account(caller)
        account.submissions += 1
        account.last_active = now
        limiter.record(caller, "submit", now)
        self._emit(
            "submission_received",
            {
                "task_id": task_id,
                "submission_id": submission.submission_id,
                "submitter": caller,
                "answer_hash": answer_hash,
                "submissions_count": len(task.submissions),
            },
        )
        return {"submission_id": submission.submission_id, "answer_hash": answer_hash, "status": "submitted"}

    def validate_submission(
        self, caller: str, task_id: str, submission_id: str, result: dict[str, Any], limiter: RateLimiter
    ) -> dict[str, Any]:
        task = self.get_task(task_id)
        submission = task.submission(submission_id)
        if submission is None:
            raise RpcError(
                UNKNOWN_ENTITY,
                f"task {task_id} has no submission {submission_id}",
                {"field": "submission_id", "rule": "unknown"},
            )
        score = int(result["score"])
        if not 0 <= score <= 100:
            raise RpcError(
                INVALID_CONTENT,
                f"quality_score {score} is outside 0 to 100",
                {
                    "field": "validation_result.Approve.quality_score",
                    "rule": "score_range",
                    "min": 0,
                    "max": 100,
                },
            )
        validator = self.peek_account(caller)
        self._require_miner(validator)
        if caller == submission.submitter:
            raise RpcError(
                PERMISSION_DENIED, "you cannot validate your own submission", {"rule": "own_submission"}
            )
        if caller == task.publisher:
            raise RpcError(
                PERMISSION_DENIED,
                "a publisher cannot validate submissions to their own task",
                {"rule": "own_task"},
            )
        if task.participant(caller) is not None:
            # A rival could otherwise score a competitor down (and get them slashed) to win the task.
            raise RpcError(
                PERMISSION_DENIED,
                "a participant of a task cannot validate that task's submissions",
                {"rule": "participant"},
            )
        if task.status not in rules.VALIDATABLE_STATUSES:
            raise RpcError(
                NOT_ACCEPTING,
                f"task is {task.status} and no longer accepts validations",
                {"rule": "status", "status": task.status},
            )
        if any(validation.validator == caller for validation in submission.validations):
            raise RpcError(
                ALREADY_DONE, "you already validated this submission", {"rule": "already_validated"}
            )
        if len(submission.validations) >= task.required_reviewers:
            raise RpcError(
                NOT_ACCEPTING,
                f"this submission already has its {task.required_reviewers} validation(s)",
                {"rule": "reviewers_complete", "required_reviewers": task.required_reviewers},
            )
        self._require_reputation(validator, "validate", task.difficulty_level)
        now = self.now()
        limiter.check(caller, "validate", now)
        validation = Validation(
            validation_id=self._new_id("validation", submission_id=submission_id, validator=caller),
            validator=caller,
            score=score,
            verdict=result["verdict"],
            reasoning=result.get("reasoning", ""),
            evidence=result.get("evidence"),
            timestamp=now,
        )
        submission.validations.append(validation)
        self._touch(task)
        account = self._account(caller)
        account.validations += 1
        account.last_active = now
        limiter.record(caller, "validate", now)
        progress = {"validations": len(submission.validations), "required": task.required_reviewers}
        self._emit(
            "validation_completed",
            {
                "task_id": task_id,
                "submission_id": submission_id,
                "validation_id": validation.validation_id,
                "validator": caller,
                "score": score,
                "consensus_progress": progress,
            },
        )
        lifecycle.complete_if_done(self, task)
        return {"validation_id": validation.validation_id, "consensus_progress": progress}

    def cancel_task(self, caller: str, task_id: str) -> dict[str, Any]:
        task = self.get_task(task_id)
        if caller != task.publisher:
            raise RpcError(
                PERMISSION_DENIED, "only the task's publisher can cancel it", {"rule": "not_publisher"}
            )
        if task.status != rules.STATUS_PUBLISHED or task.participants:
            raise RpcError(
                NOT_ACCEPTING,
                f"a task can be cancelled only before anyone joins (it is {task.status})",
                {"rule": "status", "status": task.status},
            )
        refund = task.escrow
        task.escrow = 0
        self._set_status(task, rules.STATUS_CANCELLED)
        lifecycle.credit(self, task, task.publisher, refund, "refund")
        self._emit("task_cancelled", {"task_id": task_id, "publisher": caller, "refunded": str(refund)})
        return {"task_id": task_id, "status": "cancelled", "refunded": str(refund)}

    def consume_nonce(self, address: str) -> None:
        self._account(address).nonce += 1

    # ----- dev controls -------------------------------------------------------------------------------

    def faucet_remaining(self) -> int:
        """What dev_faucet may still mint: the faucet's cap, and never past the maximum supply."""
        minted = int(self.meta["minted"])
        by_cap = rules.FAUCET_CAP - minted
        by_supply = rules.MAX_SUPPLY - int(self.meta["genesis_supply"]) - minted
        return max(0, min(by_cap, by_supply))

    def faucet(self, address: str, amount: int) -> dict[str, Any]:
        remaining = self.faucet_remaining()
        if amount > remaining:
            raise RpcError(
                INSUFFICIENT_FUNDS,
                f"the devnet faucet can mint only {format_tos(remaining)} more (it mints at most "
                f"{format_tos(rules.FAUCET_CAP)} in all, within the maximum supply of "
                f"{format_tos(rules.MAX_SUPPLY)}); ask for less",
                {
                    "field": "amount",
                    "rule": "faucet_cap",
                    "remaining": str(remaining),
                    "cap": str(rules.FAUCET_CAP),
                    "minted": str(self.meta["minted"]),
                },
            )
        account = self._account(address)
        account.balance += amount
        self._set_meta("minted", int(self.meta["minted"]) + amount)
        return {"address": address, "balance": str(account.balance)}

    def increase_time(self, seconds: int) -> int:
        self._set_meta("time_offset", int(self.meta["time_offset"]) + seconds)
        return self.now()

    # ----- blocks --------------------------------------------------------------------------------------

    def mine_block(self) -> None:
        """One block: the height grows and every deadline and validation window is checked."""
        lifecycle.run_block(self)

    # ----- reads --------------------------------------------------------------------------------------

    def total_supply(self) -> int:
        """Balances + escrows + locked stakes: must equal genesis supply plus faucet mints."""
        balances = sum(account.balance for account in self.accounts.values())
        held = sum(task.escrow + task.locked_stake for task in self.tasks.values())
        return balances + held

    def expected_supply(self) -> int:
        return int(self.meta["genesis_supply"]) + int(self.meta["minted"])

    def digest(self) -> str:
        """A hash of every record; equal digests mean equal states (used by tests)."""
        return blake3_hex(
            canonical_json(
                {
                    "meta": self.meta,
                    "accounts": {
                        address: account.to_dict() for address, account in sorted(self.accounts.items())
                    },
                    "tasks": {task_id: task.to_dict() for task_id, task in sorted(self.tasks.items())},
                }
            )
        )
