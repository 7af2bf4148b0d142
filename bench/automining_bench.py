"""Auto-mining with 1,000 enabled miners: node requests per cycle, cycle time, publish → participation latency.

    .venv/bin/python bench/automining_bench.py [--users 1000] [--miners 10] [--tasks 40]

A throwaway SQLite database, a private Redis and a real devnode. `--users` enabled miners are stored;
all but `--miners` of them look at every DataAnalysis task and turn it down (a minimum chance of winning
of 99%, the worst case: each runs the whole choice, queries included); the `--miners` real, funded ones
take GeneralTask tasks with the offline drafter.

1. Cycle: one scheduled check for every one of the users, run in this process one after the other, with
   the node's requests counted (target: a constant, not one per user) and the wall time.
2. Event path: the relay and the Procfile's two Celery workers (`mining`, prefork, concurrency 2;
   `solving`, threads, concurrency 8) run as processes; tasks are published one at a time and the time
   from the publish call's return to the `--miners`' first `participant_joined` of the task (seen by
   polling the node's event log every 20 ms) is recorded. Meanwhile `--slow-users` other miners take the
   same tasks with an AI service that answers after `--slow-seconds` (a local fake). Target: p99 ≤ 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--miners", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--slow-users", type=int, default=10, help="miners whose AI service is slow")
    parser.add_argument("--slow-seconds", type=float, default=20.0, help="how slow their AI service is")
    args = parser.parse_args()

    from tests.support.devnode import run_devnode
    from tests.support.fake_ai import run_fake_ai
    from tests.support.redis import run_redis

    workdir = Path(tempfile.mkdtemp(prefix="automining-bench-"))
    with (
        run_redis(workdir / "redis") as redis_url,
        run_devnode(workdir, extra_args=["--no-rate-limits"]) as devnode,
        run_fake_ai() as slow_ai,
    ):
        slow_ai.delay = args.slow_seconds
        os.environ.update(
            DJANGO_SETTINGS_MODULE="tosweb.settings",
            TOS_RUN_DIR=str(workdir / "run"),
            DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
            REDIS_URL=redis_url,
            TOS_NODE_URL=devnode.url,
            LOG_LEVEL="WARNING",
        )
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.core.management import call_command

        from dashboard import services
        from dashboard.crypto import encrypt_secret
        from dashboard.models import AutoMiningConfig, NodeAccount, Profile
        from dashboard.services import automining
        from tests.support.automining import worker_process
        from tests.support.daphne import Stack, relay_process
        from tos_ai import Wallet
        from tos_ai.sync import Client

        call_command("migrate", verbosity=0)
        accounts: Any = devnode.rpc("dev_accounts")
        senders = [str(account["address"]) for account in accounts]

        # --- the miners -------------------------------------------------------------------------
        started = time.perf_counter()
        lookers = args.users - args.miners
        users = User.objects.bulk_create([User(username=f"looker{i}") for i in range(lookers)])
        key = encrypt_secret(Wallet.generate().private_key_hex)
        NodeAccount.objects.bulk_create(
            NodeAccount(user=user, address=f"tst1looker{i:06d}", encrypted_private_key=key, origin="imported")
            for i, user in enumerate(users)
        )
        AutoMiningConfig.objects.bulk_create(
            AutoMiningConfig(
                user=user, enabled=True, task_types=["DataAnalysis"], min_success_probability="0.99"
            )
            for user in users
        )
        miners = []
        for i in range(args.miners):
            user = User.objects.create_user(f"miner{i}", password="a-long-passphrase")
            wallet = Wallet.generate()
            devnode.rpc("dev_faucet", {"address": wallet.address, "amount": str(10_000 * 10**8)})
            services.link_imported_account(user, wallet.private_key_hex)
            Profile.objects.update_or_create(user=user, defaults={"is_miner": True})
            services.register_miner(NodeAccount.objects.get(user=user))
            AutoMiningConfig.objects.create(
                user=user,
                enabled=True,
                task_types=["GeneralTask"],
                max_concurrent_tasks=1000,
                min_time_left=60,
            )
            miners.append(wallet.address)
        for i in range(args.slow_users):
            user = User.objects.create_user(f"slow{i}", password="a-long-passphrase")
            wallet = Wallet.generate()
            devnode.rpc("dev_faucet", {"address": wallet.address, "amount": str(10_000 * 10**8)})
            services.link_imported_account(user, wallet.private_key_hex)
            Profile.objects.update_or_create(user=user, defaults={"is_miner": True})
            services.register_miner(NodeAccount.objects.get(user=user))
            AutoMiningConfig.objects.create(
                user=user,
                enabled=True,
                task_types=["GeneralTask"],
                max_concurrent_tasks=1000,
                min_time_left=60,
                solver_kind="openai",
                solver_base_url=f"{slow_ai.url}/v1",
                solver_model="slow-model",
                encrypted_api_key=encrypt_secret(f"sk-slow-{i}"),
            )
        print(
            f"stored {args.users + args.slow_users} enabled miners in {time.perf_counter() - started:.1f} s "
            f"({args.slow_users} of them with an AI service answering in {args.slow_seconds:g} s)"
        )

        def publish(kind: str, number: int) -> str:
            task = {"title": f"Bench {kind} {number}", "task_type": kind, "reward_amount": str(100 * 10**8)}
            result: Any = devnode.rpc(
                "ai_publish_task", {"task_data": task, "from": senders[number % len(senders)]}
            )
            return str(result["task_id"])

        # --- 1. one scheduled check for every miner, node requests counted ----------------------------
        for number in range(5):
            publish("DataAnalysis", number)
        requests: list[str] = []
        original = Client._post

        def counting(self: Client, call: Any, nonce: int | None) -> Any:
            requests.append(call.method)
            return original(self, call, nonce)

        Client._post = counting  # type: ignore[method-assign]
        user_ids = list(AutoMiningConfig.objects.filter(enabled=True).values_list("user_id", flat=True))
        started = time.perf_counter()
        took = 0
        for user_id in user_ids:
            took += len(automining.run_cycle(user_id, "schedule").work)
        cycle_seconds = time.perf_counter() - started
        Client._post = original  # type: ignore[method-assign]
        print(
            f"cycle: {len(user_ids)} miners checked in {cycle_seconds:.2f} s "
            f"({1000 * cycle_seconds / len(user_ids):.2f} ms each); node requests: {len(requests)} "
            f"({', '.join(sorted(set(requests)))}); tasks taken: {took}"
        )

        # --- 2. publish → participation through the relay and a real worker -------------------------
        stack = Stack(
            workdir / "db.sqlite3", redis_url, devnode.url, workdir / "run", {"LOG_LEVEL": "WARNING"}
        )
        relay = relay_process(stack, "relay")
        joining = worker_process(stack, "mining", 2, queues="mining,celery")
        solving = worker_process(stack, "solving", 8, queues="solving", pool="threads")
        fast = set(miners)
        joined_at: dict[str, float] = {}
        stop = threading.Event()

        def watch() -> None:
            since: int = devnode.rpc("ai_get_events", {"since_seq": 0, "limit": 1})["head_seq"]  # type: ignore[index]
            while not stop.is_set():
                page: Any = devnode.rpc("ai_get_events", {"since_seq": since, "limit": 1000})
                now = time.perf_counter()
                for event in page["events"]:
                    since = max(since, int(event["seq"]))
                    if event["event"] == "participant_joined" and event["data"].get("miner") in fast:
                        joined_at.setdefault(str(event["data"]["task_id"]), now)
                stop.wait(0.02)

        latencies: list[float] = []
        watcher = threading.Thread(target=watch, daemon=True)
        try:
            relay.start()
            for worker in (joining, solving):
                worker.start()
            for worker in (joining, solving):
                worker.wait_for_log(" ready.", timeout=120)
            watcher.start()
            # A warm-up task, not counted: the relay takes its lock and catches up, the worker's pool warms.
            warm_up = publish("GeneralTask", 99)
            started = time.perf_counter()
            while warm_up not in joined_at and time.perf_counter() < started + 60:
                time.sleep(0.01)
            print(
                f"warm-up task joined after {time.perf_counter() - started:.1f} s (cold start, not counted)"
            )
            time.sleep(2)
            for number in range(args.tasks):
                task_id = publish("GeneralTask", 100 + number)
                published = time.perf_counter()
                deadline = published + 30
                while task_id not in joined_at and time.perf_counter() < deadline:
                    time.sleep(0.01)
                if task_id in joined_at:
                    latencies.append(joined_at[task_id] - published)
                time.sleep(1.0)  # let the other miners' joins and submissions settle
        finally:
            stop.set()
            solving.stop()
            joining.stop()
            relay.stop()
        asked = [request for request in slow_ai.requests if request["path"].endswith("/chat/completions")]
        print(
            f"the slow AI service was asked {len(asked)} times; at most {max(slow_ai.most_at_once.values(), default=0)} calls of one user at once"
        )
        missed = args.tasks - len(latencies)
        print("latencies (ms):", " ".join(f"{1000 * value:.0f}" for value in latencies))
        if latencies:
            print(
                f"publish → first participation over {len(latencies)} tasks: p50 {1000 * statistics.median(latencies):.0f} ms, "
                f"p99 {1000 * percentile(latencies, 0.99):.0f} ms, max {1000 * max(latencies):.0f} ms; missed: {missed}"
            )
        return 0 if latencies and percentile(latencies, 0.99) <= 2.0 and not missed else 1


if __name__ == "__main__":
    sys.exit(main())
