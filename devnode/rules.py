"""The numbers of the AI-mining rules, in one place (amounts in atomic units, 1 TOS = 10^8).

The node publishes them (with what its configuration changes) through `ai_get_rules`, built by
`devnode.presenters.published_rules`; clients read them there or from `vectors/rules.json`.
"""

from __future__ import annotations

ATOMIC_PER_TOS = 10**8
TOS_DECIMALS = 8

DIFFICULTIES = ("Beginner", "Intermediate", "Advanced", "Expert")

REWARD_RANGES: dict[str, tuple[int, int]] = {
    "Beginner": (5 * 10**9, 15 * 10**9),
    "Intermediate": (15 * 10**9, 50 * 10**9),
    "Advanced": (50 * 10**9, 200 * 10**9),
    "Expert": (200 * 10**9, 500 * 10**9),
}

# Minimum reputation per action, by difficulty.
MIN_REPUTATION: dict[str, dict[str, int]] = {
    "publish": {"Beginner": 200, "Intermediate": 400, "Advanced": 600, "Expert": 800},
    "submit": {"Beginner": 100, "Intermediate": 300, "Advanced": 500, "Expert": 700},
    "validate": {"Beginner": 150, "Intermediate": 350, "Advanced": 550, "Expert": 750},
}
# Joining needs the submit minimum: a participant who could not submit would only be slashed.
PARTICIPATE_NEEDS = "submit"

DEFAULT_DEADLINE_DAYS = {"Beginner": 1, "Intermediate": 3, "Advanced": 7, "Expert": 14}
MAX_DEADLINE_DAYS = 366

# The variants of a task type and the one detail each carries (the REST flat form uses these keys).
TASK_TYPE_DETAILS = {
    "CodeAnalysis": "language",
    "SecurityAudit": "scope",
    "DataAnalysis": "data_type",
    "AlgorithmOptimization": "domain",
    "LogicReasoning": "complexity",
    "GeneralTask": "category",
}

DETAIL_MAX_CHARS = 64  # a string detail (language, scope, ...)
COMPLEXITY_RANGE = (1, 10)  # LogicReasoning's integer detail

VERIFICATION_TYPES = ("Automatic", "PeerReview", "ExpertReview")
DEFAULT_VERIFICATION = {"PeerReview": {"required_reviewers": 1, "consensus_threshold": 0.67}}
MAX_REVIEWERS = 20  # required_reviewers, expert_count

STATUS_PUBLISHED = "Published"
STATUS_IN_PROGRESS = "InProgress"
STATUS_UNDER_VALIDATION = "UnderValidation"
STATUS_COMPLETED = "Completed"
STATUS_EXPIRED = "Expired"
STATUS_CANCELLED = "Cancelled"
ACTIVE_STATUSES = (STATUS_PUBLISHED, STATUS_IN_PROGRESS, STATUS_UNDER_VALIDATION)
OPEN_STATUSES = (STATUS_PUBLISHED, STATUS_IN_PROGRESS)  # still taking participants and submissions
VALIDATABLE_STATUSES = (STATUS_IN_PROGRESS, STATUS_UNDER_VALIDATION)  # still taking validations
STATUSES = (*ACTIVE_STATUSES, STATUS_COMPLETED, STATUS_EXPIRED, STATUS_CANCELLED)

MIN_CONTENT_BYTES = 10
MAX_DESCRIPTION_BYTES = 2048
MAX_TITLE_BYTES = 256
MAX_SOLUTION_BYTES = 64 * 1024
MAX_PARTICIPANTS_LIMIT = 1000
DEFAULT_MAX_PARTICIPANTS = 10

# A participant's stake: max(reward // STAKE_MIN_DIVISOR, stake_required) to reward // STAKE_MAX_DIVISOR,
# inclusive; stake_required defaults to reward // STAKE_MIN_DIVISOR and the stake to the minimum.
STAKE_MIN_DIVISOR = 10
STAKE_MAX_DIVISOR = 2

MIN_REGISTRATION_FEE = 10**9
DEFAULT_QUALITY_THRESHOLD = 70
SCORE_RANGE = (0, 100)  # a validator's quality score, and quality_threshold
STAKE_KEEP_SCORE = 40  # at or above: stake back in full
SLASH_PERCENT = 30

# Reward split, percent of the escrow.
WINNER_PERCENT = 65
OTHERS_PERCENT = 15
VALIDATORS_PERCENT = 15
NETWORK_PERCENT = 5

REPUTATION_MIN = 0
REPUTATION_MAX = 1000
REPUTATION_START = 500
REP_WINNER = 10
REP_PASSING = 5
REP_FAILING = -5
REP_NO_SUBMISSION = -10
REP_VALIDATOR_CLOSE = 3
REP_VALIDATOR_FAR = -2
VALIDATOR_CLOSE_POINTS = 15
REP_PUBLISHER_COMPLETED = 5

DEFAULT_RATE_LIMITS = {"publish": 10, "submit": 100, "validate": 500}
RATE_WINDOW_SECONDS = 3600
# Seconds after the deadline before a task completes without every validation.
DEFAULT_VALIDATION_WINDOW = 86400

# The transport: a request body, a batch, the replies of a batch (or one read's reply), a page.
MAX_BODY_BYTES = 1024 * 1024
MAX_BATCH = 100
MAX_REPLY_BYTES = 8 * 1024 * 1024
#: How long an idle HTTP keep-alive connection is kept open. Longer than the clients' own pools keep
#: theirs (httpx 5 s, Node's fetch 4 s, Go 90 s, libcurl 118 s): at uvicorn's default of 5 s, equal to
#: httpx's, the node closed a connection just as a client sent its next request on it ("server
#: disconnected without sending a response").
IDLE_CONNECTION_SECONDS = 120
MAX_PAGE_LIMIT = 1000  # ai_list_active_tasks and ai_get_events
MAX_STATE_TASKS = 100  # get_ai_mining_state: a task in full is ~1 KB, so a reply stays near 100 KB
DEFAULT_MAX_EVENTS = 100_000  # events kept for replay

GENESIS_BALANCE = 10**14  # 1,000,000 TOS per dev account
DEV_ACCOUNT_COUNT = 10

# The chain's maximum supply: no amount, balance or total may exceed it (it also fits u64 with room).
MAX_SUPPLY = 184_000_000 * ATOMIC_PER_TOS  # 18,400,000,000,000,000 atomic
U64_MAX = 2**64 - 1
# What dev_faucet may mint over the chain's life (devnet only), and never past MAX_SUPPLY with genesis.
FAUCET_CAP = 50_000_000 * ATOMIC_PER_TOS


def format_tos(atomic: int) -> str:
    """An atomic amount as a TOS figure for messages: 5000000000 -> '50 TOS', 150000000 -> '1.5 TOS'."""
    whole, fraction = divmod(atomic, ATOMIC_PER_TOS)
    if not fraction:
        return f"{whole:,} TOS"
    return f"{whole:,}.{fraction:08d}".rstrip("0") + " TOS"
