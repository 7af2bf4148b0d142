"""The records the node keeps: accounts and tasks (with participations, submissions, validations).

Amounts are Python ints in atomic units everywhere inside the node; they become decimal strings only in
API results. Each record round-trips through a plain dict for the SQLite store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from devnode.rules import REPUTATION_START


@dataclass
class Account:
    address: str
    balance: int = 0
    nonce: int = 0
    reputation: int = REPUTATION_START
    is_miner: bool = False
    registered_at: int | None = None
    registration_fee: int = 0
    specializations: list[str] = field(default_factory=list)
    tasks_published: int = 0
    tasks_participated: int = 0
    submissions: int = 0
    wins: int = 0
    validations: int = 0
    total_earnings: int = 0
    current_stake: int = 0
    last_active: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Account:
        return cls(**data)


@dataclass
class Validation:
    validation_id: str
    validator: str
    score: int
    verdict: str  # "Approve" or "Reject"
    reasoning: str
    evidence: Any
    timestamp: int

    def to_api(self) -> dict[str, Any]:
        return {
            "validation_id": self.validation_id,
            "validator": self.validator,
            "quality_score": self.score,
            "verdict": self.verdict,
            "reasoning": self.reasoning,
            "evidence": self.evidence,
            "timestamp": self.timestamp,
        }


@dataclass
class Submission:
    submission_id: str
    submitter: str
    solution: dict[str, Any]
    answer_hash: str
    submitted_at: int
    validations: list[Validation] = field(default_factory=list)
    final_score: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Submission:
        validations = [Validation(**item) for item in data.get("validations", [])]
        return cls(**{**data, "validations": validations})


@dataclass
class Participation:
    participation_id: str
    miner: str
    stake: int
    joined_at: int
    stake_locked: int  # the part still held by the task; zero once settled
    submission_id: str | None = None
    outcome: str | None = None  # set at settlement: "returned", "slashed"


@dataclass
class Credit:
    recipient: str
    amount: int
    reward_type: str

    def to_api(self) -> dict[str, Any]:
        return {"recipient": self.recipient, "amount": str(self.amount), "reward_type": self.reward_type}


@dataclass
class Task:
    task_id: str
    number: int  # publication order on this node; breaks ties in sorting
    publisher: str
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
    created_at: int
    status: str
    escrow: int
    participants: list[Participation] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    rewards: list[Credit] = field(default_factory=list)
    completed_at: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        return cls(
            **{
                **data,
                "participants": [Participation(**item) for item in data["participants"]],
                "submissions": [Submission.from_dict(item) for item in data["submissions"]],
                "rewards": [Credit(**item) for item in data["rewards"]],
            }
        )

    def participant(self, miner: str) -> Participation | None:
        for participation in self.participants:
            if participation.miner == miner:
                return participation
        return None

    def submission(self, submission_id: str) -> Submission | None:
        for submission in self.submissions:
            if submission.submission_id == submission_id:
                return submission
        return None

    @property
    def locked_stake(self) -> int:
        return sum(participation.stake_locked for participation in self.participants)

    def type_name(self) -> str:
        return next(iter(self.task_type))
