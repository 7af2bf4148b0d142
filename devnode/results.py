"""JSON Schemas of what every method answers, beside the code that builds the answers.

The presenters (`devnode.presenters`), the state's write results and the handlers in `devnode.methods`
build the replies; this module says what they build, and the published documents (`devnode.docs`) take
it from here. Objects are closed (`additionalProperties: false`, every member required unless it may be
left out), so a member added to a reply without its schema fails `tests/devnode/test_results.py`, which
validates real replies of every method against these schemas.
"""

from __future__ import annotations

from typing import Any

from devnode import rules
from devnode.events import EVENT_NAMES
from devnode.schema import INT64_MAX

HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
# Replies always write addresses in lower case.
ADDRESS = {
    "type": "string",
    "format": "tos-address",
    "pattern": "^tst1[02-9ac-hj-np-z]{58}$",
    "description": "A bech32 address (HRP tst), lower case",
}
AMOUNT = {
    "type": "string",
    "pattern": "^[0-9]{1,17}$",
    "description": f"Atomic units as a decimal string, at most the maximum supply ({rules.MAX_SUPPLY})",
}
DAEMON_AMOUNT = {"type": "integer", "minimum": 0, "maximum": rules.MAX_SUPPLY}
COUNT = {"type": "integer", "minimum": 0, "maximum": INT64_MAX}
SECONDS = {"type": "integer", "description": "Unix seconds on the node's clock"}
TEXT = {"type": "string"}
SCORE = {"type": "integer", "minimum": 0, "maximum": 100}
REPUTATION = {"type": "integer", "minimum": rules.REPUTATION_MIN, "maximum": rules.REPUTATION_MAX}
CHAIN_ID = {"type": "string", "pattern": "^[0-9a-f]{16}$"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def record(about: str, optional: tuple[str, ...] = (), /, **members: Any) -> dict[str, Any]:
    """A closed object: every member required except those named in `optional`."""
    return {
        "type": "object",
        "description": about,
        "properties": members,
        "required": [name for name in members if name not in optional],
        "additionalProperties": False,
    }


TASK_TYPE = {
    "type": "object",
    "description": 'Externally tagged: {"CodeAnalysis": {"language": "rust"}}',
    "minProperties": 1,
    "maxProperties": 1,
    "propertyNames": {"enum": list(rules.TASK_TYPE_DETAILS)},
    "additionalProperties": {"type": "object"},
}
DIFFICULTY = {"type": "string", "enum": list(rules.DIFFICULTIES)}
STATUS = {"type": "string", "enum": list(rules.STATUSES)}
VERIFICATION = {
    "oneOf": [
        {"type": "string", "enum": ["Automatic"]},
        {"type": "object", "required": ["PeerReview"], "properties": {"PeerReview": {"type": "object"}}},
        {"type": "object", "required": ["ExpertReview"], "properties": {"ExpertReview": {"type": "object"}}},
    ]
}
CREDIT = record(
    "One payment out of a task's escrow (or a slash, a fee)",
    recipient=ADDRESS,
    amount=AMOUNT,
    reward_type={"type": "string"},
)

TASK_SUMMARY = record(
    "A task as lists show it",
    task_id=HASH,
    title=TEXT,
    task_type=TASK_TYPE,
    difficulty_level=DIFFICULTY,
    reward_amount=AMOUNT,
    stake_required=AMOUNT,
    deadline=SECONDS,
    time_left=COUNT,
    participants_count=COUNT,
    max_participants=COUNT,
    submissions_count=COUNT,
    publisher=ADDRESS,
    status=STATUS,
)
PARTICIPANT = record(
    "A miner who joined",
    participation_id=HASH,
    miner=ADDRESS,
    stake_amount=AMOUNT,
    joined_at=SECONDS,
    submission_id=nullable(HASH),
    stake_outcome=nullable({"type": "string"}),
)
VALIDATION = record(
    "One validator's verdict",
    validation_id=HASH,
    validator=ADDRESS,
    quality_score=SCORE,
    verdict={"type": "string", "enum": ["Approve", "Reject"]},
    reasoning=TEXT,
    evidence={},
    timestamp=SECONDS,
)
SUBMISSION = record(
    "A submitted solution and its validations",
    submission_id=HASH,
    submitter=ADDRESS,
    answer_hash=HASH,
    submitted_at=SECONDS,
    solution_data={"type": "object"},
    validations={"type": "array", "items": VALIDATION},
    validations_count=COUNT,
    required_reviewers=COUNT,
    final_score=nullable(SCORE),
    passed=nullable({"type": "boolean"}),
)
TASK_DETAILS = record(
    "A task in full",
    ("rewards",),
    **TASK_SUMMARY["properties"],
    description=TEXT,
    verification_type=VERIFICATION,
    required_reviewers=COUNT,
    quality_threshold=SCORE,
    created_at=SECONDS,
    completed_at=nullable(SECONDS),
    validation_deadline=SECONDS,
    escrow=AMOUNT,
    participants={"type": "array", "items": PARTICIPANT},
    submissions={"type": "array", "items": SUBMISSION},
    rewards={"type": "array", "items": CREDIT, "description": "Once the task has paid out"},
)
MINER_STATS = record(
    "A miner's reputation and counters (a blank record for an unknown address)",
    miner_address=ADDRESS,
    is_registered={"type": "boolean"},
    reputation=REPUTATION,
    tasks_published=COUNT,
    tasks_participated=COUNT,
    submissions=COUNT,
    wins=COUNT,
    validations=COUNT,
    total_earnings=AMOUNT,
    current_stake=AMOUNT,
    balance=AMOUNT,
    registered_at=nullable(SECONDS),
    specializations={"type": "array", "items": TEXT},
)
NETWORK_INFO = record(
    "The AI-mining network at a glance",
    active_tasks=COUNT,
    total_miners=COUNT,
    online_miners=COUNT,
    total_rewards_distributed=AMOUNT,
    average_task_completion_time=COUNT,
    network={"type": "string"},
    topoheight=COUNT,
    timestamp=SECONDS,
)
DAEMON_STATISTICS = record(
    "Daemon-compatible statistics (plain integers)",
    total_tasks=COUNT,
    active_tasks=COUNT,
    completed_tasks=COUNT,
    total_miners=COUNT,
    total_rewards_distributed=DAEMON_AMOUNT,
    total_staked=DAEMON_AMOUNT,
)
DAEMON_MINER = record(
    "Daemon-compatible miner (plain integers)",
    address=ADDRESS,
    reputation=REPUTATION,
    registration_fee=DAEMON_AMOUNT,
    registered_at=nullable(SECONDS),
    specializations={"type": "array", "items": TEXT},
    tasks_completed=COUNT,
    tasks_participated=COUNT,
    validations=COUNT,
    total_earnings=DAEMON_AMOUNT,
    current_stake=DAEMON_AMOUNT,
)

_EVENT_DATA: dict[str, list[str]] = {
    # The members every event of a kind carries (some carry more, such as a credit's reason).
    "task_published": ["task_id", "publisher", "title", "task_type", "difficulty_level", "reward_amount"],
    "participant_joined": ["task_id", "participation_id", "miner", "stake_amount", "participants_count"],
    "submission_received": ["task_id", "submission_id", "submitter", "answer_hash", "submissions_count"],
    "validation_completed": ["task_id", "submission_id", "validation_id", "validator", "score"],
    "task_status_changed": ["task_id", "old_status", "new_status"],
    "task_completed": ["task_id", "winner", "winning_submission_id", "final_scores", "rewards"],
    "task_expired": ["task_id", "refunded"],
    "task_cancelled": ["task_id", "publisher", "refunded"],
    "reward_distributed": ["task_id", "recipient", "amount", "reward_type"],
    "stake_slashed": ["task_id", "miner", "amount", "stake_amount"],
    "reputation_changed": ["address", "old", "new", "delta", "reason"],
    "miner_registered": ["miner_address", "registration_fee", "reputation", "specializations"],
}
assert set(_EVENT_DATA) == set(EVENT_NAMES)
EVENT = {
    "type": "object",
    "description": "One event: the same envelope on the WebSocket and in ai_get_events",
    "properties": {
        "event": {"type": "string", "enum": list(EVENT_NAMES)},
        "seq": {"type": "integer", "minimum": 1},
        "topoheight": COUNT,
        "timestamp": SECONDS,
        "data": {"type": "object"},
    },
    "required": ["event", "seq", "topoheight", "timestamp", "data"],
    "additionalProperties": False,
    "oneOf": [
        {"properties": {"event": {"const": name}, "data": {"required": members}}}
        for name, members in _EVENT_DATA.items()
    ],
}
EVENTS_PAGE = record(
    "Events after since_seq, and where the log stands",
    events={"type": "array", "items": EVENT},
    head_seq=COUNT,
    oldest_seq=COUNT,
    chain_id=CHAIN_ID,
    resync_required={"type": "boolean"},
)
INFO = record(
    "The node: height, version, network, clock, chain id and modes",
    height=COUNT,
    topoheight=COUNT,
    version={"type": "string"},
    network={"type": "string"},
    timestamp=SECONDS,
    time_offset=COUNT,
    block_time={"type": "number", "minimum": 0},
    head_seq=COUNT,
    chain_id=CHAIN_ID,
    require_signatures={"type": "boolean"},
    dev_methods={"type": "boolean"},
)
BALANCE = record("An address's balance", address=ADDRESS, balance=AMOUNT, topoheight=COUNT)
NONCE = record("The next nonce a signed request must carry", address=ADDRESS, nonce=COUNT, topoheight=COUNT)
PUBLISHED = record(
    "The new task", task_id=HASH, status={"type": "string", "const": "published"}, deadline=SECONDS
)
REGISTERED = record("The new miner", miner_address=ADDRESS, reputation=REPUTATION)
JOINED = record("The new participation", participation_id=HASH, task_id=HASH, stake_amount=AMOUNT)
SUBMITTED = record(
    "The new submission",
    submission_id=HASH,
    answer_hash=HASH,
    status={"type": "string", "const": "submitted"},
)
VALIDATED = record(
    "The new validation and how far the submission is",
    validation_id=HASH,
    consensus_progress=record("Validations so far and needed", validations=COUNT, required=COUNT),
)
CANCELLED = record(
    "The cancelled task", task_id=HASH, status={"type": "string", "const": "cancelled"}, refunded=AMOUNT
)
DAEMON_STATE = record(
    "A page of tasks in full, every miner and the statistics",
    tasks={"type": "object", "additionalProperties": TASK_DETAILS, "propertyNames": HASH},
    next_offset=nullable(COUNT),
    miners={"type": "object", "additionalProperties": DAEMON_MINER},
    statistics=DAEMON_STATISTICS,
)
DEV_ACCOUNT = record(
    "A dev account (no private_key on a node that requires signatures)",
    ("private_key",),
    index=COUNT,
    address=ADDRESS,
    private_key={"type": "string", "pattern": "^[0-9a-f]{64}$"},
    balance=AMOUNT,
)
MINTED = record("The address after the mint", address=ADDRESS, balance=AMOUNT)
MINED = record("The height and clock after mining", topoheight=COUNT, timestamp=SECONDS)
ERROR = record(
    "A JSON-RPC error: the code, a sentence for a person, and data naming the field or rule",
    ("data",),
    code={"type": "integer"},
    message={"type": "string", "minLength": 1},
    data={"type": "object"},
)
REST_ERROR = record("A REST rejection: the JSON-RPC error", error=ERROR)

POSITIVE = {"type": "integer", "minimum": 1}
PERCENT = {"type": "integer", "minimum": 0, "maximum": 100}
SIGNED = {"type": "integer"}
MIN_REPUTATION = record(
    "The reputation an account needs to act on a task of this level (joining needs the submit minimum)",
    publish=REPUTATION,
    participate=REPUTATION,
    submit=REPUTATION,
    validate=REPUTATION,
)
RULES = record(
    "The protocol's rules as this node applies them; amounts are atomic units as decimal strings",
    amounts=record(
        "Units and ceilings",
        atomic_per_tos=POSITIVE,
        decimals=COUNT,
        max_supply=AMOUNT,
        faucet_cap=AMOUNT,
        min_registration_fee=AMOUNT,
    ),
    difficulty_levels={
        "type": "array",
        "description": "Lowest first; a reward without a stated level takes the lowest whose range holds it",
        "items": record(
            "One difficulty level",
            name=DIFFICULTY,
            min_reward=AMOUNT,
            max_reward=AMOUNT,
            default_deadline_seconds=POSITIVE,
            min_reputation=MIN_REPUTATION,
        ),
    },
    stake=record(
        "A stake is between max(reward / min_divisor, stake_required) and reward / max_divisor (integer "
        "division, inclusive); stake_required defaults to reward / min_divisor, a stake to the minimum",
        min_divisor=POSITIVE,
        max_divisor=POSITIVE,
    ),
    reputation=record(
        "Bounds, the starting value and the change at completion (or expiry) for each reason",
        min=REPUTATION,
        max=REPUTATION,
        start=REPUTATION,
        deltas=record(
            "winner, other passing and failing submissions, a participant who never submitted, a "
            "validation within validation_close_points of the final score or not, the publisher",
            winner=SIGNED,
            passing_submission=SIGNED,
            failing_submission=SIGNED,
            no_submission=SIGNED,
            validation_close=SIGNED,
            validation_far=SIGNED,
            task_completed=SIGNED,
        ),
        validation_close_points=COUNT,
    ),
    reward_split=record(
        "Percent of the escrow to each share at completion",
        winner_percent=PERCENT,
        others_percent=PERCENT,
        validators_percent=PERCENT,
        network_percent=PERCENT,
    ),
    slash=record(
        "A participant scoring under keep_score (or never submitting) loses percent of the stake",
        percent=PERCENT,
        keep_score=SCORE,
    ),
    quality=record("Scores", default_threshold=SCORE, min_score=SCORE, max_score=SCORE),
    content=record(
        "Lengths in UTF-8 bytes, and how many may join",
        min_content_bytes=COUNT,
        max_title_bytes=POSITIVE,
        max_description_bytes=POSITIVE,
        max_solution_bytes=POSITIVE,
        max_participants=POSITIVE,
        default_max_participants=POSITIVE,
    ),
    deadlines=record(
        "The farthest deadline, and how long after it a task waits for validations (this node's setting)",
        max_seconds=POSITIVE,
        validation_window_seconds=COUNT,
    ),
    rate_limits=record(
        "Successful actions per address and window; per_window is null when this node has them off",
        window_seconds=POSITIVE,
        per_window=nullable(
            {
                "type": "object",
                "propertyNames": {"enum": ["publish", "submit", "validate"]},
                "additionalProperties": COUNT,
            }
        ),
    ),
    transport=record(
        "Request body, batch, replies, page sizes, and the events this node keeps for replay",
        max_body_bytes=POSITIVE,
        max_batch=POSITIVE,
        max_reply_bytes=POSITIVE,
        max_page_limit=POSITIVE,
        max_state_tasks=POSITIVE,
        events_kept=POSITIVE,
    ),
    task_types={
        "type": "array",
        "items": record(
            "A task type and its one detail: a string of detail_min..detail_max characters, or an integer "
            "from detail_min to detail_max",
            name={"type": "string", "enum": list(rules.TASK_TYPE_DETAILS)},
            detail=TEXT,
            detail_type={"type": "string", "enum": ["string", "integer"]},
            detail_min=COUNT,
            detail_max=COUNT,
        ),
    },
    verification=record(
        "Verification types, the default, and at most how many reviewers (or experts)",
        types={"type": "array", "items": {"type": "string", "enum": list(rules.VERIFICATION_TYPES)}},
        default=VERIFICATION,
        max_reviewers=POSITIVE,
    ),
    statuses=record(
        "Task statuses: active ones are listed, open ones take participants and submissions, validatable "
        "ones take validations",
        all={"type": "array", "items": STATUS},
        active={"type": "array", "items": STATUS},
        open={"type": "array", "items": STATUS},
        validatable={"type": "array", "items": STATUS},
    ),
    events={"type": "array", "items": {"type": "string", "enum": list(EVENT_NAMES)}},
)

RESULTS: dict[str, dict[str, Any]] = {
    "get_network_info": NETWORK_INFO,
    "ai_get_network_info": NETWORK_INFO,
    "ai_list_active_tasks": {"type": "array", "items": TASK_SUMMARY, "maxItems": 1000},
    "ai_get_task_details": TASK_DETAILS,
    "ai_publish_task": PUBLISHED,
    "ai_register_miner": REGISTERED,
    "ai_participate_task": JOINED,
    "ai_submit_solution": SUBMITTED,
    "ai_validate_submission": VALIDATED,
    "ai_cancel_task": CANCELLED,
    "ai_get_miner_stats": MINER_STATS,
    "ai_get_events": EVENTS_PAGE,
    "ai_get_rules": RULES,
    "get_info": INFO,
    "get_version": {"type": "string", "pattern": "^devnode/"},
    "get_balance": BALANCE,
    "get_nonce": NONCE,
    "get_ai_mining_statistics": DAEMON_STATISTICS,
    "get_ai_mining_task": TASK_DETAILS,
    "get_ai_mining_miner": DAEMON_MINER,
    "get_ai_mining_active_tasks": {
        "type": "object",
        "description": "Active task summaries keyed by task id",
        "additionalProperties": TASK_SUMMARY,
        "propertyNames": HASH,
    },
    "get_ai_mining_state": DAEMON_STATE,
    "dev_accounts": {"type": "array", "items": DEV_ACCOUNT},
    "dev_faucet": MINTED,
    "dev_increase_time": SECONDS,
    "dev_mine": MINED,
    "rpc.discover": {
        "type": "object",
        "description": "This node's OpenRPC document",
        "required": ["openrpc"],
    },
}

# ----- the WebSocket (/ai/ws), which the OpenRPC document does not cover --------------------------------

WS_SUBSCRIBED = record(
    "The reply to subscribe: where the log stands and which chain it is",
    head_seq=COUNT,
    chain_id=CHAIN_ID,
)
WS_RESYNC = record(
    "Sent after the subscribe reply when events after since_seq are no longer kept",
    event={"const": "resync_required"},
    oldest_seq=COUNT,
    head_seq=COUNT,
    message=TEXT,
)
WS_DROPPED = record(
    "Sent before the node closes the connection (code 1013) to a subscriber too far behind",
    event={"const": "subscription_dropped"},
    reason={"const": "slow_consumer"},
    last_seq=COUNT,
    message=TEXT,
)
WS_MESSAGE = {"oneOf": [EVENT, WS_RESYNC, WS_DROPPED]}
