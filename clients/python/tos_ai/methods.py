"""Every node method, declared once: argument checks, params, and the parser of the result.

Both clients call these and run what they return (`Call` for one request, a plan for a composite
operation); see `tos_ai.core`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tos_ai import rules
from tos_ai.core import Call, Plan, RpcCore, check_chain, parse_any, parse_count
from tos_ai.models import TaskSolution, parse_amount
from tos_ai.records import (
    CancelledTask,
    DevAccount,
    EventsPage,
    MinerRegistration,
    MinerStats,
    NetworkInfo,
    NodeInfo,
    Participation,
    PublishedTask,
    Rules,
    SubmissionInfo,
    SubmissionReceipt,
    TaskDetails,
    TaskSummary,
    ValidationReceipt,
    list_of,
    record,
)

#: Statuses in which a submission can still be validated.
VALIDATABLE_STATUSES = frozenset(rules.VALIDATABLE_STATUSES)


def _task_id(task_id: str) -> str:
    if not isinstance(task_id, str) or not task_id:
        raise TypeError("task_id must be a non-empty string")
    return task_id


def _amount(name: str, value: int | str) -> str:
    """Amounts go to the node as decimal strings (atomic units), which it accepts for every amount."""
    return str(parse_amount(value, name))


def _int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer")
    return value


# --- reads ------------------------------------------------------------------------------------


def get_network_info() -> Call[NetworkInfo]:
    """The AI-mining network's summary (`get_network_info`).

    Returns a `NetworkInfo`: `active_tasks`, `total_miners`, `online_miners` (active in the last hour),
    `total_rewards_distributed` (atomic units, int), `average_task_completion_time` (seconds or None),
    `network`, `topoheight`, `timestamp`; it also reads as a mapping (`info["active_tasks"]`).
    Raises `NodeConnectionError` / `NodeTimeoutError` when the node cannot be reached (after the read
    retries of `RetryPolicy`) and `NodeResponseError` when its reply is malformed.
    """
    return Call("get_network_info", None, record(NetworkInfo))


def list_active_tasks(
    filters: Mapping[str, Any] | None = None,
    *,
    sort_by: str | None = None,
    sort_order: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[list[TaskSummary]]:
    """Tasks that are still open (`ai_list_active_tasks`), one page of them.

    `filters` (all optional): `task_type` ("CodeAnalysis"), `difficulty_level` ("Beginner"...),
    `min_reward` (atomic units), `publisher` (an address). `sort_by`: `reward_amount`, `deadline`,
    `created_at` or `participants_count`; `sort_order`: `asc` / `desc`; `limit` (node default 50,
    at most 500) and `offset` page through them.
    Returns a list of `TaskSummary` (`task_id`, `title`, `task_type`, `difficulty_level`,
    `reward_amount` and `stake_required` as ints, `deadline`, `time_left`, `participants_count`,
    `max_participants`, `submissions_count`, `publisher`, `status`; `min_stake` / `max_stake` give the
    stake range the node accepts). Raises `InvalidParams` for a bad filter, plus the read errors of
    `get_network_info`.
    """
    params: dict[str, Any] = {}
    if filters:
        params["filters"] = {
            key: (_amount(key, value) if key == "min_reward" else value)
            for key, value in filters.items()
            if value is not None
        }
    for key, value in (
        ("sort_by", sort_by),
        ("sort_order", sort_order),
        ("limit", limit),
        ("offset", offset),
    ):
        if value is not None:
            params[key] = value
    return Call("ai_list_active_tasks", params or None, list_of(record(TaskSummary)))


def get_task_details(task_id: str) -> Call[TaskDetails]:
    """One task with its participants, submissions, validations and rewards (`ai_get_task_details`).

    `task_id`: the task's 64-hex id. Returns a `TaskDetails`: the `TaskSummary` fields plus
    `description`, `verification_type`, `quality_threshold`, `created_at`, `participants`,
    `submissions` (each with `solution_data`, `validations`, `final_score`, `passed`) and `rewards`
    once paid. Raises `UnknownObject` (alias `TaskNotFound`) for an id the node does not know,
    `InvalidParams` for a malformed id, plus the read errors of `get_network_info`.
    """
    return Call("ai_get_task_details", {"task_id": _task_id(task_id)}, record(TaskDetails))


def get_balance(address: str) -> Call[int]:
    """An account's balance in atomic units, as an int (`get_balance`); raises the read errors."""
    return Call("get_balance", {"address": address}, parse_count)


def get_nonce(address: str) -> Call[int]:
    """An account's next nonce, as an int (`get_nonce`); signed writes fetch it themselves."""
    return Call("get_nonce", {"address": address}, parse_count)


def get_miner_stats(address: str) -> Call[MinerStats]:
    """An account's miner statistics (`ai_get_miner_stats`), as a `MinerStats`."""
    return Call("ai_get_miner_stats", {"miner_address": address}, record(MinerStats))


def get_events(
    since_seq: int = 0, limit: int | None = None, *, chain_id: str | None = None
) -> Call[EventsPage]:
    """A page of events after `since_seq` (`ai_get_events`), oldest first, at most `limit` (node default 100).

    Returns an `EventsPage`: `events`, `head_seq`, `oldest_seq`, `resync_required` (events after
    `since_seq` are gone: reload state from reads) and `chain_id`. Page on with
    `since_seq=page.events[-1].seq` until it reaches `head_seq`. Give `chain_id` (the chain the cursor
    came from) to have a reset chain raise `ChainReset` instead of returning the new chain's events.
    """
    params: dict[str, Any] = {"since_seq": _int("since_seq", since_seq)}
    if limit is not None:
        params["limit"] = _int("limit", limit)
    parse_page = record(EventsPage)

    def parse(value: object, path: str) -> EventsPage:
        page = parse_page(value, path)
        if chain_id is not None:
            check_chain(chain_id, page.chain_id, since_seq, page.head_seq, "ai_get_events")
        return page

    return Call("ai_get_events", params, parse)


def get_rules() -> Call[Rules]:
    """The protocol's rules as the node applies them (`ai_get_rules`), typed.

    Returns a `Rules`: `difficulty_levels` (reward ranges, default deadlines, reputation minimums per
    action), `stake` (`stake_bounds(reward, stake_required)`), `reputation`, `reward_split`, `slash`,
    `quality`, `content`, `deadlines`, `rate_limits` (`per_window` None when the node has them off),
    `transport`, `task_types`, `verification`, `statuses` and `events`; amounts as ints. `tos_ai.rules`
    holds the same rules as constants (`Rules.known()`). Raises `MethodNotFound` from a node that does
    not publish its rules.
    """
    return Call("ai_get_rules", None, record(Rules))


def get_info() -> Call[NodeInfo]:
    """The node's basics (`get_info`): `network`, `chain_id` (what signatures cover), `head_seq` (the
    newest event), `topoheight`, `timestamp`, `version`, `require_signatures`; kept as sent (a mapping).
    Raises the read errors of `get_network_info`.
    """
    return Call("get_info", None, record(NodeInfo))


def get_version() -> Call[Any]:
    """The node's version string (`get_version`)."""
    return Call("get_version", None, parse_any)


def raw(method: str, params: Any = None) -> Call[Any]:
    """Any method, result unparsed (`rpc_call`); account writes are still signed."""
    return Call(method, params, parse_any)


# --- writes -----------------------------------------------------------------------------------


def publish_task(
    task_type: str | Mapping[str, Any] | None = None,
    reward_amount: int | str | None = None,
    *,
    title: str | None = None,
    description: str | None = None,
    difficulty_level: str | None = None,
    stake_required: int | str | None = None,
    deadline: int | None = None,
    deadline_hours: int | float | None = None,
    max_participants: int | None = None,
    verification_type: str | Mapping[str, Any] | None = None,
    quality_threshold: int | None = None,
    task_data: Mapping[str, Any] | None = None,
    **extra: Any,
) -> Call[PublishedTask]:
    """Publish a task (`ai_publish_task`); the reward moves from this account's balance into escrow.

    `task_type`: "CodeAnalysis" or `{"CodeAnalysis": {"language": "rust"}}` (see
    `normalize_task_type`); `reward_amount`: atomic units, within the difficulty's range. Optional,
    the node's defaults when left out: `title`, `description` (10-2048 bytes), `difficulty_level`
    (the lowest level whose range holds the reward), `stake_required` (reward/10), `deadline` (Unix
    seconds) or `deadline_hours`, `max_participants` (10), `verification_type`, `quality_threshold`.
    Give the fields as arguments, or a whole `task_data` mapping (arguments win over its keys).
    Returns a `PublishedTask` (`task_id`, `status` "published", `deadline`). Raises
    `InvalidContent` (reward outside the difficulty's range, text too short or long),
    `InsufficientFunds`, `PermissionDenied` (reputation too low for the difficulty), `RateLimited`,
    `InvalidParams` (an unknown field or task type). Writes are never retried.
    """
    fields: dict[str, Any] = dict(task_data or {})
    given: dict[str, Any] = {
        "task_type": task_type,
        "reward_amount": reward_amount,
        "title": title,
        "description": description,
        "difficulty_level": difficulty_level,
        "stake_required": stake_required,
        "deadline": deadline,
        "deadline_hours": deadline_hours,
        "max_participants": max_participants,
        "verification_type": verification_type,
        "quality_threshold": quality_threshold,
        **extra,
    }
    fields.update({key: value for key, value in given.items() if value is not None})
    if "task_type" not in fields or "reward_amount" not in fields:
        raise TypeError("publish_task needs task_type and reward_amount")
    for key in ("reward_amount", "stake_required"):
        if key in fields:
            fields[key] = _amount(key, fields[key])
    return Call("ai_publish_task", {"task_data": fields}, record(PublishedTask))


def register_miner(
    specializations: list[str] | None = None, registration_fee: int | str | None = None
) -> Call[MinerRegistration]:
    """Register this account as a miner (`ai_register_miner`).

    `specializations`: task types you prefer (informational); `registration_fee`: atomic units (node
    default when None), taken from the balance. Returns a `MinerRegistration` (`miner_address`,
    `reputation`). Raises `AlreadyDone` when already registered, `InsufficientFunds` when the balance
    cannot pay the fee, `PermissionDenied` for a bad signature. Writes are never retried.
    """
    config: dict[str, Any] = {}
    if specializations is not None:
        config["specializations"] = list(specializations)
    if registration_fee is not None:
        config["registration_fee"] = _amount("registration_fee", registration_fee)
    return Call("ai_register_miner", {"miner_config": config}, record(MinerRegistration))


def participate_task(task_id: str, stake: int | str) -> Call[Participation]:
    """Join a task with a stake (`ai_participate_task`); the stake moves into escrow.

    `task_id`: the task; `stake`: atomic units (int or decimal string), between the task's
    `min_stake` and `max_stake`. Returns a `Participation` (`participation_id`, `task_id`,
    `stake_amount`). Raises `AlreadyDone` (joined before), `PermissionDenied` (your own task),
    `InsufficientFunds` (balance too low or stake out of range), `InvalidTaskState` (full, expired,
    not open), `UnknownObject` (no such task). Writes are never retried.
    """
    params = {"task_id": _task_id(task_id), "stake_amount": _amount("stake", stake)}
    return Call("ai_participate_task", params, record(Participation))


def submit_solution(task_id: str, solution: TaskSolution | Mapping[str, Any]) -> Call[SubmissionReceipt]:
    """Submit your answer to a task you joined (`ai_submit_solution`).

    `solution`: a `TaskSolution(content=..., code=..., documentation=...)` or the same as a mapping;
    `content` is required (at least 10 bytes). Returns a `SubmissionReceipt` (`submission_id`,
    `answer_hash`, `status` "submitted"). Raises `PermissionDenied` (not a participant),
    `AlreadyDone` (submitted before), `InvalidContent` (too short or too big), `InvalidTaskState`
    (past the deadline), `UnknownObject`. Writes are never retried.
    """
    data = solution.to_dict() if isinstance(solution, TaskSolution) else dict(solution)
    if not isinstance(data.get("content"), str):
        raise TypeError("a solution needs `content` (a string)")
    params = {"task_id": _task_id(task_id), "solution_data": data}
    return Call("ai_submit_solution", params, record(SubmissionReceipt))


def validate_submission(
    task_id: str, submission_id: str, score: int, reasoning: str
) -> Call[ValidationReceipt]:
    """Approve a submission with a quality score (`ai_validate_submission`, verdict Approve).

    `score`: 0..100; `reasoning`: why. Returns a `ValidationReceipt` (`validation_id`,
    `consensus_progress`: `{"validations", "required"}`); the task completes when every submission
    has its validations. Raises `PermissionDenied` (your own task or submission, a participant of the
    task, reputation too low), `AlreadyDone`, `InvalidContent` (score out of range),
    `InvalidTaskState` (no longer accepting validations), `UnknownObject`. Never retried.
    """
    verdict = {"Approve": {"quality_score": _int("score", score), "reasoning": reasoning}}
    return _validation(task_id, submission_id, verdict)


def reject_submission(
    task_id: str, submission_id: str, reason: str, evidence: Any = None
) -> Call[ValidationReceipt]:
    """Reject a submission (`ai_validate_submission`, verdict Reject); it scores 0 from you.

    `reason`: why; `evidence`: optional, any JSON value. Returns a `ValidationReceipt`; raises the
    errors of `validate`.
    """
    return _validation(task_id, submission_id, {"Reject": {"reason": reason, "evidence": evidence}})


def _validation(task_id: str, submission_id: str, verdict: dict[str, Any]) -> Call[ValidationReceipt]:
    params = {"task_id": _task_id(task_id), "submission_id": submission_id, "validation_result": verdict}
    return Call("ai_validate_submission", params, record(ValidationReceipt))


def cancel_task(task_id: str) -> Call[CancelledTask]:
    """Cancel a task you published while nobody has joined it (`ai_cancel_task`); the reward returns.

    Returns a `CancelledTask` (`task_id`, `status` "cancelled", `refunded`). Raises
    `PermissionDenied` (not your task), `InvalidTaskState` (already joined or finished),
    `UnknownObject`. Never retried.
    """
    return Call("ai_cancel_task", {"task_id": _task_id(task_id)}, record(CancelledTask))


# --- dev mode ---------------------------------------------------------------------------------


def dev_accounts() -> Call[list[DevAccount]]:
    """The devnode's funded dev accounts (`dev_accounts`, dev mode only): `address`, `private_key`
    (hex seed: `Wallet.from_private_key(...)`), `balance`. Raises `MethodNotFound` on a real node.
    """
    return Call("dev_accounts", None, list_of(record(DevAccount)))


def dev_faucet(address: str, amount: int | str) -> Call[Any]:
    """Mint `amount` atomic units to `address` (`dev_faucet`, dev mode only; unsigned)."""
    return Call("dev_faucet", {"address": address, "amount": _amount("amount", amount)}, parse_any)


def dev_increase_time(seconds: int) -> Call[Any]:
    """Move the devnode's clock forward by `seconds` (`dev_increase_time`, dev mode only)."""
    return Call("dev_increase_time", {"seconds": _int("seconds", seconds)}, parse_any)


def dev_mine(blocks: int = 1) -> Call[Any]:
    """Mine `blocks` blocks at once (`dev_mine`, dev mode only)."""
    return Call("dev_mine", {"blocks": _int("blocks", blocks)}, parse_any)


# --- composite reads (plans) ------------------------------------------------------------------


ALL_TASKS_PAGE = 500


def all_active_tasks(
    filters: Mapping[str, Any] | None = None, page_size: int = ALL_TASKS_PAGE
) -> Plan[list[TaskSummary]]:
    """Every active task, paging oldest first so tasks published meanwhile cannot shift a page."""
    tasks: dict[str, TaskSummary] = {}
    offset = 0
    while True:
        page: list[TaskSummary] = yield list_active_tasks(
            filters, sort_by="created_at", sort_order="asc", limit=page_size, offset=offset
        )
        for task in page:
            tasks.setdefault(task.task_id, task)
        if len(page) < page_size:
            return list(tasks.values())
        offset += page_size


def my_address(core: RpcCore) -> Plan[str]:
    """This client's account: the wallet's, else `sender`, else dev account 0 (the node's default)."""
    if core.wallet is not None:
        return core.wallet.address
    if core.sender is not None:
        return core.sender
    if core.default_address is None:
        accounts: list[DevAccount] = yield dev_accounts()
        if not accounts:
            raise LookupError("the node has no dev accounts; give the client a wallet or a sender")
        core.default_address = accounts[0].address
    return core.default_address


def balance_of(core: RpcCore, address: str | None = None) -> Plan[int]:
    """An account's balance in atomic units, as an int (default: this client's account).

    Raises `NodeConnectionError` / `NodeTimeoutError` when the node cannot be reached.
    """
    who = address or (yield from my_address(core))
    balance: int = yield get_balance(who)
    return balance


def miner_stats_of(core: RpcCore, address: str | None = None) -> Plan[MinerStats]:
    """An account's miner statistics (default: this client's account), as a `MinerStats`.

    `reputation` (0..1000, 500 at registration), `is_registered`, `tasks_published`,
    `tasks_participated`, `submissions`, `wins`, `validations`, `total_earnings` and `current_stake`
    (atomic units). Raises `UnknownObject` for an account the node has never seen.
    """
    who = address or (yield from my_address(core))
    stats: MinerStats = yield get_miner_stats(who)
    return stats


def my_tasks(core: RpcCore) -> Plan[list[TaskSummary]]:
    """Every active task this account published, as `TaskSummary` records (all pages)."""
    me = yield from my_address(core)
    tasks = yield from all_active_tasks({"publisher": me})
    return [task for task in tasks if task.publisher == me]


@dataclass(frozen=True)
class PendingSubmission:
    """A submission this account may still validate, with its task."""

    task: TaskDetails
    submission: SubmissionInfo

    @property
    def task_id(self) -> str:
        return self.task.task_id

    @property
    def submission_id(self) -> str:
        return self.submission.submission_id

    @property
    def submitter(self) -> str | None:
        return self.submission.submitter


def required_validations(verification_type: Any) -> int:
    """How many validations a submission needs under a task's verification type (devnet rule)."""
    if isinstance(verification_type, Mapping):
        for body in verification_type.values():
            if isinstance(body, Mapping):
                for key in ("required_reviewers", "expert_count"):
                    value = body.get(key)
                    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                        return value
    return 1


def pending_submissions(core: RpcCore) -> Plan[list[PendingSubmission]]:
    """Submissions on active tasks that this account may still validate, derived from reads.

    Skips tasks it published, its own submissions, submissions it already validated or that have
    all their validations, and difficulties its reputation is too low to validate.
    """
    me = yield from my_address(core)
    tasks = yield from all_active_tasks()
    candidates = [
        task
        for task in tasks
        if task.publisher != me and task.submissions_count > 0 and task.status in VALIDATABLE_STATUSES
    ]
    if not candidates:
        return []
    stats: MinerStats = yield get_miner_stats(me)
    minimums = rules.MIN_REPUTATION["validate"]
    candidates = [
        task
        for task in candidates
        if task.difficulty_level in minimums and stats.reputation >= minimums[task.difficulty_level]
    ]
    details: list[TaskDetails] = yield tuple(get_task_details(task.task_id) for task in candidates)
    pending: list[PendingSubmission] = []
    for task in details:
        needed = required_validations(task.verification_type)
        for submission in task.submissions:
            validators = {v.validator for v in submission.validations}
            if (
                submission.submitter != me
                and me not in validators
                and submission.final_score is None
                and len(submission.validations) < needed
            ):
                pending.append(PendingSubmission(task, submission))
    return pending
