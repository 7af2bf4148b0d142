"""tos_ai.rules and `get_rules()`: the node's published rules, typed, and the auto-miner following them.

The constants themselves are checked against the node's published rules by the conformance suite
(clients/python/tests/conformance: vectors/rules.json offline, a live node's `ai_get_rules`).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx

from tests.client.test_fake_node import FAST, TASK, FakeNode, ok, rpc_error
from tests.support.devnode import run_devnode
from tos_ai import AutoMiningConfig, Client, Rules, TOSAIClient, rules
from tos_ai.mining import AutoMiner

ME = "tst1me"
STATS = {
    "miner_address": ME,
    "reputation": 500,
    "tasks_published": 0,
    "tasks_participated": 0,
    "submissions": 0,
    "wins": 0,
    "validations": 0,
    "total_earnings": "0",
    "current_stake": "0",
}


def published(**changes: Any) -> dict[str, Any]:
    """The rules a default node publishes, with some members changed (`stake={"min_divisor": 4, ...}`)."""
    found = copy.deepcopy(rules.known_rules())
    found.update(changes)
    return found


class MiningNode(FakeNode):
    """A fake node for one auto-mining scan: its rules, the tasks it lists, and the stakes it is offered."""

    def __init__(self, rules_reply: Any, tasks: list[dict[str, Any]], reputation: int = 500) -> None:
        super().__init__(
            ai_get_rules=[rules_reply],
            ai_list_active_tasks=[ok(tasks)],
            ai_get_miner_stats=[ok({**STATS, "reputation": reputation})],
            ai_participate_task=[self._joined],
        )
        self.stakes: dict[str, int] = {}

    def _joined(self, request: dict[str, Any]) -> httpx.Response:
        params = request["params"]
        self.stakes[params["task_id"]] = int(params["stake_amount"])
        result = {
            "participation_id": "cd" * 32,
            "task_id": params["task_id"],
            "stake_amount": params["stake_amount"],
        }
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": request["id"], "result": result})

    async def scan(self, config: AutoMiningConfig) -> AutoMiner:
        async with TOSAIClient(
            "http://fake.node", transport=httpx.MockTransport(self.handle), retry=FAST, sender=ME
        ) as client:
            miner = AutoMiner(client.core, config)
            await client.run(miner.scan())
        return miner


def task(number: int, **changes: Any) -> dict[str, Any]:
    return {**TASK, "task_id": f"{number:064x}", "time_left": 3600, "deadline": 10**10, **changes}


CONFIG = AutoMiningConfig(
    target_difficulty=["Beginner", "Intermediate"], max_concurrent_tasks=5, auto_submit_solutions=False
)


async def test_the_auto_miner_stakes_within_the_bounds_the_node_publishes() -> None:
    node = MiningNode(ok(published(stake={"min_divisor": 4, "max_divisor": 3})), [task(1)])
    miner = await node.scan(CONFIG)
    reward = int(str(TASK["reward_amount"]))
    assert node.stakes == {f"{1:064x}": reward // 4}  # not the client's own reward/10
    assert miner.rules is not None
    assert miner.rules.stake.min_divisor == 4
    assert node.requests["ai_get_rules"] == 1


async def test_the_auto_miner_reads_the_rules_once_per_run() -> None:
    node = MiningNode(ok(published()), [])
    async with TOSAIClient(
        "http://fake.node", transport=httpx.MockTransport(node.handle), retry=FAST, sender=ME
    ) as client:
        miner = AutoMiner(client.core, CONFIG)
        for _ in range(3):
            await client.run(miner.scan())
    assert (node.requests["ai_get_rules"], node.requests["ai_list_active_tasks"]) == (1, 3)


async def test_the_auto_miner_skips_levels_its_reputation_may_not_join_by_the_nodes_rules() -> None:
    intermediate = task(2, difficulty_level="Intermediate", reward_amount="20000000000")
    node = MiningNode(ok(published()), [task(1), intermediate], reputation=250)
    await node.scan(CONFIG)
    assert list(node.stakes) == [f"{1:064x}"]  # Intermediate needs 300 to join

    lenient = published()
    lenient["difficulty_levels"][1]["min_reputation"]["participate"] = 200
    node = MiningNode(ok(lenient), [task(1), intermediate], reputation=250)
    await node.scan(CONFIG)
    assert set(node.stakes) == {f"{1:064x}", f"{2:064x}"}


async def test_the_auto_miner_joins_only_the_statuses_the_node_calls_open() -> None:
    closed_in_progress = published(statuses={**rules.known_rules()["statuses"], "open": ["Published"]})
    node = MiningNode(ok(closed_in_progress), [task(1), task(2, status="InProgress")])
    await node.scan(CONFIG)
    assert list(node.stakes) == [f"{1:064x}"]


async def test_a_node_that_publishes_no_rules_leaves_the_auto_miner_on_the_clients_own() -> None:
    node = MiningNode(rpc_error(-32601, "method not found: ai_get_rules"), [task(1)])
    miner = await node.scan(CONFIG)
    assert node.stakes == {f"{1:064x}": int(str(TASK["reward_amount"])) // rules.STAKE_MIN_DIVISOR}
    assert miner.rules is not None
    assert miner.rules.raw == rules.known_rules()


def test_known_rules_read_as_typed_rules_with_amounts_as_ints() -> None:
    known = Rules.known()
    assert known.amounts.max_supply == rules.MAX_SUPPLY
    assert [level.name for level in known.difficulty_levels] == list(rules.DIFFICULTY_LEVELS)
    assert known.level("Expert") is not None
    assert known.level("Legendary") is None
    assert known.min_reputation("validate", "Advanced") == rules.MIN_REPUTATION["validate"]["Advanced"]
    assert known.rate_limits.per_window == dict(rules.DEFAULT_RATE_LIMITS)
    assert json.loads(json.dumps(known.raw)) == rules.known_rules()


def test_get_rules_is_the_nodes_reply_typed_from_every_client(tmp_path: Path) -> None:
    with run_devnode(tmp_path, extra_args=["--rate-limits", "publish=3,submit=4,validate=5"]) as node:
        raw = httpx.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "ai_get_rules"}).json()[
            "result"
        ]
        with Client(node.url) as client:
            typed = client.get_rules()
            batch = client.batch()
            queued = batch.get_rules()
            batch.execute()
    assert typed.raw == raw == queued.result().raw
    assert typed.rate_limits.per_window == {"publish": 3, "submit": 4, "validate": 5}
    assert typed.amounts.faucet_cap == rules.FAUCET_CAP
