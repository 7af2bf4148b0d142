"""A publisher's `task_data` checked against the content rules and completed with the defaults.

Pure: it needs only the node's time, so it can be tested and reused without a state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devnode import rules
from devnode.errors import INSUFFICIENT_FUNDS, INVALID_CONTENT, RpcError, invalid_params
from devnode.rules import format_tos

DEFAULT_VERIFICATION = (
    rules.DEFAULT_VERIFICATION,
    rules.DEFAULT_VERIFICATION["PeerReview"]["required_reviewers"],
)


@dataclass(frozen=True)
class TaskSpec:
    title: str
    description: str
    task_type: dict[str, dict[str, Any]]
    difficulty_level: str
    reward_amount: int
    stake_required: int
    deadline: int
    max_participants: int
    verification_type: Any
    required_reviewers: int
    quality_threshold: int


def nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def check_text(text: str, field_name: str, minimum: int, maximum: int | None) -> None:
    """Lengths are counted in UTF-8 bytes."""
    size = nbytes(text)
    if size < minimum:
        raise RpcError(
            INVALID_CONTENT,
            f"{field_name} is {size} bytes; at least {minimum} are required",
            {"field": field_name, "rule": "min_bytes", "min": minimum, "bytes": size},
        )
    if maximum is not None and size > maximum:
        raise RpcError(
            INVALID_CONTENT,
            f"{field_name} is {size} bytes; at most {maximum} are allowed",
            {"field": field_name, "rule": "max_bytes", "max": maximum, "bytes": size},
        )


def _task_type(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    task_type: dict[str, dict[str, Any]] = dict(data["task_type"])
    name = next(iter(task_type))
    for variant, key in rules.TASK_TYPE_DETAILS.items():
        if key in data:  # the REST flat form: {"task_type": "CodeAnalysis", "language": "rust"}
            if variant != name:
                raise invalid_params(key, f"'{key}' belongs to {variant}, not {name}", "task_type_detail")
            task_type = {name: {**task_type[name], key: data[key]}}
    return task_type


def _difficulty(data: dict[str, Any], reward: int) -> str:
    difficulty: str | None = data.get("difficulty_level")
    if difficulty is None:
        difficulty = next(
            (
                level
                for level in rules.DIFFICULTIES
                if rules.REWARD_RANGES[level][0] <= reward <= rules.REWARD_RANGES[level][1]
            ),
            None,
        )
        if difficulty is None:
            low, high = rules.REWARD_RANGES["Beginner"][0], rules.REWARD_RANGES["Expert"][1]
            raise RpcError(
                INVALID_CONTENT,
                f"reward {format_tos(reward)} fits no difficulty level ({format_tos(low)} to {format_tos(high)})",
                {"field": "reward_amount", "rule": "reward_range", "min": str(low), "max": str(high)},
            )
    low, high = rules.REWARD_RANGES[difficulty]
    if not low <= reward <= high:
        where, kind, bound = ("below", "minimum", low) if reward < low else ("above", "maximum", high)
        raise RpcError(
            INVALID_CONTENT,
            f"reward {format_tos(reward)} is {where} the {difficulty} {kind} of {format_tos(bound)}",
            {
                "field": "reward_amount",
                "rule": "reward_range",
                "difficulty_level": difficulty,
                "min": str(low),
                "max": str(high),
            },
        )
    return difficulty


def _deadline(data: dict[str, Any], difficulty: str, now: int) -> int:
    if data.get("deadline") is not None:
        deadline, field_name = int(data["deadline"]), "deadline"
    elif data.get("deadline_hours") is not None:
        deadline, field_name = now + int(float(data["deadline_hours"]) * 3600), "deadline_hours"
    else:
        return now + rules.DEFAULT_DEADLINE_DAYS[difficulty] * 86400
    if deadline <= now:
        raise RpcError(
            INVALID_CONTENT,
            "the deadline must be in the future (node time)",
            {"field": field_name, "rule": "deadline_in_future", "now": now},
        )
    if deadline > now + rules.MAX_DEADLINE_DAYS * 86400:
        raise RpcError(
            INVALID_CONTENT,
            "the deadline may be at most a year away",
            {"field": field_name, "rule": "deadline_too_far", "max": now + rules.MAX_DEADLINE_DAYS * 86400},
        )
    return deadline


def build_task_spec(data: dict[str, Any], now: int) -> TaskSpec:
    """Apply the content rules (-32005, or -32002 for an impossible stake) and the defaults."""
    task_type = _task_type(data)
    name = next(iter(task_type))
    reward = int(data["reward_amount"])
    difficulty = _difficulty(data, reward)
    detail = task_type[name].get(rules.TASK_TYPE_DETAILS[name])
    title = data.get("title") or (f"{name} ({detail})" if detail not in (None, "") else name)
    if nbytes(title) > rules.MAX_TITLE_BYTES:
        raise RpcError(
            INVALID_CONTENT,
            f"title is {nbytes(title)} bytes; at most {rules.MAX_TITLE_BYTES} are allowed",
            {"field": "title", "rule": "max_bytes", "max": rules.MAX_TITLE_BYTES},
        )
    description = data.get("description")
    if description is None:
        description = title
        check_text(description, "title", rules.MIN_CONTENT_BYTES, rules.MAX_DESCRIPTION_BYTES)
    else:
        check_text(description, "description", rules.MIN_CONTENT_BYTES, rules.MAX_DESCRIPTION_BYTES)
    stake_required = data.get("stake_required")
    stake_required = reward // rules.STAKE_MIN_DIVISOR if stake_required is None else int(stake_required)
    max_stake = reward // rules.STAKE_MAX_DIVISOR
    if stake_required > max_stake:
        raise RpcError(
            INSUFFICIENT_FUNDS,
            f"stake_required {format_tos(stake_required)} is above half the reward "
            f"({format_tos(max_stake)}), so no one could join",
            {"field": "stake_required", "rule": "stake_range", "max": str(max_stake)},
        )
    deadline = _deadline(data, difficulty, now)
    max_participants = int(data.get("max_participants", rules.DEFAULT_MAX_PARTICIPANTS))
    if not 1 <= max_participants <= rules.MAX_PARTICIPANTS_LIMIT:
        raise RpcError(
            INVALID_CONTENT,
            f"max_participants must be between 1 and {rules.MAX_PARTICIPANTS_LIMIT}",
            {"field": "max_participants", "rule": "range", "min": 1, "max": rules.MAX_PARTICIPANTS_LIMIT},
        )
    verification, reviewers = data.get("verification_type", DEFAULT_VERIFICATION)
    quality_threshold = int(data.get("quality_threshold", rules.DEFAULT_QUALITY_THRESHOLD))
    low, high = rules.SCORE_RANGE
    if not low <= quality_threshold <= high:
        raise RpcError(
            INVALID_CONTENT,
            f"quality_threshold must be between {low} and {high}",
            {"field": "quality_threshold", "rule": "range", "min": low, "max": high},
        )
    return TaskSpec(
        title=title,
        description=description,
        task_type=task_type,
        difficulty_level=difficulty,
        reward_amount=reward,
        stake_required=stake_required,
        deadline=deadline,
        max_participants=max_participants,
        verification_type=verification,
        required_reviewers=reviewers,
        quality_threshold=quality_threshold,
    )
