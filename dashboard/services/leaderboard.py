"""The leaderboards page: miners and validators ranked over a period, from stored events and credits."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import node
from dashboard.services.mining import MinerBoards, Standing, miner_leaderboards
from dashboard.services.tasks import refresh_event_log
from dashboard.services.validation import validator_leaderboards


@dataclass(frozen=True)
class Leaderboards:
    period: str
    miners: MinerBoards
    validators_by_count: list[Standing]
    validators_by_agreement: list[Standing]
    problem: node.NodeProblem | None = None


def leaderboards(period: str) -> Leaderboards:
    """Every board for the period, after storing the node's new events (stored data when it is down)."""
    problem = refresh_event_log()
    by_count, by_agreement = validator_leaderboards(period)
    return Leaderboards(period, miner_leaderboards(period), by_count, by_agreement, problem)
