"""The sync `Client` gives the same results as the async `TOSAIClient` and does the same writes."""

from __future__ import annotations

from typing import Any

from tests.client.conftest import REWARD, STAKE, DevAccounts, publish
from tos_ai import Client, TaskSolution, TOSAIClient


async def test_sync_and_async_reads_agree(client: TOSAIClient, sync_client: Client, dev: DevAccounts) -> None:
    task_id, publisher = await publish(client.rpc_url, dev)
    assert [a.to_dict() for a in sync_client.dev.accounts()] == [
        a.to_dict() for a in await client.dev.accounts()
    ]
    details_sync, details_async = (
        sync_client.get_task_details(task_id),
        await client.get_task_details(task_id),
    )
    assert {**details_sync, "time_left": 0} == {**details_async, "time_left": 0}
    assert type(details_sync) is type(details_async)
    filters = {"publisher": publisher}
    assert [t.task_id for t in sync_client.list_active_tasks(filters)] == [
        t.task_id for t in await client.list_active_tasks(filters)
    ]
    assert sync_client.get_balance(dev.address(4)) == await client.get_balance(dev.address(4))
    assert sync_client.get_miner_stats(dev.address(4)) == await client.get_miner_stats(dev.address(4))
    assert sync_client.my_address() == await client.my_address()
    assert set(sync_client.get_network_info()) == set(await client.get_network_info())
    assert sync_client.rpc_call("get_version") == await client.rpc_call("get_version")


def test_the_sync_client_runs_a_whole_task_round(
    sync_client: Client, dev: DevAccounts, as_account: Any
) -> None:
    with (
        Client(sync_client.rpc_url, sender=dev.address(5)) as publisher,
        Client(sync_client.rpc_url, sender=dev.address(7)) as miner,
        Client(sync_client.rpc_url, sender=dev.address(8)) as validator,
    ):
        task = publisher.publisher.publish_task(
            task_type="GeneralTask", reward_amount=REWARD, title="Sync round task"
        )
        assert task.task_id in {t.task_id for t in publisher.publisher.my_tasks()}
        miner.miner.participate_task(task.task_id, STAKE)
        receipt = miner.miner.submit_solution(
            task.task_id, TaskSolution(content="A sync answer, long enough.")
        )
        assert (task.task_id, receipt.submission_id) in {
            (p.task_id, p.submission_id) for p in validator.validator.pending_submissions()
        }
        validator.validator.validate(task.task_id, receipt.submission_id, 75, "Fine.")
        details = sync_client.get_task_details(task.task_id)
    assert details.submissions[0].validations[0].quality_score == 75
