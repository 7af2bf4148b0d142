"""Every node method, declared once: argument checks, params, and the parser of the result.

Both clients call these and run what they return (`Call` for one request, a plan for a composite
operation); see `tos_ai.core`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tos_ai.core import Call, Plan, RpcCore, check_chain, parse_any, parse_count
from tos_ai.models import TaskSolution, difficulty_rank, parse_amount
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
    SubmissionInfo,
    SubmissionReceipt,
    TaskDetails,
    TaskSummary,
    ValidationReceipt,
    list_of,
    record,
)

#: Minimum reputation to validate, per difficulty (Beginner, Intermediate, Advanced, Expert).
VALIDATE_MIN_REPUTATION = (150, 350, 550, 750)
#: Statuses in which a submission can still be validated.
VALIDATABLE_STATUSES = frozenset({"InProgress", "UnderValidation"})


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
    return Call("get_network_info", None, record(NetworkInfo))


def list_active_tasks(
    filters: Mapping[str, Any] | None = None,
    *,
    sort_by: str | None = None,
    sort_order: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[list[TaskSummary]]:
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
    return Call("ai_get_task_details", {"task_id": _task_id(task_id)}, record(TaskDetails))


def get_balance(address: str) -> Call[int]:
    return Call("get_balance", {"address": address}, parse_count)


def get_nonce(address: str) -> Call[int]:
    return Call("get_nonce", {"address": address}, parse_count)


def get_miner_stats(address: str) -> Call[MinerStats]:
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


def get_info() -> Call[NodeInfo]:
    return Call("get_info", None, record(NodeInfo))


def get_version() -> Call[Any]:
    return Call("get_version", None, parse_any)


def raw(method: str, params: Any = None) -> Call[Any]:
    """Any method, result unparsed (`rpc_call`)."""
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
    """Publish a task (`ai_publish_task`); fields left out take the node's defaults.

    Give the fields as arguments, or a whole `task_data` mapping (arguments win over its keys).
    The reward moves from this account's balance into escrow.
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
    config: dict[str, Any] = {}
    if specializations is not None:
        config["specializations"] = list(specializations)
    if registration_fee is not None:
        config["registration_fee"] = _amount("registration_fee", registration_fee)
    return Call("ai_register_miner", {"miner_config": config}, record(MinerRegistration))


def participate_task(task_id: str, stake: int | str) -> Call[Participation]:
    params = {"task_id": _task_id(task_id), "stake_amount": _amount("stake", stake)}
    return Call("ai_participate_task", params, record(Participation))


def submit_solution(task_id: str, solution: TaskSolution | Mapping[str, Any]) -> Call[SubmissionReceipt]:
    data = solution.to_dict() if isinstance(solution, TaskSolution) else dict(solution)
    if not isinstance(data.get("content"), str):
        raise TypeError("a solution needs `content` (a string)")
    params = {"task_id": _task_id(task_id), "solution_data": data}
    return Call("ai_submit_solution", params, record(SubmissionReceipt))


def validate_submission(
    task_id: str, submission_id: str, score: int, reasoning: str
) -> Call[ValidationReceipt]:
    verdict = {"Approve": {"quality_score": _int("score", score), "reasoning": reasoning}}
    return _validation(task_id, submission_id, verdict)


def reject_submission(
    task_id: str, submission_id: str, reason: str, evidence: Any = None
) -> Call[ValidationReceipt]:
    return _validation(task_id, submission_id, {"Reject": {"reason": reason, "evidence": evidence}})


def _validation(task_id: str, submission_id: str, verdict: dict[str, Any]) -> Call[ValidationReceipt]:
    params = {"task_id": _task_id(task_id), "submission_id": submission_id, "validation_result": verdict}
    return Call("ai_validate_submission", params, record(ValidationReceipt))


def cancel_task(task_id: str) -> Call[CancelledTask]:
    return Call("ai_cancel_task", {"task_id": _task_id(task_id)}, record(CancelledTask))


# --- dev mode ---------------------------------------------------------------------------------


def dev_accounts() -> Call[list[DevAccount]]:
    return Call("dev_accounts", None, list_of(record(DevAccount)))


def dev_faucet(address: str, amount: int | str) -> Call[Any]:
    return Call("dev_faucet", {"address": address, "amount": _amount("amount", amount)}, parse_any)


def dev_increase_time(seconds: int) -> Call[Any]:
    return Call("dev_increase_time", {"seconds": _int("seconds", seconds)}, parse_any)


def dev_mine(blocks: int = 1) -> Call[Any]:
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
    """An account's balance in atomic units (default: this client's account)."""
    who = address or (yield from my_address(core))
    balance: int = yield get_balance(who)
    return balance


def miner_stats_of(core: RpcCore, address: str | None = None) -> Plan[MinerStats]:
    """An account's miner stats (default: this client's account)."""
    who = address or (yield from my_address(core))
    stats: MinerStats = yield get_miner_stats(who)
    return stats


def my_tasks(core: RpcCore) -> Plan[list[TaskSummary]]:
    """Active tasks this account published."""
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
    candidates = [
        task
        for task in candidates
        if difficulty_rank(task.difficulty_level) < len(VALIDATE_MIN_REPUTATION)
        and stats.reputation >= VALIDATE_MIN_REPUTATION[difficulty_rank(task.difficulty_level)]
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
