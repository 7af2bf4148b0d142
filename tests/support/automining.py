"""Auto-mining against real processes: a Celery worker (and beat) on a stack's database file, and the
commands a test runs inside that stack (`python -m tests.support.automining <command> <json>`).

The test process's own database is pytest-django's in-memory one, which a worker cannot open; so rows the
worker must see are written by a short process on the stack's file, through the same services.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.daphne import ROOT, ManagedProcess, Stack


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


def worker_process(stack: Stack, name: str = "worker", concurrency: int = 2) -> CeleryProcess:
    command = [sys.executable, "-m", "celery", "-A", "tosweb", "worker", "--loglevel", "INFO"]
    command += ["--concurrency", str(concurrency), "-n", f"{name}-{os.getpid()}@%h"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return CeleryProcess(name, command, stack, stack.run_dir / f"{name}.log")


def beat_process(stack: Stack) -> CeleryProcess:
    command = [sys.executable, "-m", "celery", "-A", "tosweb", "beat", "--loglevel", "INFO"]
    command += ["--max-interval", "2"]
    return CeleryProcess("beat", command, stack, stack.run_dir / "beat.log")


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
    """The seqs of the stored events this user's live feed shows (what `broadcast.visible_to` lets through)."""
    from dashboard.broadcast import visible_to
    from dashboard.models import NodeAccount, NodeEvent

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
    }
    print(json.dumps(handlers[command](**args)))


if __name__ == "__main__":
    main()
