"""A script a bot author might write; test_packaging.py runs `mypy --strict` on it against the built wheel."""

from __future__ import annotations

import asyncio

from tos_ai import (
    AutoMiningConfig,
    ChainReset,
    Client,
    InsufficientFunds,
    TaskSolution,
    TOSAIClient,
    Wallet,
)


async def mine_once(url: str) -> int:
    async with TOSAIClient(url, Wallet.generate()) as client:
        info = await client.get_network_info()
        tasks = await client.list_active_tasks({"difficulty_level": "Beginner"}, limit=10)
        reward: int = sum(task.reward_amount for task in tasks)
        if tasks:
            try:
                await client.miner.participate_task(tasks[0].task_id, stake=tasks[0].min_stake)
            except InsufficientFunds as refused:
                message: str = refused.message
                print(message)
            receipt = await client.miner.submit_solution(tasks[0].task_id, TaskSolution(content="An answer."))
            answer: str = receipt.answer_hash
            print(answer)
        async with client.events(since_seq=0, on_chain_reset="resubscribe") as stream:
            async for event in stream:
                seq: int = event.seq
                print(seq, event.event, event.data.get("task_id"))
                break
        config = AutoMiningConfig(target_difficulty=["Intermediate", "Advanced"], check_interval=60)
        mining = asyncio.create_task(client.miner.start_auto_mining(config))
        client.miner.stop_auto_mining()
        report = await mining
        async with client.batch() as batch:
            balance = batch.get_balance(client.wallet.address if client.wallet else "")
            details = batch.get_network_info()
        return info.active_tasks + reward + report.scans + balance.result() + details.result().total_miners


def blocking(url: str) -> int:
    with Client(url) as client:
        balance: int = client.get_balance()
        try:
            with client.events(since_seq=0) as stream:
                for event in stream:
                    return event.seq
        except ChainReset as reset:
            print(reset.old_chain_id, reset.new_chain_id)
        return balance
