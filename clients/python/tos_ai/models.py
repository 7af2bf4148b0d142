"""What callers hand to the client: solutions, auto-mining settings, amounts and task types checked as the node would.

The rules' constants live in `tos_ai.rules`; the names imported from there stay importable from here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tos_ai.rules import (
    ATOMIC_PER_TOS,
    COMPLEXITY_RANGE,
    DETAIL_MAX_CHARS,
    DIFFICULTY_LEVELS,
    EVENT_NAMES,
    MAX_SUPPLY,
    REWARD_RANGES,
    TASK_TYPE_DETAILS,
    TOS_DECIMALS,
    difficulty_rank,
)

if TYPE_CHECKING:
    from tos_ai.records import TaskDetails

__all__ = [
    "ATOMIC_PER_TOS",
    "DIFFICULTY_LEVELS",
    "EVENT_NAMES",
    "MAX_SUPPLY",
    "REWARD_RANGES",
    "TASK_TYPE_DETAILS",
    "AutoMiningConfig",
    "SolutionGenerator",
    "TaskSolution",
    "difficulty_rank",
    "format_tos",
    "normalize_task_type",
    "parse_amount",
    "to_atomic",
]

_TOS_AMOUNT = re.compile(rf"([0-9]+)(?:\.([0-9]{{1,{TOS_DECIMALS}}}))?")
#: The node's pattern for an amount string: ASCII digits only, at most 40 of them.
_ATOMIC = re.compile(r"[0-9]{1,40}", re.ASCII)


def parse_amount(value: object, name: str = "amount") -> int:
    """An amount in atomic units as the node accepts it: an integer or a string of ASCII digits, 0..MAX_SUPPLY.

    Raises `TypeError` for anything else than an int or a str (bool, float, None) and `ValueError` for
    a negative number, a string that is not 1 to 40 plain ASCII digits ("1.5", " 5", "+5", "1e9", "٢")
    or a value above the chain's whole supply (`MAX_SUPPLY`, 184,000,000 TOS). `to_atomic("1.5")`
    converts a TOS figure instead.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"{name} must be an amount in atomic units (a decimal string or an integer)")
    if isinstance(value, str):
        if not _ATOMIC.fullmatch(value):
            raise ValueError(f"{name} must be an amount in atomic units (a decimal string or an integer)")
        value = int(value)
    if value < 0:
        raise ValueError(f"{name} cannot be negative")
    if value > MAX_SUPPLY:
        raise ValueError(
            f"{name} is {format_tos(value)}, more than the chain's whole supply of {format_tos(MAX_SUPPLY)}"
        )
    return value


def normalize_task_type(task_type: object) -> dict[str, dict[str, Any]]:
    """The form the node stores a task type in: `{Variant: {detail_key: value}}` (a bare name gets `{}`).

    Raises `ValueError` naming the field as the node would (`task_type`,
    `task_type.CodeAnalysis.scope`, ...) for an unknown variant, two variants, a detail of another
    variant or a detail of the wrong type or range.
    """
    if isinstance(task_type, str):
        task_type = {task_type: {}}
    if not isinstance(task_type, Mapping) or len(task_type) != 1:
        raise ValueError(
            "task_type: expected one of " + ", ".join(TASK_TYPE_DETAILS) + ", or {Variant: {...}}"
        )
    ((name, detail),) = task_type.items()
    if name not in TASK_TYPE_DETAILS:
        raise ValueError(
            f"task_type: unknown task type {name!r}; expected one of {', '.join(TASK_TYPE_DETAILS)}"
        )
    detail = {} if detail is None else detail
    if not isinstance(detail, Mapping):
        raise ValueError(f"task_type.{name}: expected an object")
    key = TASK_TYPE_DETAILS[name]
    for other in detail:
        if other != key:
            raise ValueError(f"task_type.{name}.{other}: {name} takes only {key!r}")
    if key in detail and detail[key] is not None:
        value = detail[key]
        low, high = COMPLEXITY_RANGE
        if key == "complexity":
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"task_type.{name}.{key}: expected an integer from {low} to {high}")
        elif not isinstance(value, str) or len(value) > DETAIL_MAX_CHARS:
            raise ValueError(
                f"task_type.{name}.{key}: expected a string of at most {DETAIL_MAX_CHARS} characters"
            )
        return {name: {key: value}}
    return {name: {}}


def to_atomic(tos: str | int) -> int:
    """Convert a TOS amount written in decimal ("1.5") to atomic units (150000000)."""
    match = _TOS_AMOUNT.fullmatch(str(tos).strip())
    if match is None:
        raise ValueError(f"not a TOS amount with at most 8 decimals: {tos!r}")
    whole, frac = match.group(1), match.group(2) or ""
    return int(whole) * ATOMIC_PER_TOS + int(frac.ljust(TOS_DECIMALS, "0"))


def format_tos(atomic: int) -> str:
    """Format atomic units as TOS with 8 decimals, trailing zeros trimmed ("1.5 TOS")."""
    sign = "-" if atomic < 0 else ""
    whole, frac = divmod(abs(atomic), ATOMIC_PER_TOS)
    text = f"{whole}.{frac:0{TOS_DECIMALS}d}".rstrip("0").rstrip(".")
    return f"{sign}{text} TOS"


@dataclass(frozen=True)
class TaskSolution:
    """A miner's answer to a task: `content` is required, the rest is optional."""

    content: str
    code: str | None = None
    documentation: str | None = None
    test_results: Any = None
    performance_metrics: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The `solution_data` object for `ai_submit_solution`, without the fields left as None."""
        fields = {
            "content": self.content,
            "code": self.code,
            "documentation": self.documentation,
            "test_results": self.test_results,
            "performance_metrics": self.performance_metrics,
        }
        return {key: value for key, value in fields.items() if value is not None}


SolutionGenerator = Callable[["TaskDetails"], "TaskSolution | Awaitable[TaskSolution]"]


@dataclass
class AutoMiningConfig:
    """How the auto-miner chooses, joins and answers tasks (the TOS design's fields and defaults, plus a few).

    - `target_difficulty`: the difficulty levels to take, e.g. `["Intermediate", "Advanced"]`; a single
      string means that one level.
    - `max_concurrent_tasks`: how many joined, unfinished tasks at once.
    - `min_success_probability`: 0..1, compared with `estimate_success_probability(task, ...)`.
    - `min_time_left`: seconds before the deadline below which a task is skipped.
    - `check_interval`: seconds between scans, 60 by default (a `task_published` event wakes the loop early).
    - `auto_submit_solutions`: submit right after joining; otherwise only join.
    - `ai_api_key`: handed to your `solution_generator`; the default generator never uses the network.
    - `solution_generator`: task details -> TaskSolution (sync or async); default `draft_offline_solution`.
    - `stake_fraction`: stake = max(task's minimum stake, reward * fraction), capped at reward/2.
    - `error_pause`: seconds to wait after a failed scan before trying again (the design's 30).
    - `listen_events`: wake on `task_published` events from the node's event stream.

    Raises `ValueError` naming the field when a value is out of range.
    """

    target_difficulty: str | Sequence[str] = ("Beginner", "Intermediate")
    max_concurrent_tasks: int = 1
    min_success_probability: float = 0.0
    min_time_left: int = 600
    check_interval: float = 60.0
    auto_submit_solutions: bool = True
    ai_api_key: str | None = field(default=None, repr=False)
    solution_generator: SolutionGenerator | None = None
    stake_fraction: float = 0.1
    error_pause: float = 30.0
    listen_events: bool = True

    def __post_init__(self) -> None:
        levels = self.target_difficulties
        unknown = [level for level in levels if level not in DIFFICULTY_LEVELS]
        if not levels or unknown:
            raise ValueError(
                f"target_difficulty must be one or more of {', '.join(DIFFICULTY_LEVELS)}"
                + (f" (not {', '.join(map(repr, unknown))})" if unknown else "")
            )
        if self.max_concurrent_tasks < 1:
            raise ValueError("max_concurrent_tasks must be at least 1")
        if not 0.0 <= self.min_success_probability <= 1.0:
            raise ValueError("min_success_probability must be between 0 and 1")
        if self.check_interval <= 0 or self.error_pause < 0:
            raise ValueError("check_interval must be positive and error_pause not negative")
        if not 0.0 < self.stake_fraction <= 0.5:
            raise ValueError("stake_fraction must be in (0, 0.5]")

    @property
    def target_difficulties(self) -> tuple[str, ...]:
        """`target_difficulty` as a tuple of levels (a single string is that one level)."""
        value = self.target_difficulty
        if isinstance(value, str):
            return (value,)
        return tuple(value)
