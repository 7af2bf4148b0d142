"""ai_get_rules: the rules the node publishes are the ones it enforces, and follow how it was started."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devnode.errors import INSUFFICIENT_FUNDS, INVALID_CONTENT, PERMISSION_DENIED
from tests.devnode.conftest import START, Harness, make_harness


@pytest.fixture
def trusted() -> Iterator[Harness]:
    """Dev accounts reputable enough for every level, and no rate limits."""
    made = make_harness(dev_reputation=1000, rate_limits=None)
    yield made
    made.node.close()


def publish(harness: Harness, sender: int = 0, **task_data: Any) -> dict[str, Any]:
    data = {"task_type": "GeneralTask", "description": "Say something useful.", **task_data}
    result: dict[str, Any] = harness.call("ai_publish_task", task_data=data, **{"from": harness.dev[sender]})
    return result


def test_each_published_reward_range_and_default_deadline_is_what_publishing_enforces(
    trusted: Harness,
) -> None:
    for level in trusted.call("ai_get_rules")["difficulty_levels"]:
        low, high = int(level["min_reward"]), int(level["max_reward"])
        for reward in (low, high):
            published = publish(trusted, difficulty_level=level["name"], reward_amount=str(reward))
            assert published["deadline"] == START + level["default_deadline_seconds"]
        for reward in (low - 1, high + 1):
            refused = trusted.reject(
                "ai_publish_task",
                task_data={
                    "task_type": "GeneralTask",
                    "difficulty_level": level["name"],
                    "reward_amount": reward,
                },
                **{"from": trusted.dev[0]},
            )
            assert (refused.code, refused.data["rule"]) == (INVALID_CONTENT, "reward_range")


def test_the_published_stake_bounds_are_what_joining_enforces(trusted: Harness) -> None:
    stake = trusted.call("ai_get_rules")["stake"]
    reward = 12_345_678_901
    task_id = publish(trusted, reward_amount=str(reward), max_participants=3)["task_id"]
    assert int(trusted.task(task_id)["stake_required"]) == reward // stake["min_divisor"]
    low, high = reward // stake["min_divisor"], reward // stake["max_divisor"]
    for refused_stake in (low - 1, high + 1):
        refused = trusted.reject(
            "ai_participate_task",
            task_id=task_id,
            stake_amount=str(refused_stake),
            **{"from": trusted.dev[1]},
        )
        assert (refused.code, refused.data["rule"]) == (INSUFFICIENT_FUNDS, "stake_range")
    trusted.join(task_id, 1, low)
    trusted.join(task_id, 2, high)


def test_the_published_reputation_minimums_are_what_each_action_needs() -> None:
    beginner = make_harness().call("ai_get_rules")["difficulty_levels"][0]["min_reputation"]
    below_publishing = make_harness(dev_reputation=beginner["publish"] - 1, rate_limits=None)
    refused = below_publishing.reject(
        "ai_publish_task",
        task_data={"task_type": "GeneralTask", "reward_amount": 5_000_000_000},
        **{"from": below_publishing.dev[0]},
    )
    assert (refused.code, refused.data["required"]) == (PERMISSION_DENIED, beginner["publish"])

    joining = make_harness(rate_limits=None)
    task_id = publish(joining, reward_amount="5000000000")["task_id"]
    joining.node.state.accounts[joining.dev[1]].reputation = beginner["participate"] - 1
    refused = joining.reject("ai_participate_task", task_id=task_id, **{"from": joining.dev[1]})
    assert (refused.code, refused.data["required"]) == (PERMISSION_DENIED, beginner["participate"])
    joining.node.state.accounts[joining.dev[1]].reputation = beginner["participate"]
    joining.join(task_id, 1)


def test_the_published_content_limits_are_what_publishing_enforces(trusted: Harness) -> None:
    content = trusted.call("ai_get_rules")["content"]
    short = "x" * (content["min_content_bytes"] - 1)
    refused = trusted.reject(
        "ai_publish_task",
        task_data={"task_type": "GeneralTask", "reward_amount": 5_000_000_000, "description": short},
        **{"from": trusted.dev[0]},
    )
    assert (refused.code, refused.data["rule"], refused.data["min"]) == (
        INVALID_CONTENT,
        "min_bytes",
        content["min_content_bytes"],
    )
    task_id = publish(trusted, reward_amount="5000000000")["task_id"]
    assert trusted.task(task_id)["max_participants"] == content["default_max_participants"]


def test_what_the_node_was_started_with_is_what_it_publishes() -> None:
    default = make_harness().call("ai_get_rules")
    assert default["rate_limits"]["per_window"] == {"publish": 10, "submit": 100, "validate": 500}
    assert default["deadlines"]["validation_window_seconds"] == 86400
    tuned = make_harness(rate_limits=None, validation_window=60, max_events=50).call("ai_get_rules")
    assert tuned["rate_limits"]["per_window"] is None
    assert tuned["deadlines"]["validation_window_seconds"] == 60
    assert tuned["transport"]["events_kept"] == 50
    limited = make_harness(rate_limits={"publish": 2, "submit": 3, "validate": 4}).call("ai_get_rules")
    assert limited["rate_limits"]["per_window"] == {"publish": 2, "submit": 3, "validate": 4}
    changed = {"rate_limits", "deadlines", "transport"}
    assert {key: value for key, value in tuned.items() if key not in changed} == {
        key: value for key, value in default.items() if key not in changed
    }


def test_the_command_lines_defaults_are_the_configs_so_the_vectors_describe_a_plain_devnode() -> None:
    from devnode.__main__ import build_parser
    from devnode.node import NodeConfig

    args, config = build_parser().parse_args([]), NodeConfig()
    assert (args.rate_limits, args.validation_window, args.max_events) == (
        config.state.rate_limits,
        config.state.validation_window,
        config.max_events,
    )
