"""The protocol's rules as this client knows them, in one place, and the few decisions built on them.

The node publishes its rules (`ai_get_rules`, typed as `tos_ai.Rules` by `client.get_rules()`): code
that runs against a node reads them there (the auto-miner does). The constants below are the same rules
for code that needs them without a node at hand (forms, choices, offline checks); `known_rules()` gives
them in the node's published shape, and the client's tests check that shape against the node's (the
conformance vectors' `rules.json` and a live node's `ai_get_rules`), so a copy here cannot drift unseen.
Amounts are atomic units (1 TOS = 10^8).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ATOMIC_PER_TOS = 10**8
TOS_DECIMALS = 8
#: The chain's whole supply, 184,000,000 TOS: no amount may be larger (the node refuses it, -32602 `max_supply`).
MAX_SUPPLY = 184_000_000 * ATOMIC_PER_TOS
#: What `dev_faucet` may mint over a devnet's life.
FAUCET_CAP = 50_000_000 * ATOMIC_PER_TOS
MIN_REGISTRATION_FEE = 10 * ATOMIC_PER_TOS

DIFFICULTY_LEVELS = ("Beginner", "Intermediate", "Advanced", "Expert")
#: Each level's reward range, inclusive.
REWARD_RANGES: Mapping[str, tuple[int, int]] = {
    "Beginner": (5 * 10**9, 15 * 10**9),
    "Intermediate": (15 * 10**9, 50 * 10**9),
    "Advanced": (50 * 10**9, 200 * 10**9),
    "Expert": (200 * 10**9, 500 * 10**9),
}
#: The deadline a task gets when its publisher names none, per level.
DEFAULT_DEADLINE_SECONDS: Mapping[str, int] = {
    "Beginner": 86400,
    "Intermediate": 3 * 86400,
    "Advanced": 7 * 86400,
    "Expert": 14 * 86400,
}
#: The reputation each action needs, per level; joining needs the submit minimum (a participant who
#: could not submit would only be slashed).
MIN_REPUTATION: Mapping[str, Mapping[str, int]] = {
    "publish": {"Beginner": 200, "Intermediate": 400, "Advanced": 600, "Expert": 800},
    "participate": {"Beginner": 100, "Intermediate": 300, "Advanced": 500, "Expert": 700},
    "submit": {"Beginner": 100, "Intermediate": 300, "Advanced": 500, "Expert": 700},
    "validate": {"Beginner": 150, "Intermediate": 350, "Advanced": 550, "Expert": 750},
}

#: A stake is between max(reward // STAKE_MIN_DIVISOR, stake_required) and reward // STAKE_MAX_DIVISOR;
#: stake_required defaults to reward // STAKE_MIN_DIVISOR.
STAKE_MIN_DIVISOR = 10
STAKE_MAX_DIVISOR = 2

REPUTATION_MIN = 0
REPUTATION_MAX = 1000
REPUTATION_START = 500
#: The change of reputation at completion (or expiry), by reason.
REPUTATION_DELTAS: Mapping[str, int] = {
    "winner": 10,
    "passing_submission": 5,
    "failing_submission": -5,
    "no_submission": -10,
    "validation_close": 3,
    "validation_far": -2,
    "task_completed": 5,
}
VALIDATION_CLOSE_POINTS = 15

#: Percent of the escrow to each share at completion.
REWARD_SPLIT: Mapping[str, int] = {
    "winner_percent": 65,
    "others_percent": 15,
    "validators_percent": 15,
    "network_percent": 5,
}
SLASH_PERCENT = 30
STAKE_KEEP_SCORE = 40
DEFAULT_QUALITY_THRESHOLD = 70
SCORE_RANGE = (0, 100)

MIN_CONTENT_BYTES = 10
MAX_TITLE_BYTES = 256
MAX_DESCRIPTION_BYTES = 2048
MAX_SOLUTION_BYTES = 64 * 1024
MAX_PARTICIPANTS = 1000
DEFAULT_MAX_PARTICIPANTS = 10
MAX_DEADLINE_SECONDS = 366 * 86400
DEFAULT_VALIDATION_WINDOW = 86400

#: Successful actions per address and hour a node allows by default (a node may run others, or none).
DEFAULT_RATE_LIMITS: Mapping[str, int] = {"publish": 10, "submit": 100, "validate": 500}
RATE_WINDOW_SECONDS = 3600

MAX_BODY_BYTES = 1024 * 1024
#: Requests in one batch.
MAX_BATCH = 100
MAX_REPLY_BYTES = 8 * 1024 * 1024
#: The largest `limit` of `ai_list_active_tasks` and `ai_get_events`.
MAX_PAGE_LIMIT = 1000
MAX_STATE_TASKS = 100
DEFAULT_EVENTS_KEPT = 100_000

#: Each task type's one detail (`{"CodeAnalysis": {"language": "rust"}}`); LogicReasoning's is an integer.
TASK_TYPE_DETAILS: Mapping[str, str] = {
    "CodeAnalysis": "language",
    "SecurityAudit": "scope",
    "DataAnalysis": "data_type",
    "AlgorithmOptimization": "domain",
    "LogicReasoning": "complexity",
    "GeneralTask": "category",
}
DETAIL_MAX_CHARS = 64
COMPLEXITY_RANGE = (1, 10)

VERIFICATION_TYPES = ("Automatic", "PeerReview", "ExpertReview")
DEFAULT_VERIFICATION: Mapping[str, Any] = {
    "PeerReview": {"required_reviewers": 1, "consensus_threshold": 0.67}
}
MAX_REVIEWERS = 20

STATUSES = ("Published", "InProgress", "UnderValidation", "Completed", "Expired", "Cancelled")
#: Listed by `ai_list_active_tasks`.
ACTIVE_STATUSES = ("Published", "InProgress", "UnderValidation")
#: Still taking participants and submissions.
OPEN_STATUSES = ("Published", "InProgress")
#: Still taking validations.
VALIDATABLE_STATUSES = ("InProgress", "UnderValidation")

#: The events the node announces (`ai_get_events`, the `/ai/ws` stream).
EVENT_NAMES = (
    "task_published",
    "participant_joined",
    "submission_received",
    "validation_completed",
    "task_status_changed",
    "task_completed",
    "task_expired",
    "task_cancelled",
    "reward_distributed",
    "stake_slashed",
    "reputation_changed",
    "miner_registered",
)


def difficulty_rank(level: str) -> int:
    """0 for Beginner up to 3 for Expert; unknown levels rank above Expert."""
    try:
        return DIFFICULTY_LEVELS.index(level)
    except ValueError:
        return len(DIFFICULTY_LEVELS)


def stake_bounds(
    reward: int,
    stake_required: int,
    min_divisor: int = STAKE_MIN_DIVISOR,
    max_divisor: int = STAKE_MAX_DIVISOR,
) -> tuple[int, int]:
    """The smallest and largest stake the node accepts for a task: max(reward/10, stake_required), reward/2.

    Pass a node's `rules.stake.min_divisor` / `max_divisor` to follow what it publishes.
    """
    return max(reward // min_divisor, stake_required), reward // max_divisor


# The client's own estimate, not a rule of the node: the base chance of winning per level.
BASE_SUCCESS: Mapping[str, float] = {"Beginner": 0.9, "Intermediate": 0.75, "Advanced": 0.55, "Expert": 0.35}
UNKNOWN_LEVEL_SUCCESS = 0.2


def estimate_success(difficulty: str, participants_count: int, reputation: int = REPUTATION_START) -> float:
    """A rough chance of winning, 0..1: easier levels, higher reputation and fewer rivals score higher.

    p = base(difficulty) * (0.5 + reputation / 2000) / (1 + participants_count / 4), clamped to 0..1,
    with base 0.9 / 0.75 / 0.55 / 0.35 for Beginner / Intermediate / Advanced / Expert (0.2 otherwise)
    and the reputation clamped to 0..1000.
    """
    base = BASE_SUCCESS.get(difficulty, UNKNOWN_LEVEL_SUCCESS)
    skill = 0.5 + max(REPUTATION_MIN, min(reputation, REPUTATION_MAX)) / 2000
    rivals = 1 + participants_count / 4
    return max(0.0, min(1.0, base * skill / rivals))


def known_rules() -> dict[str, Any]:
    """These constants in the shape of the node's `ai_get_rules` reply for a node started with the defaults."""
    low_score, high_score = SCORE_RANGE
    return {
        "amounts": {
            "atomic_per_tos": ATOMIC_PER_TOS,
            "decimals": TOS_DECIMALS,
            "max_supply": str(MAX_SUPPLY),
            "faucet_cap": str(FAUCET_CAP),
            "min_registration_fee": str(MIN_REGISTRATION_FEE),
        },
        "difficulty_levels": [
            {
                "name": level,
                "min_reward": str(REWARD_RANGES[level][0]),
                "max_reward": str(REWARD_RANGES[level][1]),
                "default_deadline_seconds": DEFAULT_DEADLINE_SECONDS[level],
                "min_reputation": {action: minimums[level] for action, minimums in MIN_REPUTATION.items()},
            }
            for level in DIFFICULTY_LEVELS
        ],
        "stake": {"min_divisor": STAKE_MIN_DIVISOR, "max_divisor": STAKE_MAX_DIVISOR},
        "reputation": {
            "min": REPUTATION_MIN,
            "max": REPUTATION_MAX,
            "start": REPUTATION_START,
            "deltas": dict(REPUTATION_DELTAS),
            "validation_close_points": VALIDATION_CLOSE_POINTS,
        },
        "reward_split": dict(REWARD_SPLIT),
        "slash": {"percent": SLASH_PERCENT, "keep_score": STAKE_KEEP_SCORE},
        "quality": {
            "default_threshold": DEFAULT_QUALITY_THRESHOLD,
            "min_score": low_score,
            "max_score": high_score,
        },
        "content": {
            "min_content_bytes": MIN_CONTENT_BYTES,
            "max_title_bytes": MAX_TITLE_BYTES,
            "max_description_bytes": MAX_DESCRIPTION_BYTES,
            "max_solution_bytes": MAX_SOLUTION_BYTES,
            "max_participants": MAX_PARTICIPANTS,
            "default_max_participants": DEFAULT_MAX_PARTICIPANTS,
        },
        "deadlines": {
            "max_seconds": MAX_DEADLINE_SECONDS,
            "validation_window_seconds": DEFAULT_VALIDATION_WINDOW,
        },
        "rate_limits": {"window_seconds": RATE_WINDOW_SECONDS, "per_window": dict(DEFAULT_RATE_LIMITS)},
        "transport": {
            "max_body_bytes": MAX_BODY_BYTES,
            "max_batch": MAX_BATCH,
            "max_reply_bytes": MAX_REPLY_BYTES,
            "max_page_limit": MAX_PAGE_LIMIT,
            "max_state_tasks": MAX_STATE_TASKS,
            "events_kept": DEFAULT_EVENTS_KEPT,
        },
        "task_types": [
            {
                "name": name,
                "detail": detail,
                "detail_type": "integer" if detail == "complexity" else "string",
                "detail_min": COMPLEXITY_RANGE[0] if detail == "complexity" else 0,
                "detail_max": COMPLEXITY_RANGE[1] if detail == "complexity" else DETAIL_MAX_CHARS,
            }
            for name, detail in TASK_TYPE_DETAILS.items()
        ],
        "verification": {
            "types": list(VERIFICATION_TYPES),
            "default": {name: dict(body) for name, body in DEFAULT_VERIFICATION.items()},
            "max_reviewers": MAX_REVIEWERS,
        },
        "statuses": {
            "all": list(STATUSES),
            "active": list(ACTIVE_STATUSES),
            "open": list(OPEN_STATUSES),
            "validatable": list(VALIDATABLE_STATUSES),
        },
        "events": list(EVENT_NAMES),
    }
