"""A synthetic event log like a busy network's: tasks published, joined, submitted, validated, completed, paid.

Used by the network tests (100,000 stored events) and `bench/network_bench.py`. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from dashboard.models import NodeEvent

TOS = 10**8


def synthetic_events(
    count: int, *, days: int = 60, miners: int = 200, validators: int = 40, seed: int = 7, first_seq: int = 1
) -> Iterator[dict[str, Any]]:
    """`count` raw node events (as the node sends them) over the last `days` days, oldest first."""
    rng = random.Random(seed)
    end = int(dt.datetime.now(dt.UTC).timestamp())
    start = end - days * 86400
    seq = first_seq
    miner_addresses = [f"tst1miner{n:04d}xxxxxxxxxxxxxxxxxxxxxxxxxxxx" for n in range(miners)]
    validator_addresses = [f"tst1validator{n:04d}xxxxxxxxxxxxxxxxxxxxxxxx" for n in range(validators)]
    publisher = "tst1publisherxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    made = 0
    task_number = 0
    while made < count:
        task_number += 1
        at = start + (end - start) * made // max(1, count)
        task_id = f"{task_number:064x}"
        reward = rng.randint(10, 200) * TOS
        script: list[tuple[str, dict[str, Any]]] = [
            (
                "task_published",
                {
                    "task_id": task_id,
                    "publisher": publisher,
                    "title": f"Task {task_number}",
                    "reward_amount": str(reward),
                },
            )
        ]
        joined = rng.sample(miner_addresses, rng.randint(1, 4))
        scores: dict[str, int] = {}
        for index, miner in enumerate(joined):
            submission_id = f"{task_number:032x}{index:032x}"
            script.append(
                (
                    "participant_joined",
                    {"task_id": task_id, "miner": miner, "stake_amount": str(reward // 10)},
                )
            )
            script.append(
                (
                    "submission_received",
                    {"task_id": task_id, "submission_id": submission_id, "submitter": miner},
                )
            )
            scores[submission_id] = rng.randint(40, 100)
            for validator in rng.sample(validator_addresses, 2):
                script.append(
                    (
                        "validation_completed",
                        {
                            "task_id": task_id,
                            "submission_id": submission_id,
                            "validator": validator,
                            "score": max(0, min(100, scores[submission_id] + rng.randint(-25, 25))),
                        },
                    )
                )
                script.append(
                    (
                        "reward_distributed",
                        {
                            "task_id": task_id,
                            "recipient": validator,
                            "amount": str(TOS),
                            "reward_type": "validator",
                        },
                    )
                )
        winner_submission = max(scores, key=lambda key: scores[key])
        winner = joined[list(scores).index(winner_submission)]
        script.append(
            (
                "task_completed",
                {
                    "task_id": task_id,
                    "winner": winner,
                    "winning_submission_id": winner_submission,
                    "final_scores": scores,
                },
            )
        )
        script.append(
            (
                "reward_distributed",
                {
                    "task_id": task_id,
                    "recipient": winner,
                    "amount": str(reward * 7 // 10),
                    "reward_type": "winner",
                },
            )
        )
        for miner in joined:
            script.append(
                (
                    "reward_distributed",
                    {
                        "task_id": task_id,
                        "recipient": miner,
                        "amount": str(reward // 10),
                        "reward_type": "stake_return",
                    },
                )
            )
            script.append(
                (
                    "reputation_changed",
                    {"address": miner, "old": 500, "new": 500 + rng.randint(-20, 40), "task_id": task_id},
                )
            )
        for name, data in script:
            if made >= count:
                return
            yield {"event": name, "seq": seq, "topoheight": seq, "timestamp": at, "data": data}
            seq += 1
            made += 1


def store_synthetic(count: int, **options: Any) -> int:
    """Store `count` synthetic events directly (bulk inserts: the relay's path is too slow for 100,000)."""
    rows = [
        NodeEvent(
            seq=event["seq"],
            name=event["event"],
            topoheight=event["topoheight"],
            timestamp=dt.datetime.fromtimestamp(event["timestamp"], tz=dt.UTC),
            data=event["data"],
            task_id=event["data"].get("task_id") or "",
        )
        for event in synthetic_events(count, **options)
    ]
    NodeEvent.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
