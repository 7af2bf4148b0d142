"""Records as API JSON: task summaries and details, miner stats, the daemon-compatible shapes.

Summaries are cached per task (dropped whenever the task changes) because list and detail reads dominate
the load; only `time_left` is computed per request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devnode import rules
from devnode.crypto import DEVNET_NETWORK
from devnode.events import EVENT_NAMES
from devnode.models import Account, Task
from devnode.state import State

if TYPE_CHECKING:
    from devnode.node import NodeConfig


def task_summary(state: State, task: Task, now: int) -> dict[str, Any]:
    cached = state.summary_cache.get(task.task_id)
    if cached is None:
        cached = {
            "task_id": task.task_id,
            "title": task.title,
            "task_type": task.task_type,
            "difficulty_level": task.difficulty_level,
            "reward_amount": str(task.reward_amount),
            "stake_required": str(task.stake_required),
            "deadline": task.deadline,
            "time_left": 0,
            "participants_count": len(task.participants),
            "max_participants": task.max_participants,
            "submissions_count": len(task.submissions),
            "publisher": task.publisher,
            "status": task.status,
        }
        state.summary_cache[task.task_id] = cached
    summary = dict(cached)
    summary["time_left"] = max(0, task.deadline - now)
    return summary


def task_details(state: State, task: Task, now: int) -> dict[str, Any]:
    details = task_summary(state, task, now)
    details.update(
        {
            "description": task.description,
            "verification_type": task.verification_type,
            "required_reviewers": task.required_reviewers,
            "quality_threshold": task.quality_threshold,
            "created_at": task.created_at,
            "completed_at": task.completed_at,
            "validation_deadline": task.deadline + state.config.validation_window,
            "escrow": str(task.escrow),
            "participants": [
                {
                    "participation_id": item.participation_id,
                    "miner": item.miner,
                    "stake_amount": str(item.stake),
                    "joined_at": item.joined_at,
                    "submission_id": item.submission_id,
                    "stake_outcome": item.outcome,
                }
                for item in task.participants
            ],
            "submissions": [
                {
                    "submission_id": item.submission_id,
                    "submitter": item.submitter,
                    "answer_hash": item.answer_hash,
                    "submitted_at": item.submitted_at,
                    "solution_data": item.solution,
                    "validations": [validation.to_api() for validation in item.validations],
                    "validations_count": len(item.validations),
                    "required_reviewers": task.required_reviewers,
                    "final_score": item.final_score,
                    "passed": None
                    if item.final_score is None
                    else item.final_score >= task.quality_threshold,
                }
                for item in task.submissions
            ],
        }
    )
    if task.rewards:
        details["rewards"] = [credit.to_api() for credit in task.rewards]
    return details


SORT_KEYS = ("created_at", "deadline", "time_left", "reward_amount", "participants_count")


def _sort_value(task: Task, sort_by: str) -> tuple[int, int]:
    if sort_by in ("deadline", "time_left"):
        primary = task.deadline
    elif sort_by == "reward_amount":
        primary = task.reward_amount
    elif sort_by == "participants_count":
        primary = len(task.participants)
    else:
        primary = task.created_at
    return primary, task.number


def list_active_tasks(state: State, params: dict[str, Any]) -> list[dict[str, Any]]:
    sort_by = params.get("sort_by", "created_at")
    descending = params.get("sort_order", "desc") == "desc"
    key = (state.version, sort_by, descending)
    ordered = state.list_cache.get(key)
    if ordered is None:
        state.list_cache.clear()  # one live version at a time keeps the cache from growing
        tasks = [state.tasks[task_id] for task_id in state.active_ids]
        ordered = sorted(tasks, key=lambda task: _sort_value(task, sort_by), reverse=descending)
        state.list_cache[key] = ordered
    filters = params.get("filters", {})
    task_type = filters.get("task_type")
    difficulty = filters.get("difficulty_level")
    min_reward = filters.get("min_reward")
    publisher = filters.get("publisher")
    status = filters.get("status")
    offset = params.get("offset", 0)
    limit = params.get("limit", 50)
    now = state.now()
    result: list[dict[str, Any]] = []
    skipped = 0
    for task in ordered:
        if task_type is not None and task.type_name() != task_type:
            continue
        if difficulty is not None and task.difficulty_level != difficulty:
            continue
        if min_reward is not None and task.reward_amount < min_reward:
            continue
        if publisher is not None and task.publisher != publisher:
            continue
        if status is not None and task.status != status:
            continue
        if skipped < offset:
            skipped += 1
            continue
        result.append(task_summary(state, task, now))
        if len(result) >= limit:
            break
    return result


def miner_stats(account: Account) -> dict[str, Any]:
    return {
        "miner_address": account.address,
        "is_registered": account.is_miner,
        "reputation": account.reputation,
        "tasks_published": account.tasks_published,
        "tasks_participated": account.tasks_participated,
        "submissions": account.submissions,
        "wins": account.wins,
        "validations": account.validations,
        "total_earnings": str(account.total_earnings),
        "current_stake": str(account.current_stake),
        "balance": str(account.balance),
        "registered_at": account.registered_at,
        "specializations": account.specializations,
    }


def network_info(state: State) -> dict[str, Any]:
    now = state.now()
    miners = [account for account in state.accounts.values() if account.is_miner]
    completed = int(state.meta["completed_tasks"])
    return {
        "active_tasks": len(state.active_ids),
        "total_miners": len(miners),
        "online_miners": sum(
            1
            for account in miners
            if account.last_active is not None and now - account.last_active < rules.RATE_WINDOW_SECONDS
        ),
        "total_rewards_distributed": str(state.meta["total_rewards_distributed"]),
        "average_task_completion_time": int(state.meta["completion_time_sum"]) // completed
        if completed
        else 0,
        "network": DEVNET_NETWORK,
        "topoheight": state.topoheight,
        "timestamp": now,
    }


# The read methods the real TOS daemon registered keep its shapes: plain integers for its u64 fields.


def daemon_statistics(state: State) -> dict[str, Any]:
    return {
        "total_tasks": len(state.tasks),
        "active_tasks": len(state.active_ids),
        "completed_tasks": int(state.meta["completed_tasks"]),
        "total_miners": sum(1 for account in state.accounts.values() if account.is_miner),
        "total_rewards_distributed": int(state.meta["total_rewards_distributed"]),
        "total_staked": sum(account.current_stake for account in state.accounts.values()),
    }


def daemon_miner(account: Account) -> dict[str, Any]:
    return {
        "address": account.address,
        "reputation": account.reputation,
        "registration_fee": account.registration_fee,
        "registered_at": account.registered_at,
        "specializations": account.specializations,
        "tasks_completed": account.wins,
        "tasks_participated": account.tasks_participated,
        "validations": account.validations,
        "total_earnings": account.total_earnings,
        "current_stake": account.current_stake,
    }


# ----- the rules ------------------------------------------------------------------------------------------


def published_rules(config: NodeConfig) -> dict[str, Any]:
    """`ai_get_rules`: devnode.rules as data, with what this node's configuration sets (rate limits, the
    validation window, the events kept); amounts as decimal strings like every other reply."""
    reputation = {
        action: rules.MIN_REPUTATION[rules.PARTICIPATE_NEEDS if action == "participate" else action]
        for action in ("publish", "participate", "submit", "validate")
    }
    low_score, high_score = rules.SCORE_RANGE
    low_complexity, high_complexity = rules.COMPLEXITY_RANGE
    rate_limits = config.state.rate_limits
    return {
        "amounts": {
            "atomic_per_tos": rules.ATOMIC_PER_TOS,
            "decimals": rules.TOS_DECIMALS,
            "max_supply": str(rules.MAX_SUPPLY),
            "faucet_cap": str(rules.FAUCET_CAP),
            "min_registration_fee": str(rules.MIN_REGISTRATION_FEE),
        },
        "difficulty_levels": [
            {
                "name": level,
                "min_reward": str(rules.REWARD_RANGES[level][0]),
                "max_reward": str(rules.REWARD_RANGES[level][1]),
                "default_deadline_seconds": rules.DEFAULT_DEADLINE_DAYS[level] * 86400,
                "min_reputation": {action: minimums[level] for action, minimums in reputation.items()},
            }
            for level in rules.DIFFICULTIES
        ],
        "stake": {"min_divisor": rules.STAKE_MIN_DIVISOR, "max_divisor": rules.STAKE_MAX_DIVISOR},
        "reputation": {
            "min": rules.REPUTATION_MIN,
            "max": rules.REPUTATION_MAX,
            "start": rules.REPUTATION_START,
            "deltas": {
                "winner": rules.REP_WINNER,
                "passing_submission": rules.REP_PASSING,
                "failing_submission": rules.REP_FAILING,
                "no_submission": rules.REP_NO_SUBMISSION,
                "validation_close": rules.REP_VALIDATOR_CLOSE,
                "validation_far": rules.REP_VALIDATOR_FAR,
                "task_completed": rules.REP_PUBLISHER_COMPLETED,
            },
            "validation_close_points": rules.VALIDATOR_CLOSE_POINTS,
        },
        "reward_split": {
            "winner_percent": rules.WINNER_PERCENT,
            "others_percent": rules.OTHERS_PERCENT,
            "validators_percent": rules.VALIDATORS_PERCENT,
            "network_percent": rules.NETWORK_PERCENT,
        },
        "slash": {"percent": rules.SLASH_PERCENT, "keep_score": rules.STAKE_KEEP_SCORE},
        "quality": {
            "default_threshold": rules.DEFAULT_QUALITY_THRESHOLD,
            "min_score": low_score,
            "max_score": high_score,
        },
        "content": {
            "min_content_bytes": rules.MIN_CONTENT_BYTES,
            "max_title_bytes": rules.MAX_TITLE_BYTES,
            "max_description_bytes": rules.MAX_DESCRIPTION_BYTES,
            "max_solution_bytes": rules.MAX_SOLUTION_BYTES,
            "max_participants": rules.MAX_PARTICIPANTS_LIMIT,
            "default_max_participants": rules.DEFAULT_MAX_PARTICIPANTS,
        },
        "deadlines": {
            "max_seconds": rules.MAX_DEADLINE_DAYS * 86400,
            "validation_window_seconds": config.state.validation_window,
        },
        "rate_limits": {
            "window_seconds": rules.RATE_WINDOW_SECONDS,
            "per_window": None if rate_limits is None else dict(rate_limits),
        },
        "transport": {
            "max_body_bytes": rules.MAX_BODY_BYTES,
            "max_batch": rules.MAX_BATCH,
            "max_reply_bytes": rules.MAX_REPLY_BYTES,
            "max_page_limit": rules.MAX_PAGE_LIMIT,
            "max_state_tasks": rules.MAX_STATE_TASKS,
            "events_kept": config.max_events,
        },
        "task_types": [
            {
                "name": name,
                "detail": detail,
                "detail_type": "integer" if detail == "complexity" else "string",
                "detail_min": low_complexity if detail == "complexity" else 0,
                "detail_max": high_complexity if detail == "complexity" else rules.DETAIL_MAX_CHARS,
            }
            for name, detail in rules.TASK_TYPE_DETAILS.items()
        ],
        "verification": {
            "types": list(rules.VERIFICATION_TYPES),
            "default": rules.DEFAULT_VERIFICATION,
            "max_reviewers": rules.MAX_REVIEWERS,
        },
        "statuses": {
            "all": list(rules.STATUSES),
            "active": list(rules.ACTIVE_STATUSES),
            "open": list(rules.OPEN_STATUSES),
            "validatable": list(rules.VALIDATABLE_STATUSES),
        },
        "events": list(EVENT_NAMES),
    }
