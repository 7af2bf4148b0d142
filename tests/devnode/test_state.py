"""The state machine's rules, driven in-process through the dispatcher (schemas included)."""

from __future__ import annotations

from typing import Any

import pytest
from nacl.signing import SigningKey

from devnode.crypto import address_from_public_key, derive_dev_key, sign_request
from devnode.errors import RpcError
from devnode.state import NETWORK_ADDRESS
from tests.devnode.conftest import START, TOS, Harness, make_harness

G = 10**14  # each dev account's genesis balance
R = 10_000_000_007  # a Beginner reward chosen so that every split leaves a remainder


def new_key(label: str) -> tuple[SigningKey, str]:
    key = SigningKey(label.encode().ljust(32, b"\0"))
    return key, address_from_public_key(bytes(key.verify_key))


def signed(harness: Harness, key: SigningKey, method: str, **params: Any) -> Any:
    address = address_from_public_key(bytes(key.verify_key))
    nonce = harness.call("get_nonce", address=address)["nonce"]
    return harness.node.call(method, sign_request(key, method, params, nonce, chain_id=chain_of(harness)))


def chain_of(harness: Harness) -> str:
    return str(harness.call("get_info")["chain_id"])


# ----- publishing ---------------------------------------------------------------------------------------


def test_it_publishes_a_task_and_moves_the_reward_into_escrow(harness: Harness) -> None:
    result = harness.call(
        "ai_publish_task",
        task_data={"task_type": {"CodeAnalysis": {"language": "rust"}}, "reward_amount": "10000000000"},
    )
    assert result["status"] == "published"
    assert len(result["task_id"]) == 64
    assert harness.balance(harness.dev[0]) == G - 10_000_000_000
    details = harness.task(result["task_id"])
    assert details["status"] == "Published"
    assert details["publisher"] == harness.dev[0]
    assert harness.events("task_published")[0]["data"]["task_id"] == result["task_id"]


def test_it_fills_in_the_defaults_a_publisher_leaves_out(harness: Harness) -> None:
    task_id = harness.publish(reward_amount=15_000_000_000)
    details = harness.task(task_id)
    assert details["title"] == "CodeAnalysis (rust)"
    assert details["description"] == "CodeAnalysis (rust)"
    assert details["difficulty_level"] == "Beginner"  # the lowest level whose range holds 150 TOS
    assert details["deadline"] == START + 86400
    assert details["stake_required"] == "1500000000"
    assert details["max_participants"] == 10
    assert details["verification_type"] == {
        "PeerReview": {"required_reviewers": 1, "consensus_threshold": 0.67}
    }
    assert details["quality_threshold"] == 70
    assert details["created_at"] == START


@pytest.mark.parametrize(
    ("reward", "level", "days"),
    [(20_000_000_000, "Intermediate", 3), (100 * 10**9, "Advanced", 7), (300 * 10**9, "Expert", 14)],
)
def test_it_picks_the_difficulty_and_deadline_from_the_reward(reward: int, level: str, days: int) -> None:
    harness = make_harness(dev_reputation=1000)
    details = harness.task(harness.publish(reward_amount=reward))
    assert details["difficulty_level"] == level
    assert details["deadline"] == START + days * 86400


def test_it_accepts_the_rest_flat_form_and_a_bare_task_type(harness: Harness) -> None:
    task_id = harness.publish(task_type="SecurityAudit", scope="SmartContract")
    assert harness.task(task_id)["task_type"] == {"SecurityAudit": {"scope": "SmartContract"}}
    assert harness.task(task_id)["title"] == "SecurityAudit (SmartContract)"
    bare = harness.publish(task_type="GeneralTask")
    assert harness.task(bare)["task_type"] == {"GeneralTask": {}}


def test_it_refuses_a_reward_below_the_difficulty_minimum(harness: Harness) -> None:
    error = harness.reject(
        "ai_publish_task",
        task_data={"task_type": "CodeAnalysis", "reward_amount": 1 * TOS, "difficulty_level": "Beginner"},
    )
    assert error.code == -32005
    assert error.data == {
        "field": "reward_amount",
        "rule": "reward_range",
        "difficulty_level": "Beginner",
        "min": "5000000000",
        "max": "15000000000",
    }
    assert "1 TOS is below the Beginner minimum of 50 TOS" in error.message


def test_it_refuses_a_reward_above_the_difficulty_maximum(harness: Harness) -> None:
    error = harness.reject(
        "ai_publish_task",
        task_data={
            "task_type": "CodeAnalysis",
            "reward_amount": 16_000_000_000,
            "difficulty_level": "Beginner",
        },
    )
    assert error.code == -32005
    assert "above the Beginner maximum of 150 TOS" in error.message


def test_it_refuses_a_reward_that_fits_no_difficulty(harness: Harness) -> None:
    error = harness.reject(
        "ai_publish_task", task_data={"task_type": "CodeAnalysis", "reward_amount": 600 * 10**9}
    )
    assert (error.code, error.data["rule"], error.data["field"]) == (-32005, "reward_range", "reward_amount")


def test_it_counts_description_length_in_utf8_bytes(harness: Harness) -> None:
    short = "éééé"  # 4 characters, 8 bytes
    error = harness.reject(
        "ai_publish_task", task_data={"task_type": "CodeAnalysis", "reward_amount": R, "description": short}
    )
    assert error.code == -32005
    assert error.data == {"field": "description", "rule": "min_bytes", "min": 10, "bytes": 8}
    long = "é" * 1025  # 1025 characters, 2050 bytes
    error = harness.reject(
        "ai_publish_task", task_data={"task_type": "CodeAnalysis", "reward_amount": R, "description": long}
    )
    assert (error.code, error.data["rule"], error.data["bytes"]) == (-32005, "max_bytes", 2050)
    harness.publish(description="é" * 1024)  # exactly 2048 bytes passes


def test_it_refuses_publishing_above_the_callers_reputation(harness: Harness) -> None:
    error = harness.reject(
        "ai_publish_task", task_data={"task_type": "CodeAnalysis", "reward_amount": 100 * 10**9}
    )
    assert error.code == -32004
    assert error.data["rule"] == "reputation"
    assert error.data["required"] == 600
    assert error.data["reputation"] == 500


def test_it_refuses_a_publish_the_publisher_cannot_pay_for(harness: Harness) -> None:
    key, address = new_key("poor publisher")
    harness.call("dev_faucet", address=address, amount=str(10 * TOS))
    before = harness.call("get_nonce", address=address)["nonce"]
    with pytest.raises(RpcError) as caught:
        signed(harness, key, "ai_publish_task", task_data={"task_type": "CodeAnalysis", "reward_amount": R})
    error: Any = caught.value
    assert error.code == -32002
    assert error.data["rule"] == "balance"
    assert error.data["needed"] == str(R)
    assert harness.balance(address) == 10 * TOS
    # A verified signature spends the nonce even though the method failed.
    assert harness.call("get_nonce", address=address)["nonce"] == before + 1


@pytest.mark.parametrize(
    ("task_data", "field", "code"),
    [
        ({"task_type": "Poetry", "reward_amount": R}, "task_data.task_type", -32602),
        ({"task_type": "CodeAnalysis", "reward_amount": 1.5}, "task_data.reward_amount", -32602),
        ({"task_type": "CodeAnalysis", "reward_amount": "-5"}, "task_data.reward_amount", -32602),
        ({"task_type": "CodeAnalysis", "reward_amount": True}, "task_data.reward_amount", -32602),
        ({"task_type": "CodeAnalysis", "reward_amount": R, "title": 7}, "task_data.title", -32602),
        ({"task_type": "CodeAnalysis", "reward_amount": R, "colour": "red"}, "task_data.colour", -32602),
        (
            {"task_type": {"CodeAnalysis": {"scope": "x"}}, "reward_amount": R},
            "task_data.task_type.CodeAnalysis.scope",
            -32602,
        ),
        (
            {"task_type": "CodeAnalysis", "reward_amount": R, "difficulty_level": "Easy"},
            "task_data.difficulty_level",
            -32602,
        ),
        ({"task_type": "CodeAnalysis", "reward_amount": R, "deadline": START - 1}, "deadline", -32005),
        ({"task_type": "CodeAnalysis", "reward_amount": R, "deadline_hours": 0}, "deadline_hours", -32005),
        ({"task_type": "CodeAnalysis", "reward_amount": R, "stake_required": R}, "stake_required", -32002),
        (
            {"task_type": "CodeAnalysis", "reward_amount": R, "quality_threshold": 101},
            "quality_threshold",
            -32005,
        ),
        (
            {"task_type": "CodeAnalysis", "reward_amount": R, "max_participants": 0},
            "max_participants",
            -32005,
        ),
        ({"reward_amount": R}, "task_data.task_type", -32602),
        (
            {
                "task_type": "CodeAnalysis",
                "reward_amount": R,
                "verification_type": {"PeerReview": {"required_reviewers": 0}},
            },
            "task_data.verification_type.PeerReview.required_reviewers",
            -32602,
        ),
    ],
)
def test_it_names_the_field_of_a_bad_publish(
    harness: Harness, task_data: dict[str, Any], field: str, code: int
) -> None:
    error = harness.reject("ai_publish_task", task_data=task_data)
    assert (error.code, error.data["field"]) == (code, field)


def test_it_rate_limits_publishing_per_address_per_hour_on_the_node_clock(harness: Harness) -> None:
    for _ in range(10):
        harness.publish()
    error = harness.reject("ai_publish_task", task_data={"task_type": "CodeAnalysis", "reward_amount": R})
    assert error.code == -32007
    assert error.data["rule"] == "rate_limit"
    assert error.data["action"] == "publish"
    assert error.data["retry_after"] == 3600
    harness.publish(sender=1)  # another address has its own window
    harness.call("dev_increase_time", seconds=3600)
    harness.publish()


def test_it_can_run_without_rate_limits() -> None:
    harness = make_harness(rate_limits=None)
    for _ in range(12):
        harness.publish()
    assert len(harness.call("ai_list_active_tasks")) == 12


def test_it_refuses_positional_params(harness: Harness) -> None:
    before = harness.node.state.digest()
    with pytest.raises(RpcError) as caught:
        harness.node.call("get_balance", [harness.dev[0]])
    error: Any = caught.value
    assert (error.code, error.data["field"], error.data["rule"]) == (-32602, "params", "named_params")
    assert harness.node.state.digest() == before


def test_it_refuses_an_unknown_method(harness: Harness) -> None:
    error = harness.reject("ai_mine_bitcoin")
    assert error.code == -32601


def test_it_refuses_an_invalid_address(harness: Harness) -> None:
    bad = harness.dev[0][:-1] + ("q" if harness.dev[0][-1] != "q" else "p")
    error = harness.reject("get_balance", address=bad)
    assert (error.code, error.data["field"], error.data["rule"]) == (-32602, "address", "address")
    mainnet = "tos" + harness.dev[0][3:]
    assert harness.reject("get_balance", address=mainnet).code == -32602


# ----- miners -------------------------------------------------------------------------------------------


def test_it_registers_a_miner_for_a_fee_paid_to_the_network(harness: Harness) -> None:
    key, address = new_key("new miner")
    harness.call("dev_faucet", address=address, amount=str(100 * TOS))
    result = signed(harness, key, "ai_register_miner", miner_config={"specializations": ["rust"]})
    assert result == {"miner_address": address, "reputation": 500}
    assert harness.balance(address) == 90 * TOS  # the minimum fee is 1e9 atomic = 10 TOS
    assert harness.balance(NETWORK_ADDRESS) == 10 * TOS
    assert harness.events("miner_registered")[-1]["data"]["miner_address"] == address
    error: Any
    with pytest.raises(RpcError) as caught:
        signed(harness, key, "ai_register_miner", miner_config={})
    error = caught.value
    assert (error.code, error.data["rule"]) == (-32006, "already_registered")


def test_it_refuses_a_registration_fee_below_the_minimum_or_beyond_the_balance(harness: Harness) -> None:
    key, address = new_key("cheap miner")
    harness.call("dev_faucet", address=address, amount=str(TOS // 2))
    with pytest.raises(RpcError) as caught:
        signed(harness, key, "ai_register_miner", miner_config={"registration_fee": 10**9 - 1})
    error: Any = caught.value
    assert (error.code, error.data["field"]) == (-32005, "miner_config.registration_fee")
    with pytest.raises(RpcError) as caught:
        signed(harness, key, "ai_register_miner", miner_config={})
    error = caught.value
    assert (error.code, error.data["rule"]) == (-32002, "balance")


# ----- participation ------------------------------------------------------------------------------------


def test_it_locks_the_stake_of_a_participant(harness: Harness) -> None:
    task_id = harness.publish(reward_amount=R)
    result = harness.join(task_id, 1, 2 * TOS * 10)
    assert result["stake_amount"] == str(20 * TOS)
    assert len(result["participation_id"]) == 64
    assert harness.balance(harness.dev[1]) == G - 20 * TOS
    assert harness.task(task_id)["status"] == "InProgress"
    stats = harness.call("ai_get_miner_stats", miner_address=harness.dev[1])
    assert stats["current_stake"] == str(20 * TOS)
    assert stats["tasks_participated"] == 1


def test_it_defaults_the_stake_to_the_minimum(harness: Harness) -> None:
    task_id = harness.publish(reward_amount=R)
    assert harness.join(task_id, 1)["stake_amount"] == str(R // 10)


@pytest.mark.parametrize("stake", [R // 10 - 1, R // 2 + 1])
def test_it_refuses_a_stake_outside_a_tenth_to_a_half_of_the_reward(harness: Harness, stake: int) -> None:
    task_id = harness.publish(reward_amount=R)
    error = harness.reject(
        "ai_participate_task", task_id=task_id, stake_amount=str(stake), **{"from": harness.dev[1]}
    )
    assert error.code == -32002
    assert error.data == {
        "field": "stake_amount",
        "rule": "stake_range",
        "min": str(R // 10),
        "max": str(R // 2),
    }


def test_it_honours_a_stake_required_above_a_tenth(harness: Harness) -> None:
    task_id = harness.publish(reward_amount=R, stake_required=str(3 * 10**9))
    error = harness.reject(
        "ai_participate_task", task_id=task_id, stake_amount=2 * 10**9, **{"from": harness.dev[1]}
    )
    assert error.data["min"] == str(3 * 10**9)


def test_it_refuses_a_publisher_joining_their_own_task(harness: Harness) -> None:
    task_id = harness.publish()
    error = harness.reject("ai_participate_task", task_id=task_id)
    assert (error.code, error.data["rule"]) == (-32004, "own_task")


def test_it_refuses_a_second_participation(harness: Harness) -> None:
    task_id = harness.publish()
    harness.join(task_id, 1)
    error = harness.reject("ai_participate_task", task_id=task_id, **{"from": harness.dev[1]})
    assert (error.code, error.data["rule"]) == (-32006, "already_participating")


def test_it_refuses_joining_a_full_task(harness: Harness) -> None:
    task_id = harness.publish(max_participants=1)
    harness.join(task_id, 1)
    error = harness.reject("ai_participate_task", task_id=task_id, **{"from": harness.dev[2]})
    assert (error.code, error.data["rule"]) == (-32003, "full")


def test_it_refuses_joining_after_the_deadline_even_before_the_next_block(harness: Harness) -> None:
    task_id = harness.publish()
    harness.call("dev_increase_time", seconds=86400)
    error = harness.reject("ai_participate_task", task_id=task_id, **{"from": harness.dev[1]})
    assert (error.code, error.data["rule"]) == (-32003, "deadline")


def test_it_refuses_an_unknown_or_malformed_task(harness: Harness) -> None:
    error = harness.reject("ai_participate_task", task_id="ab" * 32, **{"from": harness.dev[1]})
    assert (error.code, error.data["field"]) == (-32001, "task_id")
    error = harness.reject("ai_participate_task", task_id="nope", **{"from": harness.dev[1]})
    assert (error.code, error.data["field"]) == (-32602, "task_id")
    assert harness.reject("ai_get_task_details", task_id="cd" * 32).code == -32001


def test_it_refuses_participation_by_an_unregistered_account(harness: Harness) -> None:
    task_id = harness.publish()
    key, address = new_key("unregistered")
    harness.call("dev_faucet", address=address, amount=str(1000 * TOS))
    with pytest.raises(RpcError) as caught:
        signed(harness, key, "ai_participate_task", task_id=task_id)
    error: Any = caught.value
    assert (error.code, error.data["rule"]) == (-32004, "registered_miner")


def test_it_refuses_a_stake_beyond_the_balance(harness: Harness) -> None:
    task_id = harness.publish()
    key, address = new_key("small miner")
    harness.call("dev_faucet", address=address, amount=str(12 * TOS))
    signed(harness, key, "ai_register_miner")
    with pytest.raises(RpcError) as caught:
        signed(harness, key, "ai_participate_task", task_id=task_id)
    error: Any = caught.value
    assert (error.code, error.data["rule"], error.data["field"]) == (-32002, "balance", "stake_amount")


# ----- submissions --------------------------------------------------------------------------------------


def test_it_records_a_submission_with_the_blake3_answer_hash(harness: Harness) -> None:
    import blake3

    from devnode.crypto import canonical_json

    task_id = harness.publish()
    harness.join(task_id, 1)
    solution = {"content": "fn main() { fast(); }", "code": "fast()"}
    result = harness.call(
        "ai_submit_solution", task_id=task_id, solution=solution, **{"from": harness.dev[1]}
    )
    assert result["status"] == "submitted"
    assert result["answer_hash"] == blake3.blake3(canonical_json(solution)).hexdigest()
    submission = harness.task(task_id)["submissions"][0]
    assert submission["solution_data"] == solution
    assert submission["submitter"] == harness.dev[1]


def test_it_refuses_submissions_from_non_participants_and_twice(harness: Harness) -> None:
    task_id = harness.publish()
    error = harness.reject(
        "ai_submit_solution",
        task_id=task_id,
        solution_data={"content": "long enough text"},
        **{"from": harness.dev[1]},
    )
    assert (error.code, error.data["rule"]) == (-32004, "not_participant")
    harness.join(task_id, 1)
    harness.submit(task_id, 1)
    error = harness.reject(
        "ai_submit_solution",
        task_id=task_id,
        solution_data={"content": "long enough text"},
        **{"from": harness.dev[1]},
    )
    assert (error.code, error.data["rule"]) == (-32006, "already_submitted")


def test_it_refuses_solutions_too_short_or_over_64_kib(harness: Harness) -> None:
    task_id = harness.publish()
    harness.join(task_id, 1)
    error = harness.reject(
        "ai_submit_solution", task_id=task_id, solution_data={"content": "short"}, **{"from": harness.dev[1]}
    )
    assert (error.code, error.data["field"], error.data["rule"]) == (
        -32005,
        "solution_data.content",
        "min_bytes",
    )
    error = harness.reject(
        "ai_submit_solution",
        task_id=task_id,
        solution_data={"content": "x" * 20, "code": "y" * 65536},
        **{"from": harness.dev[1]},
    )
    assert (error.code, error.data["field"], error.data["rule"]) == (-32005, "solution_data", "max_bytes")
    error = harness.reject(
        "ai_submit_solution", task_id=task_id, solution_data={"content": 42}, **{"from": harness.dev[1]}
    )
    assert (error.code, error.data["field"]) == (-32602, "solution_data.content")


def test_it_refuses_submissions_after_the_deadline(harness: Harness) -> None:
    task_id = harness.publish()
    harness.join(task_id, 1)
    harness.call("dev_increase_time", seconds=86400)
    error = harness.reject(
        "ai_submit_solution",
        task_id=task_id,
        solution_data={"content": "long enough text"},
        **{"from": harness.dev[1]},
    )
    assert (error.code, error.data["rule"]) == (-32003, "deadline")


# ----- validations --------------------------------------------------------------------------------------


def test_it_records_a_validation_and_reports_consensus_progress() -> None:
    harness = make_harness()
    task_id = harness.publish(
        verification_type={"PeerReview": {"required_reviewers": 2, "consensus_threshold": 0.5}}
    )
    harness.join(task_id, 1)
    submission_id = harness.submit(task_id, 1)
    result = harness.validate(task_id, submission_id, 2, 88)
    assert result["consensus_progress"] == {"validations": 1, "required": 2}
    assert len(result["validation_id"]) == 64
    event = harness.events("validation_completed")[-1]["data"]
    assert (event["validator"], event["score"], event["submission_id"]) == (harness.dev[2], 88, submission_id)


def test_it_refuses_the_wrong_validators(harness: Harness) -> None:
    task_id = harness.publish()
    harness.join(task_id, 1)
    submission_id = harness.submit(task_id, 1)

    def attempt(sender: int, score: int = 80, submission: str = submission_id) -> Any:
        return harness.reject(
            "ai_validate_submission",
            task_id=task_id,
            submission_id=submission,
            validation_result={"Approve": {"quality_score": score}},
            **{"from": harness.dev[sender]},
        )

    assert (attempt(1).code, attempt(1).data["rule"]) == (-32004, "own_submission")
    assert (attempt(0).code, attempt(0).data["rule"]) == (-32004, "own_task")
    assert (attempt(2, 101).code, attempt(2, 101).data["rule"]) == (-32005, "score_range")
    assert (attempt(2, -1).code, attempt(2, -1).data["field"]) == (
        -32005,
        "validation_result.Approve.quality_score",
    )
    assert attempt(2, submission="ef" * 32).code == -32001
    harness.validate(task_id, submission_id, 2, 80)
    assert (attempt(2).code, attempt(2).data["rule"]) == (-32006, "already_validated")
    assert (attempt(3).code, attempt(3).data["rule"]) == (-32003, "reviewers_complete")


def test_a_reject_scores_zero(harness: Harness) -> None:
    task_id = harness.publish()
    harness.join(task_id, 1)
    submission_id = harness.submit(task_id, 1)
    harness.call(
        "ai_validate_submission",
        task_id=task_id,
        submission_id=submission_id,
        validation_result={"Reject": {"reason": "wrong", "evidence": {"line": 3}}},
        **{"from": harness.dev[2]},
    )
    validation = harness.task(task_id)["submissions"][0]["validations"][0]
    assert (validation["quality_score"], validation["verdict"], validation["reasoning"]) == (
        0,
        "Reject",
        "wrong",
    )


def test_it_refuses_a_malformed_validation_result(harness: Harness) -> None:
    task_id = harness.publish()
    harness.join(task_id, 1)
    submission_id = harness.submit(task_id, 1)
    error = harness.reject(
        "ai_validate_submission",
        task_id=task_id,
        submission_id=submission_id,
        validation_result={"Approve": {"quality_score": "high"}},
        **{"from": harness.dev[2]},
    )
    assert (error.code, error.data["field"]) == (-32602, "validation_result.Approve.quality_score")
    error = harness.reject(
        "ai_validate_submission",
        task_id=task_id,
        submission_id=submission_id,
        validation_result={"Maybe": {}},
    )
    assert (error.code, error.data["field"]) == (-32602, "validation_result")


# ----- the whole lifecycle and the money ----------------------------------------------------------------


def test_a_task_completes_with_every_atomic_unit_accounted_for() -> None:
    harness = make_harness()
    task_id = harness.publish(
        reward_amount=str(R),
        max_participants=5,
        verification_type={"PeerReview": {"required_reviewers": 2, "consensus_threshold": 0.67}},
    )
    stakes = {1: 1_000_000_000, 2: 1_200_000_000, 3: 1_000_000_000, 6: 2_000_000_000, 7: 1_000_000_001}
    for sender, stake in stakes.items():
        harness.join(task_id, sender, stake)
    scores = {
        1: (90, 80),
        2: (75, 72),
        3: (70, 73),
        6: (10, 55),
    }  # finals 85, 73, 71, 32; dev 7 never submits
    for sender, (first, second) in scores.items():
        submission_id = harness.submit(task_id, sender, f"solution number {sender}")
        harness.validate(task_id, submission_id, 4, first)
        harness.validate(task_id, submission_id, 5, second)
    assert harness.task(task_id)["status"] == "InProgress"  # dev 7 has not submitted: wait for the deadline
    harness.advance(86400)

    details = harness.task(task_id)
    assert details["status"] == "Completed"
    assert [item["final_score"] for item in details["submissions"]] == [85, 73, 71, 32]
    # By hand, R = 10,000,000,007: winner 65% = 6,500,000,004; others 15% = 1,500,000,001 shared 73:71
    # = 760,416,667 + 739,583,333 (1 left); validators 15% = 1,500,000,001 over 8 validations = 187,500,000
    # each (1 left); network 5% = 500,000,000; the split's own remainder is 1; publisher gets 1 + 1 + 1 = 3.
    # Stakes: dev 6 (32 < 40) loses 30% of 2,000,000,000 = 600,000,000; dev 7 (no submission) loses
    # 30% of 1,000,000,001 = 300,000,000.
    expected = {
        0: G - R + 3,
        1: G + 6_500_000_004,
        2: G + 760_416_667,
        3: G + 739_583_333,
        4: G + 4 * 187_500_000,
        5: G + 4 * 187_500_000,
        6: G - 600_000_000,
        7: G - 300_000_000,
        8: G,
        9: G,
    }
    assert {index: harness.balance(address) for index, address in enumerate(harness.dev)} == expected
    assert harness.balance(NETWORK_ADDRESS) == 500_000_000 + 600_000_000 + 300_000_000
    assert harness.node.state.total_supply() == 10 * G

    rewards = {(item["recipient"], item["reward_type"]): int(item["amount"]) for item in details["rewards"]}
    assert rewards[(harness.dev[1], "winner")] == 6_500_000_004
    assert rewards[(harness.dev[0], "refund")] == 3
    assert rewards[(harness.dev[6], "stake_return")] == 1_400_000_000
    assert rewards[(harness.dev[7], "stake_return")] == 700_000_001
    slashed = {
        event["data"]["miner"]: int(event["data"]["amount"]) for event in harness.events("stake_slashed")
    }
    assert slashed == {harness.dev[6]: 600_000_000, harness.dev[7]: 300_000_000}
    credits = harness.events("reward_distributed")
    assert sum(int(event["data"]["amount"]) for event in credits) == R + sum(stakes.values())

    reputations = {index: harness.reputation(address) for index, address in enumerate(harness.dev)}
    # winner +10, passing +5, failing -5, no submission -10, publisher +5; validators +3 when within 15
    # points of the final score, else -2 (both were far from dev 6's 32).
    assert reputations == {0: 505, 1: 510, 2: 505, 3: 505, 4: 507, 5: 507, 6: 495, 7: 490, 8: 500, 9: 500}
    assert harness.call("ai_get_miner_stats", miner_address=harness.dev[1])["wins"] == 1
    assert harness.call("ai_get_miner_stats", miner_address=harness.dev[1])["total_earnings"] == "6500000004"
    assert harness.call("ai_get_miner_stats", miner_address=harness.dev[6])["current_stake"] == "0"
    completed = harness.events("task_completed")[0]["data"]
    assert completed["winner"] == harness.dev[1]


def test_a_full_task_completes_at_once_when_every_submission_is_validated(harness: Harness) -> None:
    task_id = harness.publish(reward_amount=str(R), max_participants=2)
    harness.join(task_id, 1)
    harness.join(task_id, 2)
    first = harness.submit(task_id, 1)
    second = harness.submit(task_id, 2)
    harness.validate(task_id, first, 3, 80)
    assert harness.task(task_id)["status"] == "InProgress"
    harness.validate(task_id, second, 3, 80)
    details = harness.task(task_id)
    assert details["status"] == "Completed"
    # A tie goes to the earlier submission.
    rewards = {(item["recipient"], item["reward_type"]): int(item["amount"]) for item in details["rewards"]}
    assert rewards[(harness.dev[1], "winner")] == R * 65 // 100
    assert rewards[(harness.dev[2], "participant")] == R * 15 // 100


def test_an_unvalidated_submission_gets_its_stake_back_and_no_reward(harness: Harness) -> None:
    task_id = harness.publish(reward_amount=str(R))
    harness.join(task_id, 1, 2_000_000_000)
    harness.submit(task_id, 1)
    harness.advance(86400)
    assert harness.task(task_id)["status"] == "UnderValidation"
    harness.advance(86399)
    assert harness.task(task_id)["status"] == "UnderValidation"
    harness.advance(1)
    assert harness.task(task_id)["status"] == "Completed"
    assert harness.task(task_id)["submissions"][0]["final_score"] is None
    assert harness.balance(harness.dev[1]) == G
    assert harness.reputation(harness.dev[1]) == 500
    network = R * 5 // 100
    assert harness.balance(harness.dev[0]) == G - network
    assert harness.balance(NETWORK_ADDRESS) == network


def test_a_validation_window_can_be_shortened() -> None:
    harness = make_harness(validation_window=60)
    task_id = harness.publish()
    harness.join(task_id, 1)
    harness.submit(task_id, 1)
    harness.advance(86400)
    harness.advance(60)
    assert harness.task(task_id)["status"] == "Completed"


def test_an_under_validation_task_completes_on_its_last_validation(harness: Harness) -> None:
    task_id = harness.publish()
    harness.join(task_id, 1)
    harness.join(task_id, 2)
    first = harness.submit(task_id, 1)
    harness.advance(86400)
    assert harness.task(task_id)["status"] == "UnderValidation"
    harness.validate(task_id, first, 3, 95)
    assert harness.task(task_id)["status"] == "Completed"
    assert harness.reputation(harness.dev[2]) == 490  # joined, never submitted


def test_a_task_without_submissions_expires_and_refunds_the_publisher(harness: Harness) -> None:
    task_id = harness.publish(reward_amount=str(R))
    harness.join(task_id, 1, 1_000_000_001)
    harness.advance(86399)
    assert harness.task(task_id)["status"] == "InProgress"
    harness.advance(1)
    assert harness.task(task_id)["status"] == "Expired"
    assert harness.balance(harness.dev[0]) == G
    assert harness.balance(harness.dev[1]) == G - 300_000_000  # 30% of 1,000,000,001, rounded down
    assert harness.balance(NETWORK_ADDRESS) == 300_000_000
    assert harness.reputation(harness.dev[1]) == 490
    assert harness.events("task_expired")[0]["data"] == {"task_id": task_id, "refunded": str(R)}
    statuses = [event["data"]["new_status"] for event in harness.events("task_status_changed")]
    assert statuses == ["InProgress", "Expired"]
    assert harness.call("ai_list_active_tasks") == []


def test_a_publisher_cancels_before_anyone_joins_and_gets_the_escrow_back(harness: Harness) -> None:
    task_id = harness.publish(reward_amount=str(R))
    other = harness.reject("ai_cancel_task", task_id=task_id, **{"from": harness.dev[1]})
    assert (other.code, other.data["rule"]) == (-32004, "not_publisher")
    result = harness.call("ai_cancel_task", task_id=task_id)
    assert result == {"task_id": task_id, "status": "cancelled", "refunded": str(R)}
    assert harness.balance(harness.dev[0]) == G
    assert harness.task(task_id)["status"] == "Cancelled"
    assert harness.events("task_cancelled")[0]["data"]["refunded"] == str(R)
    assert harness.events("reward_distributed")[-1]["data"]["reward_type"] == "refund"
    again = harness.reject("ai_cancel_task", task_id=task_id)
    assert (again.code, again.data["rule"]) == (-32003, "status")


def test_a_task_with_a_participant_cannot_be_cancelled(harness: Harness) -> None:
    task_id = harness.publish()
    harness.join(task_id, 1)
    assert harness.reject("ai_cancel_task", task_id=task_id).code == -32003


def test_reputation_is_clamped_to_1000(harness: Harness) -> None:
    harness.node.state.accounts[harness.dev[1]].reputation = 995
    task_id = harness.publish(max_participants=1)
    harness.join(task_id, 1)
    submission_id = harness.submit(task_id, 1)
    harness.validate(task_id, submission_id, 2, 99)
    assert harness.reputation(harness.dev[1]) == 1000
    change = [
        event["data"]
        for event in harness.events("reputation_changed")
        if event["data"]["address"] == harness.dev[1]
    ]
    assert change[0]["old"] == 995
    assert change[0]["new"] == 1000
    assert change[0]["delta"] == 5


def test_reputation_is_clamped_to_0_and_low_reputation_blocks_submitting() -> None:
    harness = make_harness(dev_reputation=100)
    harness.node.state.accounts[harness.dev[0]].reputation = 500
    task_id = harness.publish()
    harness.node.state.accounts[harness.dev[1]].reputation = 5
    error = harness.reject("ai_participate_task", task_id=task_id, **{"from": harness.dev[1]})
    assert (error.code, error.data["rule"], error.data["required"]) == (-32004, "reputation", 100)
    harness.join(task_id, 2)
    harness.node.state.accounts[harness.dev[2]].reputation = 3
    harness.advance(86400)
    assert harness.reputation(harness.dev[2]) == 0


# ----- signatures and dev accounts ----------------------------------------------------------------------


def test_a_signed_request_spends_the_nonce_and_cannot_be_replayed(harness: Harness) -> None:
    key, address = new_key("signer")
    harness.call("dev_faucet", address=address, amount=str(1000 * TOS))
    params = {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R}}
    request = sign_request(key, "ai_publish_task", params, 0, chain_id=chain_of(harness))
    result = harness.node.call("ai_publish_task", request)
    assert harness.task(result["task_id"])["publisher"] == address
    assert harness.call("get_nonce", address=address)["nonce"] == 1
    error = harness.reject("ai_publish_task", **request)
    assert error.code == -32004
    assert error.data == {"field": "auth.nonce", "rule": "nonce", "expected": 1}


def test_a_bad_signature_is_refused_and_spends_nothing(harness: Harness) -> None:
    key, address = new_key("signer")
    other, _ = new_key("someone else")
    params = {"task_data": {"task_type": "CodeAnalysis", "reward_amount": R}}
    forged = sign_request(other, "ai_publish_task", params, 0, chain_id=chain_of(harness))
    forged["auth"]["address"] = address
    error = harness.reject("ai_publish_task", **forged)
    assert (error.code, error.data["rule"]) == (-32004, "signature")
    tampered = sign_request(key, "ai_publish_task", params, 0, chain_id=chain_of(harness))
    tampered["task_data"] = {"task_type": "CodeAnalysis", "reward_amount": R + 1}
    assert harness.reject("ai_publish_task", **tampered).data["rule"] == "signature"
    assert harness.call("get_nonce", address=address)["nonce"] == 0


def test_a_malformed_auth_object_is_a_params_error(harness: Harness) -> None:
    error = harness.reject(
        "ai_cancel_task", task_id="ab" * 32, auth={"address": "x", "nonce": 0, "signature": "00"}
    )
    assert (error.code, error.data["field"]) == (-32602, "auth.address")
    error = harness.reject(
        "ai_cancel_task", task_id="ab" * 32, auth={"address": harness.dev[0], "nonce": "0", "signature": "00"}
    )
    assert (error.code, error.data["field"]) == (-32602, "auth.nonce")


def test_an_unsigned_write_may_only_name_an_unlocked_dev_account(harness: Harness) -> None:
    _, stranger = new_key("stranger")
    error = harness.reject(
        "ai_publish_task", task_data={"task_type": "CodeAnalysis", "reward_amount": R}, **{"from": stranger}
    )
    assert (error.code, error.data["rule"], error.data["field"]) == (-32004, "not_unlocked", "from")


def test_require_signatures_locks_the_dev_accounts() -> None:
    harness = make_harness(require_signatures=True)
    error = harness.reject("ai_publish_task", task_data={"task_type": "CodeAnalysis", "reward_amount": R})
    assert (error.code, error.data["rule"]) == (-32004, "signature_required")
    assert "private_key" not in harness.call("dev_accounts")[0]
    dev_key = derive_dev_key("tos-devnet", 0)
    assert signed(
        harness, dev_key, "ai_publish_task", task_data={"task_type": "CodeAnalysis", "reward_amount": R}
    )


def test_dev_accounts_are_derived_from_the_seed_and_funded() -> None:
    first = make_harness().call("dev_accounts")
    again = make_harness().call("dev_accounts")
    other = make_harness(seed="another seed").call("dev_accounts")
    assert first == again
    assert first[0]["address"] != other[0]["address"]
    assert len(first) == 10
    for account in first:
        key = SigningKey(bytes.fromhex(account["private_key"]))
        assert address_from_public_key(bytes(key.verify_key)) == account["address"]
        assert account["balance"] == str(G)


# ----- clock, blocks and reads --------------------------------------------------------------------------


def test_the_clock_moves_with_dev_increase_time_and_blocks_with_dev_mine(harness: Harness) -> None:
    assert harness.call("dev_increase_time", seconds=100) == START + 100
    assert harness.call("get_info")["topoheight"] == 0
    assert harness.call("dev_mine", blocks=3) == {"topoheight": 3, "timestamp": START + 100}
    info = harness.call("get_info")
    assert (info["height"], info["network"], info["timestamp"]) == (3, "devnet", START + 100)
    assert harness.call("get_version").startswith("devnode/")
    assert harness.reject("dev_increase_time", seconds=-1).code == -32602


def test_the_faucet_mints_and_counts_toward_the_supply(harness: Harness) -> None:
    _, address = new_key("faucet user")
    assert harness.call("dev_faucet", address=address, amount=5) == {"address": address, "balance": "5"}
    state = harness.node.state
    assert state.total_supply() == state.expected_supply() == 10 * G + 5
    assert harness.reject("dev_faucet", address=address, amount=0).code == -32602


def test_it_lists_active_tasks_filtered_sorted_and_paged() -> None:
    harness = make_harness(rate_limits=None)
    small = harness.publish(reward_amount=6 * 10**9)
    large = harness.publish(reward_amount=14 * 10**9, task_type={"DataAnalysis": {"data_type": "TimeSeries"}})
    middle = harness.publish(reward_amount=10 * 10**9, sender=1)
    listed = harness.call("ai_list_active_tasks")
    assert [task["task_id"] for task in listed] == [middle, large, small]  # newest first
    by_reward = harness.call("ai_list_active_tasks", sort_by="reward_amount", sort_order="asc")
    assert [task["task_id"] for task in by_reward] == [small, middle, large]
    paged = harness.call("ai_list_active_tasks", sort_by="reward_amount", sort_order="asc", limit=1, offset=1)
    assert [task["task_id"] for task in paged] == [middle]
    filtered = harness.call(
        "ai_list_active_tasks", filters={"min_reward": "10000000000", "publisher": harness.dev[0]}
    )
    assert [task["task_id"] for task in filtered] == [large]
    typed = harness.call("ai_list_active_tasks", filters={"task_type": "DataAnalysis"})
    assert [task["task_id"] for task in typed] == [large]
    summary = listed[0]
    assert set(summary) == {
        "task_id",
        "title",
        "task_type",
        "difficulty_level",
        "reward_amount",
        "stake_required",
        "deadline",
        "time_left",
        "participants_count",
        "max_participants",
        "submissions_count",
        "publisher",
        "status",
    }
    assert summary["time_left"] == 86400
    harness.clock.now += 400
    assert harness.call("ai_list_active_tasks")[0]["time_left"] == 86000
    assert harness.reject("ai_list_active_tasks", limit=0).code == -32602
    assert harness.reject("ai_list_active_tasks", sort_by="colour").data["field"] == "sort_by"


def test_network_info_and_the_daemon_read_methods(harness: Harness) -> None:
    task_id = harness.publish(max_participants=1)
    harness.join(task_id, 1)
    info = harness.call("get_network_info")
    assert info == harness.call("ai_get_network_info")
    assert (info["active_tasks"], info["total_miners"], info["online_miners"], info["network"]) == (
        1,
        10,
        2,
        "devnet",
    )
    submission_id = harness.submit(task_id, 1)
    harness.clock.now += 600
    harness.validate(task_id, submission_id, 2, 90)
    info = harness.call("get_network_info")
    assert info["average_task_completion_time"] == 600
    assert info["total_rewards_distributed"] == str(10_000_000_000 * 80 // 100)
    stats = harness.call("get_ai_mining_statistics")
    assert stats == {
        "total_tasks": 1,
        "active_tasks": 0,
        "completed_tasks": 1,
        "total_miners": 10,
        "total_rewards_distributed": 8_000_000_000,
        "total_staked": 0,
    }
    assert harness.call("get_ai_mining_task", task_id=task_id)["status"] == "Completed"
    assert harness.call("get_ai_mining_miner", address=harness.dev[1])["tasks_completed"] == 1
    assert harness.call("get_ai_mining_active_tasks") == {}
    state = harness.call("get_ai_mining_state")
    assert set(state) == {"tasks", "next_offset", "miners", "statistics"}
    assert task_id in state["tasks"]
    _, stranger = new_key("stranger")
    assert harness.reject("get_ai_mining_miner", address=stranger).code == -32001
    assert harness.call("ai_get_miner_stats", miner_address=stranger)["is_registered"] is False


def test_events_are_numbered_from_one_without_gaps(harness: Harness) -> None:
    task_id = harness.publish()
    harness.join(task_id, 1)
    result = harness.call("ai_get_events", since_seq=0)
    seqs = [event["seq"] for event in result["events"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert result["head_seq"] == seqs[-1]
    assert result["oldest_seq"] == 1
    first = result["events"][0]
    assert set(first) == {"event", "seq", "topoheight", "timestamp", "data"}
    assert harness.call("ai_get_events", since_seq=1, limit=1)["events"][0]["seq"] == 2


def test_old_events_past_retention_require_a_resync() -> None:
    harness = make_harness(max_events=3, rate_limits=None)
    for _ in range(3):
        harness.publish()
        harness.join(harness.call("ai_list_active_tasks")[0]["task_id"], 1)
    result = harness.call("ai_get_events", since_seq=0)
    assert result["oldest_seq"] == result["head_seq"] - 2
    assert result["resync_required"] is True
    assert harness.call("ai_get_events", since_seq=result["head_seq"] - 3)["resync_required"] is False


def test_a_failed_write_leaves_no_trace_even_after_partial_changes(
    harness: Harness, monkeypatch: Any
) -> None:
    task_id = harness.publish()
    harness.join(task_id, 1)
    before = harness.node.state.digest()
    state = harness.node.state

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(state, "_emit", explode)  # fail after the stake was moved
    with pytest.raises(RuntimeError):
        harness.join(task_id, 2)
    assert harness.node.state.digest() == before
    assert harness.balance(harness.dev[2]) == G
