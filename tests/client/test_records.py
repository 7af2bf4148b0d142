"""Typed results that still read as plain mappings, and the input types."""

from __future__ import annotations

from typing import Any

import pytest

from tos_ai import AutoMiningConfig, NetworkInfo, TaskSolution, format_tos, to_atomic
from tos_ai.records import Malformed

INFO = {
    "active_tasks": 2,
    "total_miners": 10,
    "online_miners": 1,
    "total_rewards_distributed": "6500000000",
    "average_task_completion_time": 12.5,
    "network": "devnet",
    "topoheight": 7,
    "timestamp": 1700000000,
    "something_new": [1, 2],
}


def test_a_record_reads_as_a_mapping_with_amounts_as_ints_and_keeps_the_raw_reply() -> None:
    info = NetworkInfo.parse(INFO)
    assert info["total_rewards_distributed"] == 6_500_000_000 == info.total_rewards_distributed
    assert info.raw["total_rewards_distributed"] == "6500000000"
    assert info["something_new"] == [1, 2]
    assert dict(info) == {**INFO, "total_rewards_distributed": 6_500_000_000}
    assert info == {**INFO, "total_rewards_distributed": 6_500_000_000}
    assert info.to_dict()["total_rewards_distributed"] == 6_500_000_000
    assert "NetworkInfo(" in repr(info)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"active_tasks": "2"}, "result.active_tasks"),
        ({"total_rewards_distributed": -5}, "result.total_rewards_distributed"),
        ({"network": None}, "result.network"),
        ({"topoheight": True}, "result.topoheight"),
    ],
)
def test_a_bad_field_is_named_by_its_path(change: dict[str, object], path: str) -> None:
    with pytest.raises(Malformed) as caught:
        NetworkInfo.parse({**INFO, **change})
    assert caught.value.path == path


def test_a_solution_omits_the_fields_left_out() -> None:
    assert TaskSolution(content="answer").to_dict() == {"content": "answer"}
    full = TaskSolution(
        content="a", code="c", documentation="d", test_results={"ok": 3}, performance_metrics=[1]
    )
    assert set(full.to_dict()) == {"content", "code", "documentation", "test_results", "performance_metrics"}


def test_the_auto_mining_config_refuses_nonsense() -> None:
    AutoMiningConfig(
        target_difficulty="Expert", max_concurrent_tasks=3, min_success_probability=0.5, min_time_left=1
    )
    bad: dict[str, Any]
    for bad in (
        {"target_difficulty": "Legendary"},
        {"target_difficulty": ["Beginner", "Legendary"]},
        {"target_difficulty": []},
        {"max_concurrent_tasks": 0},
        {"min_success_probability": 1.5},
        {"check_interval": 0},
        {"stake_fraction": 0.9},
    ):
        with pytest.raises(ValueError, match="must"):
            AutoMiningConfig(**bad)


def test_tos_amounts_convert_to_and_from_atomic_units() -> None:
    assert to_atomic("1.5") == 150_000_000
    assert to_atomic(50) == 5_000_000_000
    assert format_tos(150_000_000) == "1.5 TOS"
    assert format_tos(5_000_000_000) == "50 TOS"
    with pytest.raises(ValueError, match="at most 8 decimals"):
        to_atomic("1.123456789")


def test_the_auto_mining_config_takes_the_designs_list_of_levels_and_its_defaults() -> None:
    config = AutoMiningConfig(
        target_difficulty=["Intermediate", "Advanced"],
        max_concurrent_tasks=3,
        min_success_probability=0.4,
        min_time_left=3600,
        check_interval=60,
        auto_submit_solutions=True,
        ai_api_key="your-ai-service-key",
    )
    assert config.target_difficulties == ("Intermediate", "Advanced")
    assert AutoMiningConfig(target_difficulty="Advanced").target_difficulties == ("Advanced",)
    defaults = AutoMiningConfig()
    assert (defaults.check_interval, defaults.error_pause) == (60, 30)
    assert "your-ai-service-key" not in repr(config)


def test_the_clients_event_names_are_the_nodes() -> None:
    from devnode.events import EVENT_NAMES as NODE_EVENTS
    from tos_ai.models import EVENT_NAMES

    assert EVENT_NAMES == NODE_EVENTS


def test_a_dev_account_without_a_private_key_reads_as_none() -> None:
    from tos_ai import DevAccount

    account = DevAccount.parse({"index": 0, "address": "tst1x", "balance": "5"}, "result[0]")
    assert account.private_key is None
    assert account.balance == 5
