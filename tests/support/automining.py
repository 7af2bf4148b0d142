"""Auto-mining against real processes: a Celery worker (and beat) on a stack's database file, and the
commands a test runs inside that stack (`python -m tests.support.automining <command> <json>`).

The test process's own database is pytest-django's in-memory one, which a worker cannot open; so rows the
worker must see are written by a short process on the stack's file, through the same services.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tests.support.daphne import ROOT, ManagedProcess, Stack, relay_process
from tests.support.devnode import DevnodeProcess


@dataclass
class CeleryProcess(ManagedProcess):
    """A `celery -A tosweb worker` (or beat) in its own process group, so a kill takes its pool children too."""

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 (closed with the process)
        self.proc = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.stack.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def stop(self, *, kill: bool = False) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        group = os.getpgid(self.proc.pid)
        os.killpg(group, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.proc.wait(timeout=5)
        if kill:
            return
        # A warm shutdown may leave pool children behind for a moment; make sure none outlives the test.
        time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


#: Both of the Procfile's queues (and the queue of earlier versions): one worker does all of auto-mining.
ALL_QUEUES = "mining,solving,celery"


def worker_process(
    stack: Stack,
    name: str = "worker",
    concurrency: int = 2,
    *,
    queues: str = ALL_QUEUES,
    pool: str = "prefork",
) -> CeleryProcess:
    command = [sys.executable, "-m", "celery", "-A", "tosweb", "worker", "--loglevel", "INFO", "-Q", queues]
    command += ["--pool", pool, "--concurrency", str(concurrency), "-n", f"{name}-{os.getpid()}@%h"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return CeleryProcess(name, command, stack, stack.run_dir / f"{name}.log")


def beat_process(stack: Stack) -> CeleryProcess:
    command = [sys.executable, "-m", "celery", "-A", "tosweb", "beat", "--loglevel", "INFO"]
    command += ["--max-interval", "2"]
    return CeleryProcess("beat", command, stack, stack.run_dir / "beat.log")


@contextlib.contextmanager
def running_worker(stack: Stack) -> Iterator[CeleryProcess]:
    """A Celery worker on the stack, ready to take tasks; stopped afterwards."""
    process = worker_process(stack)
    process.start()
    try:
        process.wait_for_log(" ready.", timeout=90)
        yield process
    finally:
        process.stop()


@contextlib.contextmanager
def running_relay(stack: Stack) -> Iterator[ManagedProcess]:
    """The stack's event relay, once it is the active one; stopped afterwards."""
    relay = relay_process(stack, "relay")
    relay.start()
    try:
        relay.wait_for_log("this relay is now the active one", timeout=60)
        yield relay
    finally:
        relay.stop()


def in_stack(stack: Stack, command: str, **args: Any) -> Any:
    """Run one command of this module inside the stack (its database file, Redis, node); return its JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.automining", command, json.dumps(args)],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"{command} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- what the tests ask of a running stack ------------------------------------------------------

TOS = 10**8
_senders = itertools.count(1)


def wait_until(check: Callable[[], Any], timeout: float, what: str, *logs: ManagedProcess) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    tails = "\n".join(f"--- {log.name}\n{log.log()[-4000:]}" for log in logs)
    raise AssertionError(f"{what} did not happen within {timeout}s\n{tails}")


def publish(devnode: DevnodeProcess, kind: str, **data: Any) -> str:
    """An unsigned task from the next dev account (each may publish ten an hour)."""
    accounts: Any = devnode.rpc("dev_accounts")
    sender = accounts[next(_senders) % len(accounts)]["address"]
    task = {
        "title": f"A {kind} task",
        "description": "Explain the approach and give the answer in full.",
        "task_type": kind,
    }
    task |= {"difficulty_level": "Beginner", "reward_amount": str(100 * TOS), **data}
    result: Any = devnode.rpc("ai_publish_task", {"task_data": task, "from": sender})
    return str(result["task_id"])


def details(devnode: DevnodeProcess, task_id: str) -> dict[str, Any]:
    result: Any = devnode.rpc("ai_get_task_details", {"task_id": task_id})
    return dict(result)


def joined_by(devnode: DevnodeProcess, task_id: str, address: str) -> int:
    return sum(
        1 for p in details(devnode, task_id)["participants"] if address in (p.get("miner"), p.get("address"))
    )


def submitted_by(devnode: DevnodeProcess, task_id: str, address: str) -> int:
    return sum(1 for s in details(devnode, task_id)["submissions"] if s.get("submitter") == address)


def miner(stack: Stack, username: str, **config: Any) -> dict[str, Any]:
    settings = {
        "task_types": [config.pop("kind")],
        "target_difficulties": ["Beginner"],
        "min_time_left": 60,
        "check_interval": 60,
        **config,
    }
    result: dict[str, Any] = in_stack(
        stack, "make_miner", username=username, node_url=stack.node_url, config=settings
    )
    return result


def rows(stack: Stack, user_id: int) -> list[tuple[object, ...]]:
    return stack.query(
        "SELECT task_id, state, error FROM dashboard_autoparticipation WHERE user_id = ?", user_id
    )


def recorded(stack: Stack, user_id: int, task_id: str, state: str) -> bool:
    """The worker records a step just after the node accepts it: wait for the record, not the node."""
    return rows(stack, user_id) == [(task_id, state, "")]


def last_error(stack: Stack, user_id: int) -> str:
    return str(
        stack.query("SELECT last_error FROM dashboard_autominingconfig WHERE user_id = ?", user_id)[0][0]
    )


# --- the commands, run inside the stack -----------------------------------------------------------


def _make_miner(username: str, node_url: str, config: dict[str, Any], enabled: bool = True) -> dict[str, Any]:
    import httpx
    from django.contrib.auth.models import User

    from dashboard import services
    from dashboard.models import NodeAccount, Profile
    from tos_ai import Wallet

    user = User.objects.create_user(username, password="a-long-passphrase")
    wallet = Wallet.generate()
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "dev_faucet",
        "params": {"address": wallet.address, "amount": str(10_000 * 10**8)},
    }
    httpx.post(node_url, json=body, timeout=10).raise_for_status()
    services.link_imported_account(user, wallet.private_key_hex)
    Profile.objects.update_or_create(user=user, defaults={"is_miner": True})
    services.register_miner(NodeAccount.objects.get(user=user))
    api_key = str(config.pop("api_key", ""))
    services.save_config(user, config, api_key=api_key)
    if enabled:
        services.set_enabled(user, True)
    return {"user_id": user.pk, "address": wallet.address}


def _make_member(
    username: str, node_url: str, publisher: bool, miner: bool, validator: bool
) -> dict[str, Any]:
    """A user with a funded node account registered as a miner on the node, with the roles asked for."""
    from django.contrib.auth.models import User

    from dashboard.models import Profile

    made = _make_miner(username, node_url, {}, enabled=False)
    roles = {"is_publisher": publisher, "is_miner": miner, "is_validator": validator}
    Profile.objects.filter(user=User.objects.get(pk=made["user_id"])).update(**roles)
    return made


def _visible_seqs(user_id: int) -> dict[str, Any]:
    """The seqs of the stored events this user's live feed shows (what `visibility.visible_to` lets through)."""
    from dashboard.models import NodeAccount, NodeEvent
    from dashboard.visibility import visible_to

    address = NodeAccount.objects.filter(user_id=user_id).values_list("address", flat=True).first()
    seqs = NodeEvent.objects.filter(visible_to(address)).order_by("seq").values_list("seq", flat=True)
    return {"seqs": list(seqs)}


def _set_enabled(user_id: int, on: bool) -> dict[str, Any]:
    from django.contrib.auth.models import User

    from dashboard import services

    services.set_enabled(User.objects.get(pk=user_id), on)
    return {"ok": True}


def _enqueue(task: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    from dashboard import tasks

    getattr(tasks, task).delay(**kwargs)
    return {"ok": True}


def _page(user_id: int, url_name: str) -> dict[str, Any]:
    """The HTML of one of the user's pages as the dashboard renders it (status code and text)."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    browser = Client(HTTP_HOST="localhost")
    browser.force_login(User.objects.get(pk=user_id))
    response = browser.get(reverse(url_name))
    return {"status": response.status_code, "html": response.content.decode()}


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tosweb.settings")
    django.setup()
    command, args = sys.argv[1], json.loads(sys.argv[2])
    handlers: dict[str, Callable[..., dict[str, Any]]] = {
        "make_miner": _make_miner,
        "make_member": _make_member,
        "visible_seqs": _visible_seqs,
        "set_enabled": _set_enabled,
        "enqueue": _enqueue,
        "page": _page,
    }
    print(json.dumps(handlers[command](**args)))


if __name__ == "__main__":
    main()
