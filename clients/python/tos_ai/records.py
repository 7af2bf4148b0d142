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

from tos_ai import rules

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


def mapping_of(item: Converter[T]) -> Converter[dict[str, T]]:
    def convert(value: object, path: str) -> dict[str, T]:
        if not isinstance(value, Mapping):
            raise Malformed(path, f"expected an object, got {_kind(value)}")
        return {str(key): item(entry, f"{path}.{key}") for key, entry in value.items()}

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
        """The smallest stake the node accepts: max(reward/10, stake_required) (`Rules.stake_bounds`)."""
        return rules.stake_bounds(self.reward_amount, self.stake_required)[0]

    @property
    def max_stake(self) -> int:
        """The largest stake the node accepts: reward/2 (`Rules.stake_bounds`)."""
        return rules.stake_bounds(self.reward_amount, self.stake_required)[1]


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


# --- ai_get_rules -----------------------------------------------------------------------------------


class AmountRules(Record):
    """Units and ceilings (amounts as ints)."""

    atomic_per_tos = required(as_int)
    decimals = required(as_int)
    max_supply = required(as_amount)
    faucet_cap = required(as_amount)
    min_registration_fee = required(as_amount)


class ReputationMinimums(Record):
    """The reputation each action needs on a task of one level (joining needs the submit minimum)."""

    publish = required(as_int)
    participate = required(as_int)
    submit = required(as_int)
    validate = required(as_int)


class DifficultyLevel(Record):
    """One difficulty level: its reward range (inclusive), default deadline and reputation minimums."""

    name = required(as_str)
    min_reward = required(as_amount)
    max_reward = required(as_amount)
    default_deadline_seconds = required(as_int)
    min_reputation = required(record(ReputationMinimums))


class StakeRules(Record):
    """A stake is between max(reward // min_divisor, stake_required) and reward // max_divisor."""

    min_divisor = required(as_int)
    max_divisor = required(as_int)


class ReputationRules(Record):
    """Bounds, the start, and the change at completion for each reason (`deltas`)."""

    min = required(as_int)
    max = required(as_int)
    start = required(as_int)
    deltas = required(mapping_of(as_int))
    validation_close_points = required(as_int)


class RewardSplit(Record):
    """Percent of the escrow to each share at completion."""

    winner_percent = required(as_int)
    others_percent = required(as_int)
    validators_percent = required(as_int)
    network_percent = required(as_int)


class SlashRules(Record):
    """A participant scoring under `keep_score` (or never submitting) loses `percent` of the stake."""

    percent = required(as_int)
    keep_score = required(as_int)


class QualityRules(Record):
    """Scores: the default quality threshold and the range of a score."""

    default_threshold = required(as_int)
    min_score = required(as_int)
    max_score = required(as_int)


class ContentRules(Record):
    """Lengths in UTF-8 bytes, and how many may join a task."""

    min_content_bytes = required(as_int)
    max_title_bytes = required(as_int)
    max_description_bytes = required(as_int)
    max_solution_bytes = required(as_int)
    max_participants = required(as_int)
    default_max_participants = required(as_int)


class DeadlineRules(Record):
    """The farthest deadline, and how long after it a task waits for validations."""

    max_seconds = required(as_int)
    validation_window_seconds = required(as_int)


class RateLimitRules(Record):
    """Successful actions per address and window; `per_window` is None when the node has them off."""

    window_seconds = required(as_int)
    per_window = optional(mapping_of(as_int))


class TransportRules(Record):
    """Request body, batch, replies, page sizes, and how many events the node keeps for replay."""

    max_body_bytes = required(as_int)
    max_batch = required(as_int)
    max_reply_bytes = required(as_int)
    max_page_limit = required(as_int)
    max_state_tasks = required(as_int)
    events_kept = required(as_int)


class TaskTypeRule(Record):
    """A task type and its one detail: a string of `detail_min..detail_max` characters, or an integer in it."""

    name = required(as_str)
    detail = required(as_str)
    detail_type = required(as_str)
    detail_min = required(as_int)
    detail_max = required(as_int)


class VerificationRules(Record):
    """The verification types, the one a publisher gets by default, and at most how many reviewers."""

    types = required(list_of(as_str))
    default = required(as_any)
    max_reviewers = required(as_int)


class StatusRules(Record):
    """Task statuses: `active` are listed, `open` take participants and submissions, `validatable` validations."""

    all = required(list_of(as_str))
    active = required(list_of(as_str))
    open = required(list_of(as_str))
    validatable = required(list_of(as_str))


class Rules(Record):
    """`ai_get_rules`: the protocol's rules as the node applies them (amounts as ints).

    `tos_ai.rules` holds the same rules as constants; `Rules.known()` is them in this shape.
    """

    amounts = required(record(AmountRules))
    difficulty_levels = required(list_of(record(DifficultyLevel)))
    stake = required(record(StakeRules))
    reputation = required(record(ReputationRules))
    reward_split = required(record(RewardSplit))
    slash = required(record(SlashRules))
    quality = required(record(QualityRules))
    content = required(record(ContentRules))
    deadlines = required(record(DeadlineRules))
    rate_limits = required(record(RateLimitRules))
    transport = required(record(TransportRules))
    task_types = required(list_of(record(TaskTypeRule)))
    verification = required(record(VerificationRules))
    statuses = required(record(StatusRules))
    events = required(list_of(as_str))

    @classmethod
    def known(cls) -> Rules:
        """The rules this client was written against (`tos_ai.rules`), for a node that does not publish its own."""
        return cls.parse(rules.known_rules())

    @property
    def difficulty_names(self) -> tuple[str, ...]:
        """The levels' names, lowest first."""
        return tuple(level.name for level in self.difficulty_levels)

    def level(self, name: str) -> DifficultyLevel | None:
        """The difficulty level called `name`, or None for a level the node does not have."""
        return next((level for level in self.difficulty_levels if level.name == name), None)

    def min_reputation(self, action: str, level: str) -> int | None:
        """The reputation `action` (publish, participate, submit, validate) needs at `level`; None if unknown."""
        found = self.level(level)
        value = None if found is None else found.min_reputation.get(action)
        return value if isinstance(value, int) else None

    def stake_bounds(self, reward: int, stake_required: int) -> tuple[int, int]:
        """The smallest and largest stake this node accepts for a task with this reward and stake_required."""
        return rules.stake_bounds(reward, stake_required, self.stake.min_divisor, self.stake.max_divisor)
