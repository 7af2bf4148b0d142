"""Typed, validated views of node replies that still read as plain mappings.

Each reply is checked field by field when it arrives; a missing or ill-typed field raises
`Malformed(path, reason)`, which the RPC core turns into a `NodeResponseError` naming the method.
A record is a read-only `Mapping`: `task["task_id"]` works, and amount fields hold ints (the node
sends decimal strings); `record.raw` is the reply exactly as the node sent it. Typed attributes
(`task.reward_amount`) read the same values. Fields the client does not know are kept as sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, Generic, Self, TypeVar, overload

T = TypeVar("T")
R = TypeVar("R", bound="Record")

_DECIMAL = re.compile(r"[0-9]+")


class Malformed(Exception):
    """A reply field that does not match what the API promises."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


Converter = Callable[[object, str], T]


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def as_str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise Malformed(path, f"expected a string, got {_kind(value)}")
    return value


def as_int(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(path, f"expected an integer, got {_kind(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            raise Malformed(path, f"expected an integer, got {value!r}")
        return int(value)
    return value


def as_number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(path, f"expected a number, got {_kind(value)}")
    return float(value)


def as_amount(value: object, path: str) -> int:
    """An amount in atomic units: a decimal string (as the node sends it) or an integer."""
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            raise Malformed(path, f"expected a decimal amount, got {value!r}")
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise Malformed(path, f"expected an amount (decimal string), got {_kind(value)}")


def as_bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise Malformed(path, f"expected true or false, got {_kind(value)}")
    return value


def as_dict(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Malformed(path, f"expected an object, got {_kind(value)}")
    return dict(value)


def as_any(value: object, path: str) -> Any:
    return value


def list_of(item: Converter[T]) -> Converter[list[T]]:
    def convert(value: object, path: str) -> list[T]:
        if not isinstance(value, list):
            raise Malformed(path, f"expected a list, got {_kind(value)}")
        return [item(entry, f"{path}[{i}]") for i, entry in enumerate(value)]

    return convert


def nullable(inner: Converter[T]) -> Converter[T | None]:
    def convert(value: object, path: str) -> T | None:
        return None if value is None else inner(value, path)

    return convert


def record(cls: type[R]) -> Converter[R]:
    def convert(value: object, path: str) -> R:
        return cls.parse(value, path)

    return convert


class Field(Generic[T]):
    """A declared reply field: how to check and convert it, and what a missing optional one reads as."""

    def __init__(self, convert: Converter[T], *, required: bool = True, default: Any = None) -> None:
        self.convert = convert
        self.required = required
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type[Record], name: str) -> None:
        self.name = name
        owner._fields = {**owner._fields, name: self}

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Field[T]: ...
    @overload
    def __get__(self, obj: Record, owner: type[Any]) -> T: ...
    def __get__(self, obj: Record | None, owner: type[Any]) -> Field[T] | T:
        if obj is None:
            return self
        value: T = obj._attrs[self.name]
        return value


def required(convert: Converter[T]) -> Field[T]:
    return Field(convert)


def optional(convert: Converter[T], default: Any = None) -> Field[T | None]:
    return Field(nullable(convert), required=False, default=default)


def optional_list(item: Converter[T]) -> Field[list[T]]:
    """A list field that may be missing or null; it then reads as []."""
    inner = list_of(item)

    def convert(value: object, path: str) -> list[T]:
        return [] if value is None else inner(value, path)

    return Field(convert, required=False, default=list)


class Record(Mapping[str, Any]):
    """Base for validated node replies; see the module docstring."""

    _fields: ClassVar[dict[str, Field[Any]]] = {}
    __slots__ = ("_attrs", "_data", "_raw")

    def __init__(self, raw: Mapping[str, Any], path: str = "result") -> None:
        attrs: dict[str, Any] = {}
        data: dict[str, Any] = dict(raw)
        for name, spec in self._fields.items():
            where = f"{path}.{name}"
            if name not in raw:
                if spec.required:
                    raise Malformed(where, "missing")
                attrs[name] = spec.default() if callable(spec.default) else spec.default
                continue
            value = spec.convert(raw[name], where)
            if value is None and spec.required:
                raise Malformed(where, "is null")
            attrs[name] = data[name] = value
        self._raw = raw
        self._attrs = attrs
        self._data = data

    @classmethod
    def parse(cls, value: object, path: str = "result") -> Self:
        """Check a reply value and wrap it; raise `Malformed` naming the first bad field."""
        if not isinstance(value, Mapping):
            raise Malformed(path, f"expected an object, got {_kind(value)}")
        return cls(value, path)

    @property
    def raw(self) -> Mapping[str, Any]:
        """The reply exactly as the node sent it (amounts as decimal strings)."""
        return self._raw

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready copy: nested records become dicts, amounts stay ints."""
        return {key: _plain(value) for key, value in self._data.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --- the replies of the node API -------------------------------------------------------------------


class NetworkInfo(Record):
    """`get_network_info`."""

    active_tasks = required(as_int)
    total_miners = required(as_int)
    online_miners = required(as_int)
    total_rewards_distributed = required(as_amount)
    average_task_completion_time = optional(as_number)
    network = required(as_str)
    topoheight = required(as_int)
    timestamp = required(as_int)


class TaskSummary(Record):
    """One entry of `ai_list_active_tasks`."""

    task_id = required(as_str)
    title = required(as_str)
    task_type = required(as_any)
    difficulty_level = required(as_str)
    reward_amount = required(as_amount)
    stake_required = required(as_amount)
    deadline = required(as_int)
    time_left = required(as_int)
    participants_count = required(as_int)
    max_participants = required(as_int)
    submissions_count = required(as_int)
    publisher = required(as_str)
    status = required(as_str)

    @property
    def min_stake(self) -> int:
        """The smallest stake the node accepts: max(reward/10, stake_required)."""
        return max(self.reward_amount // 10, self.stake_required)

    @property
    def max_stake(self) -> int:
        """The largest stake the node accepts: reward/2."""
        return self.reward_amount // 2


class Validation(Record):
    """One validation of a submission, inside task details."""

    validation_id = optional(as_str)
    validator = optional(as_str)
    quality_score = optional(as_int)
    verdict = optional(as_str)


class SubmissionInfo(Record):
    """One submission inside `ai_get_task_details`."""

    submission_id = required(as_str)
    submitter = optional(as_str)
    answer_hash = optional(as_str)
    validations = optional_list(record(Validation))
    final_score = optional(as_int)
    passed = optional(as_bool)


class Participant(Record):
    """One participant inside `ai_get_task_details`."""

    participation_id = optional(as_str)
    miner = optional(as_str)
    address = optional(as_str)
    stake_amount = optional(as_amount)
    submission_id = optional(as_str)

    @property
    def account(self) -> str | None:
        """The participant's address (`miner`, or `address` on nodes that name it so)."""
        return self.miner or self.address


class Reward(Record):
    """One credit paid out at completion, inside `ai_get_task_details`."""

    recipient = optional(as_str)
    amount = optional(as_amount)
    reward_type = optional(as_str)


class TaskDetails(TaskSummary):
    """`ai_get_task_details`: the summary plus description, participants, submissions, rewards."""

    description = required(as_str)
    verification_type = required(as_any)
    quality_threshold = required(as_int)
    created_at = required(as_int)
    participants = required(list_of(record(Participant)))
    submissions = required(list_of(record(SubmissionInfo)))
    rewards = optional_list(record(Reward))
    required_reviewers = optional(as_int)
    escrow = optional(as_amount)
    completed_at = optional(as_int)
    validation_deadline = optional(as_int)

    def participant_addresses(self) -> set[str]:
        return {p.account for p in self.participants if p.account}


class PublishedTask(Record):
    """`ai_publish_task`."""

    task_id = required(as_str)
    status = required(as_str)
    deadline = required(as_int)


class MinerRegistration(Record):
    """`ai_register_miner`."""

    miner_address = required(as_str)
    reputation = required(as_int)


class Participation(Record):
    """`ai_participate_task`."""

    participation_id = required(as_str)
    task_id = required(as_str)
    stake_amount = required(as_amount)


class SubmissionReceipt(Record):
    """`ai_submit_solution`."""

    submission_id = required(as_str)
    answer_hash = required(as_str)
    status = required(as_str)


class ValidationReceipt(Record):
    """`ai_validate_submission`."""

    validation_id = required(as_str)
    consensus_progress = required(as_any)


class CancelledTask(Record):
    """`ai_cancel_task` (the spec does not fix this shape; `task_id` and `status` are expected)."""

    task_id = optional(as_str)
    status = optional(as_str)
    refunded = optional(as_amount)


class MinerStats(Record):
    """`ai_get_miner_stats`."""

    miner_address = required(as_str)
    reputation = required(as_int)
    tasks_published = required(as_int)
    tasks_participated = required(as_int)
    submissions = required(as_int)
    wins = required(as_int)
    validations = required(as_int)
    total_earnings = required(as_amount)
    current_stake = required(as_amount)
    is_registered = optional(as_bool)
    balance = optional(as_amount)
    registered_at = optional(as_int)


class DevAccount(Record):
    """One entry of `dev_accounts`."""

    address = required(as_str)
    #: None when the node serves no keys (`--require-signatures --dev-methods`: sign with your own).
    private_key = optional(as_str)
    balance = required(as_amount)


class Event(Record):
    """One node event: `{"event", "seq", "topoheight", "timestamp", "data"}`."""

    event = required(as_str)
    seq = required(as_int)
    topoheight = required(as_int)
    timestamp = required(as_int)
    data = required(as_dict)


class EventsPage(Record):
    """`ai_get_events`: a page of events and the bounds of what the node keeps."""

    events = required(list_of(record(Event)))
    head_seq = required(as_int)
    oldest_seq = required(as_int)
    resync_required = optional(as_bool, default=False)
    #: The chain these seqs belong to; another chain id than the cursor's means the chain was reset.
    chain_id = optional(as_str)


class NodeInfo(Record):
    """`get_info` / `get_version`: daemon basics, kept as sent."""
