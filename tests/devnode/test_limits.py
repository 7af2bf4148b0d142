"""A real devnode refuses values outside its limits in words, and the refusal changes nothing.

Bodies are written by hand where JSON's own encoder would not write them (NaN, Infinity, 1e400).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.devnode.test_app import snapshot
from tests.support.devnode import DevnodeProcess, run_devnode

R = 10_000_000_000


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnodeProcess]:
    with run_devnode(
        tmp_path_factory.mktemp("limits"), block_time=0, extra_args=["--rate-limits", "off"]
    ) as started:
        yield started


def send(node: DevnodeProcess, method: str, params: str) -> dict[str, Any]:
    body = f'{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}'
    reply = node.http.post(node.url, content=body, headers={"content-type": "application/json"}, timeout=10)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()
    return answer


def refused(node: DevnodeProcess, method: str, params: str) -> dict[str, Any]:
    """The error of a call that must fail without changing anything."""
    before = snapshot(node)
    reply = send(node, method, params)
    assert "error" in reply, reply
    assert snapshot(node) == before
    error: dict[str, Any] = reply["error"]
    return error


def task_with(member: str) -> str:
    return f'{{"task_data":{{"task_type":"CodeAnalysis","reward_amount":{R},{member}}}}}'


# ----- numbers that are not finite, or absurdly large -------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("-Infinity", "finite"),
        ("1e400", "finite"),
        ("1e308", "maximum"),
        ("-1e308", "minimum"),
        ("8784.5", "maximum"),
        ("-1", "minimum"),
    ],
)
def test_deadline_hours_must_be_a_finite_number_of_hours_within_a_year(
    node: DevnodeProcess, value: str, rule: str
) -> None:
    error = refused(node, "ai_publish_task", task_with(f'"deadline_hours":{value}'))
    assert error["code"] == -32602
    assert error["data"]["field"] == "task_data.deadline_hours"
    assert error["data"]["rule"] == rule
    assert "deadline_hours" in error["message"]


def test_deadline_hours_at_the_edges_of_the_year_still_publish(node: DevnodeProcess) -> None:
    for hours in ("8784", "0.5", "1e-3"):
        reply = send(node, "ai_publish_task", task_with(f'"deadline_hours":{hours}'))
        assert "result" in reply, (hours, reply)


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        (
            "ai_publish_task",
            task_with('"verification_type":{"PeerReview":{"consensus_threshold":NaN}}'),
            "task_data.verification_type.PeerReview.consensus_threshold",
        ),
        (
            "ai_submit_solution",
            '{"task_id":"'
            + "a" * 64
            + '","solution_data":{"content":"long enough","test_results":{"t":Infinity}}}',
            "solution_data.test_results.t",
        ),
        (
            "ai_submit_solution",
            '{"task_id":"'
            + "a" * 64
            + '","solution_data":{"content":"long enough","performance_metrics":[1,-1e999]}}',
            "solution_data.performance_metrics[1]",
        ),
        ("get_info", '{"x":NaN}', "x"),
    ],
)
def test_nan_and_infinity_are_refused_in_any_param(
    node: DevnodeProcess, method: str, params: str, field: str
) -> None:
    error = refused(node, method, params)
    assert error["code"] == -32602
    assert error["data"] == {"field": field, "rule": "finite"}


@pytest.mark.parametrize("value", ["NaN", "1e308", "1.0", "-0.0", "12345678901234567890123"])
def test_a_number_where_an_integer_is_expected_is_refused(node: DevnodeProcess, value: str) -> None:
    for method, params in [
        ("dev_mine", f'{{"blocks":{value}}}'),
        ("dev_increase_time", f'{{"seconds":{value}}}'),
        ("ai_list_active_tasks", f'{{"limit":{value}}}'),
        ("ai_get_events", f'{{"since_seq":{value}}}'),
        ("ai_publish_task", task_with(f'"max_participants":{value}')),
    ]:
        error = refused(node, method, params)
        assert error["code"] in (-32602, -32005), (method, value, error)
