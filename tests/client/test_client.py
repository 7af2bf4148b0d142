"""Every call of the async client against a real devnode."""

from __future__ import annotations

from typing import Any

from tests.client.conftest import REWARD, STAKE, DevAccounts, publish
from tests.support.devnode import DevnodeProcess
from tos_ai import (
    DevAccount,
    MinerStats,
    NetworkInfo,
    PublishedTask,
    TaskDetails,
    TaskSolution,
    TaskSummary,
    TOSAIClient,
    Wallet,
)

SOLUTION = TaskSolution(
    content="The parser misses escaped quotes.", code="def fix(): ...", documentation="See the tests."
)


async def test_the_seed_usage_works_as_written(node: DevnodeProcess, dev: DevAccounts) -> None:
    async with TOSAIClient(node.url) as client:
        await client.publisher.publish_task(
            title="Seed example task",
            task_type="CodeAnalysis",
            reward_amount=REWARD,
            difficulty_level="Beginner",
        )
        info = await client.get_network_info()
        assert info["active_tasks"] >= 1
        tasks = await client.list_active_tasks()
        task = next(t for t in tasks if t["title"] == "Seed example task")
    async with TOSAIClient(node.url, sender=dev.address(7)) as miner:
        joined = await miner.miner.participate_task(task["task_id"], stake=5000000000)
        assert joined["stake_amount"] == 5000000000
        receipt = await miner.miner.submit_solution(
            task["task_id"], TaskSolution(content="A careful answer.", code="print(1)", documentation="docs")
        )
        assert receipt["status"] == "submitted"


async def test_network_info_is_a_typed_mapping(client: TOSAIClient) -> None:
    info = await client.get_network_info()
    assert isinstance(info, NetworkInfo)
    assert info.network == "devnet"
    assert isinstance(info["total_rewards_distributed"], int)
    assert isinstance(info.raw["total_rewards_distributed"], str)
    assert set(info) >= {"active_tasks", "total_miners", "online_miners", "topoheight", "timestamp"}


async def test_it_lists_active_tasks_with_filters_and_amounts_as_ints(
    client: TOSAIClient, dev: DevAccounts
) -> None:
    task_id, publisher = await publish(client.rpc_url, dev, title="Filtered task")
    tasks = await client.list_active_tasks({"publisher": publisher}, sort_by="created_at", limit=1000)
    assert all(isinstance(t, TaskSummary) and t.publisher == publisher for t in tasks)
    task = next(t for t in tasks if t.task_id == task_id)
    assert task["reward_amount"] == REWARD == task.reward_amount
    assert task.raw["reward_amount"] == str(REWARD)
    assert task.min_stake == REWARD // 10
    assert task.max_stake == REWARD // 2
    assert await client.list_active_tasks({"publisher": publisher, "min_reward": REWARD + 1}) == []


async def test_it_shows_task_details_with_participants_submissions_and_validations(
    client: TOSAIClient, dev: DevAccounts, as_account: Any
) -> None:
    task_id, _ = await publish(client.rpc_url, dev, description="Find the bug in the tokenizer, please.")
    miner, validator = as_account(7), as_account(8)
    await miner.miner.participate_task(task_id, STAKE)
    receipt = await miner.miner.submit_solution(task_id, SOLUTION)
    await validator.validator.validate(task_id, receipt.submission_id, 85, "Correct and well tested.")
    details = await client.get_task_details(task_id)
    assert isinstance(details, TaskDetails)
    assert details.description == "Find the bug in the tokenizer, please."
    assert details.participant_addresses() == {dev.address(7)}
    assert details.participants[0].stake_amount == STAKE
    (submission,) = details.submissions
    assert submission.submission_id == receipt.submission_id
    assert submission.submitter == dev.address(7)
    assert [(v.validator, v.quality_score) for v in submission.validations] == [(dev.address(8), 85)]
    assert details["submissions"][0]["validations"][0]["quality_score"] == 85


async def test_balance_defaults_to_the_clients_account_and_moves_with_escrow(
    client: TOSAIClient, dev: DevAccounts
) -> None:
    accounts = await client.dev.accounts()
    assert await client.my_address() == accounts[0].address
    before = await client.get_balance()
    await client.publisher.publish_task(task_type="CodeAnalysis", reward_amount=REWARD)
    assert await client.get_balance() == before - REWARD
    assert await client.get_balance(dev.address(5)) == (await client.dev.accounts())[5].balance


async def test_miner_stats_default_to_the_clients_account(client: TOSAIClient, dev: DevAccounts) -> None:
    mine = await client.get_miner_stats()
    assert isinstance(mine, MinerStats)
    assert mine.miner_address == dev.address(0)
    other = await client.get_miner_stats(dev.address(3))
    assert other.miner_address == dev.address(3)
    assert 0 <= other.reputation <= 1000
    assert isinstance(other.current_stake, int)
    assert (await client.miner.stats(dev.address(3))).reputation == other.reputation


async def test_rpc_call_returns_the_raw_result_and_basics_answer(
    client: TOSAIClient, dev: DevAccounts
) -> None:
    raw = await client.rpc_call("get_balance", {"address": dev.address(1)})
    assert isinstance(raw["balance"], str)
    assert isinstance(await client.get_version(), str)
    info = await client.get_info()
    assert info["network"] == "devnet"
    assert await client.get_nonce(dev.address(9)) >= 0


async def test_a_publisher_publishes_cancels_and_lists_their_tasks(as_account: Any, dev: DevAccounts) -> None:
    publisher = as_account(6)
    published = await publisher.publisher.publish_task(
        task_type={"CodeAnalysis": {"language": "rust"}},
        reward_amount=REWARD,
        title="Cancellable",
        deadline_hours=2,
        max_participants=3,
        verification_type={"PeerReview": {"required_reviewers": 2, "consensus_threshold": 0.67}},
    )
    assert isinstance(published, PublishedTask)
    assert published.status == "published"
    assert published.task_id in {t.task_id for t in await publisher.publisher.my_tasks()}
    details = await publisher.get_task_details(published.task_id)
    assert details.max_participants == 3
    assert details.required_reviewers == 2
    cancelled = await publisher.publisher.cancel_task(published.task_id)
    assert cancelled.status == "cancelled"
    assert published.task_id not in {t.task_id for t in await publisher.publisher.my_tasks()}


async def test_a_new_wallet_registers_as_a_miner(client: TOSAIClient) -> None:
    wallet = Wallet.generate()
    await client.dev.faucet(wallet.address, 5 * 10**9)
    async with TOSAIClient(client.rpc_url, wallet) as signed:
        registration = await signed.miner.register(["rust"], 10**9)
        assert registration.miner_address == wallet.address
        assert registration.reputation == 500
        assert await signed.get_balance() == 4 * 10**9
        assert (await signed.get_miner_stats())["is_registered"] is True


async def test_a_validator_sees_pending_submissions_then_validates_and_rejects(
    client: TOSAIClient, dev: DevAccounts, as_account: Any
) -> None:
    task_id, _ = await publish(
        client.rpc_url,
        dev,
        verification_type={"PeerReview": {"required_reviewers": 1, "consensus_threshold": 0.5}},
    )
    miner_a, miner_b, validator = as_account(7), as_account(9), as_account(8)
    for miner in (miner_a, miner_b):
        await miner.miner.participate_task(task_id, STAKE)
    first = await miner_a.miner.submit_solution(task_id, SOLUTION)
    second = await miner_b.miner.submit_solution(task_id, {"content": "Another answer, in a mapping."})

    pending = {(p.task_id, p.submission_id) for p in await validator.validator.pending_submissions()}
    assert {(task_id, first.submission_id), (task_id, second.submission_id)} <= pending
    own = {(p.task_id, p.submission_id) for p in await miner_a.validator.pending_submissions()}
    assert (task_id, first.submission_id) not in own
    assert (task_id, second.submission_id) in own

    approved = await validator.validator.validate(task_id, first.submission_id, 90, "Good.")
    rejected = await validator.validator.reject(
        task_id, second.submission_id, "Off topic.", evidence="line 1"
    )
    assert approved.consensus_progress == {"validations": 1, "required": 1}
    assert rejected.validation_id != approved.validation_id
    after = {(p.task_id, p.submission_id) for p in await validator.validator.pending_submissions()}
    assert (task_id, first.submission_id) not in after
    assert (task_id, second.submission_id) not in after
    details = await client.get_task_details(task_id)
    scores = {s.submission_id: [v.quality_score for v in s.validations] for s in details.submissions}
    assert scores == {first.submission_id: [90], second.submission_id: [0]}


async def test_a_task_completes_and_pays_its_winner(
    client: TOSAIClient, dev: DevAccounts, as_account: Any
) -> None:
    task_id, _ = await publish(client.rpc_url, dev, max_participants=1)
    miner, validator = as_account(7), as_account(8)
    before = await client.get_balance(dev.address(7))
    await miner.miner.participate_task(task_id, STAKE)
    receipt = await miner.miner.submit_solution(task_id, SOLUTION)
    await validator.validator.validate(task_id, receipt.submission_id, 80, "Fine.")
    details = await client.get_task_details(task_id)
    assert details.status == "Completed"
    winner_credit = sum(r.amount or 0 for r in details.rewards if r.recipient == dev.address(7))
    assert winner_credit >= REWARD * 65 // 100
    assert await client.get_balance(dev.address(7)) == before + REWARD * 65 // 100


async def test_dev_helpers_list_accounts_mint_move_time_and_mine(client: TOSAIClient) -> None:
    accounts = await client.dev.accounts()
    assert len(accounts) == 10
    assert all(isinstance(a, DevAccount) for a in accounts)
    wallet = Wallet.generate()
    minted = await client.dev.faucet(wallet.address, 123)
    assert minted["balance"] == "123"
    assert await client.get_balance(wallet.address) == 123
    height = (await client.get_info())["topoheight"]
    mined = await client.dev.mine(2)
    assert mined["topoheight"] >= height + 2
    before = (await client.get_network_info()).timestamp
    await client.dev.increase_time(5)
    assert (await client.get_network_info()).timestamp >= before + 5


async def test_the_http_event_page_holds_events_in_order(client: TOSAIClient, dev: DevAccounts) -> None:
    await publish(client.rpc_url, dev)
    page = await client.get_events(0, 1000)
    seqs = [e.seq for e in page.events]
    assert seqs == sorted(seqs)
    assert seqs[0] >= page.oldest_seq
    assert page.head_seq >= seqs[-1]
    assert any(e.event == "task_published" and "task_id" in e.data for e in page.events)
