"""The TOS design's two Python usage examples run unchanged against a real devnode and this client.

The examples are read from the shared spec (never copied into the project). Only the node's URL and
the one-hour sleep are changed. The simple example uses `TaskSolution` without importing it; it runs
as a script with `TaskSolution` (from tos_ai) already in its global namespace, as if the design's
`from .types import *` had put it there, so the example's text stays exactly as written.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.devnode import DevnodeProcess, run_devnode

# The shared spec beside the checkouts (TOS_DESIGN_EXAMPLES names another copy of the same file).
EXAMPLES = Path(os.environ.get("TOS_DESIGN_EXAMPLES", "/work/shared/spec/tos-design-examples.md"))
SECTION = "## Python usage examples"
RUNNER = """
import asyncio, sys
import tos_ai
source = open(sys.argv[1], encoding="utf-8").read()
namespace = {"__name__": sys.argv[2], "TaskSolution": tos_ai.TaskSolution}
exec(compile(source, "design_example.py", "exec"), namespace)
if sys.argv[2] != "__main__":
    asyncio.run(namespace[sys.argv[2]]())
"""
SHORT_RUN = 4  # seconds instead of the example's hour


def design_example() -> str:
    if not EXAMPLES.exists():
        pytest.fail(f"{EXAMPLES} is missing: the design's examples are read from there")
    text = EXAMPLES.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "no python block in the usage examples section"
    return match.group(1)


def pointed_at(source: str, url: str) -> str:
    """The example with only the node URL and the one-hour sleep changed (each exactly where expected)."""
    assert source.count('"http://localhost:8545"') == 2
    assert source.count("await asyncio.sleep(3600)") == 1
    return source.replace('"http://localhost:8545"', f'"{url}"').replace(
        "await asyncio.sleep(3600)", f"await asyncio.sleep({SHORT_RUN})"
    )


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    # Dev accounts start at reputation 700, so one may publish an Advanced task.
    with run_devnode(tmp_path_factory.mktemp("design"), extra_args=["--dev-reputation", "700"]) as process:
        yield process


def run_example(node: DevnodeProcess, tmp_path: Path, entry: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "design_example.py"
    script.write_text(pointed_at(design_example(), node.url), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(script), entry],
        capture_output=True,
        text=True,
        timeout=120,
    )


def publish(node: DevnodeProcess, account: int, **task: object) -> str:
    sender = node.rpc("dev_accounts")[account]["address"]  # type: ignore[index]
    result = node.rpc("ai_publish_task", {"task_data": task, "from": sender})
    return str(result["task_id"])  # type: ignore[index]


def details(node: DevnodeProcess, task_id: str) -> dict[str, Any]:
    result = node.rpc("ai_get_task_details", {"task_id": task_id})
    assert isinstance(result, dict)
    return result


def dev_address(node: DevnodeProcess, index: int) -> str:
    return str(node.rpc("dev_accounts")[index]["address"])  # type: ignore[index]


def test_the_simple_mining_example_runs_unchanged(node: DevnodeProcess, tmp_path: Path) -> None:
    task_id = publish(
        node,
        1,
        title="Optimize a sort",
        task_type={"CodeAnalysis": {"language": "rust"}},
        reward_amount="20000000000",
        difficulty_level="Intermediate",
    )
    result = run_example(node, tmp_path, "__main__")
    assert result.returncode == 0, result.stderr
    assert "Active tasks: 1" in result.stdout
    task = details(node, task_id)
    (participant,) = task["participants"]
    assert participant["miner"] == dev_address(node, 0)
    assert participant["stake_amount"] == "5000000000"
    (submission,) = task["submissions"]
    assert submission["solution_data"] == {
        "content": "Optimized bubble sort implementation",
        "code": "fn bubble_sort(arr: &mut [i32]) { ... }",
        "documentation": "Performance improved by 25%",
    }


def test_the_auto_mining_example_runs_unchanged(node: DevnodeProcess, tmp_path: Path) -> None:
    intermediate = publish(
        node, 2, title="Summarise a log", task_type="DataAnalysis", reward_amount="30000000000"
    )
    advanced = publish(
        node, 3, title="Audit a contract", task_type="SecurityAudit", reward_amount="60000000000"
    )
    beginner = publish(node, 4, title="Fix a typo", task_type="GeneralTask", reward_amount="6000000000")
    result = run_example(node, tmp_path, "auto_mining_example")
    assert result.returncode == 0, result.stderr
    miner = dev_address(node, 0)
    for task_id in (intermediate, advanced):
        task = details(node, task_id)
        assert [p["miner"] for p in task["participants"]] == [miner], task["difficulty_level"]
        assert [s["submitter"] for s in task["submissions"]] == [miner]
    assert details(node, beginner)["participants"] == []  # not in target_difficulty
