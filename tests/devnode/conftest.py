"""In-process devnodes for unit tests: a Node on an in-memory store with a clock the test controls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devnode.errors import RpcError
from devnode.examples import generate
from devnode.examples.recorder import ROOT, Recorder
from devnode.node import Node, NodeConfig
from devnode.state import StateConfig

TOS = 10**8
DOC = ROOT / "docs" / "node-api.md"
START = 1_800_000_000


class FakeClock:
    """Wall-clock stand-in: tests move it by hand."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class Harness:
    """A node plus helpers that read like the API."""

    def __init__(self, node: Node, clock: FakeClock) -> None:
        self.node = node
        self.clock = clock
        self.dev = [account.address for account in node.state.dev]

    def call(self, method: str, **params: Any) -> Any:
        return self.node.call(method, params)

    def reject(self, method: str, **params: Any) -> RpcError:
        """Call a method that must fail, and prove the failure changed nothing."""
        before = self.node.state.digest()
        head = self.node.log.head_seq
        with pytest.raises(RpcError) as caught:
            self.node.call(method, params)
        assert self.node.state.digest() == before
        assert self.node.log.head_seq == head
        return caught.value

    def balance(self, address: str) -> int:
        return int(self.call("get_balance", address=address)["balance"])

    def reputation(self, address: str) -> int:
        return int(self.call("ai_get_miner_stats", miner_address=address)["reputation"])

    def publish(self, sender: int = 0, **task_data: Any) -> str:
        data = {
            "task_type": {"CodeAnalysis": {"language": "rust"}},
            "reward_amount": 10_000_000_000,
            **task_data,
        }
        result = self.call("ai_publish_task", task_data=data, **{"from": self.dev[sender]})
        return str(result["task_id"])

    def join(self, task_id: str, sender: int, stake: int | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"task_id": task_id, "from": self.dev[sender]}
        if stake is not None:
            params["stake_amount"] = str(stake)
        result: dict[str, Any] = self.node.call("ai_participate_task", params)
        return result

    def submit(self, task_id: str, sender: int, content: str = "a solution that is long enough") -> str:
        result = self.node.call(
            "ai_submit_solution",
            {"task_id": task_id, "solution_data": {"content": content}, "from": self.dev[sender]},
        )
        return str(result["submission_id"])

    def validate(self, task_id: str, submission_id: str, sender: int, score: int) -> dict[str, Any]:
        result: dict[str, Any] = self.node.call(
            "ai_validate_submission",
            {
                "task_id": task_id,
                "submission_id": submission_id,
                "validation_result": {"Approve": {"quality_score": score, "reasoning": "checked"}},
                "from": self.dev[sender],
            },
        )
        return result

    def advance(self, seconds: int) -> None:
        """Move the node's clock and mine a block, as the block loop would."""
        self.call("dev_increase_time", seconds=seconds)
        self.call("dev_mine")

    def task(self, task_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.call("ai_get_task_details", task_id=task_id)
        return result

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        events = [event.as_dict() for event in self.node.log.since(0)]
        return [event for event in events if name is None or event["event"] == name]


def make_harness(**config: Any) -> Harness:
    clock = FakeClock()
    state_options = {key: config.pop(key) for key in list(config) if key in StateConfig.__dataclass_fields__}
    node = Node(NodeConfig(state=StateConfig(**state_options), block_time=0, **config), clock=clock)
    return Harness(node, clock)


@pytest.fixture(scope="session")
def scenario_run() -> tuple[str, list[Recorder]]:
    """One run of the docs' scenario against fresh devnode processes: the filled page and its recorders
    (every request and reply of the run), shared by the examples and the result-schema tests."""
    recorders: list[Recorder] = []
    text = generate(DOC.read_text(encoding="utf-8"), recorders)
    return text, recorders


@pytest.fixture
def harness() -> Iterator[Harness]:
    made = make_harness()
    yield made
    made.node.close()
