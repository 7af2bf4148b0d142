"""Real dashboard processes for a test: daphne and `manage.py relay_events`, on a test database file.

pytest-django's test database is SQLite in memory, which another process cannot open; these processes
share a migrated SQLite file instead (WAL, as in development), and the test reads it back with sqlite3.
When the suite runs on PostgreSQL (`make test-postgres`), each stack gets a PostgreSQL database of its own
on the same server instead, so the relay and daphne are tested on the database production uses.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg import sql

from tests.support.devnode import ROOT, free_port


@dataclass(frozen=True)
class Stack:
    """What the dashboard processes of one test share: a database file, Redis, the node, a run dir."""

    database: Path
    redis_url: str
    node_url: str
    run_dir: Path
    #: Settings for every process of this stack on top of the above (e.g. CHANNEL_LAYER=pubsub).
    extra_env: Mapping[str, str] = field(default_factory=dict)
    #: The stack's own PostgreSQL database when the suite runs on PostgreSQL; empty for the SQLite file.
    database_url: str = ""

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="tosweb.settings",
            DATABASE_URL=self.database_url or f"sqlite:///{self.database}",
            REDIS_URL=self.redis_url,
            TOS_NODE_URL=self.node_url,
            TOS_RUN_DIR=str(self.run_dir),
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(self.extra_env)
        return env

    def query(self, sql_text: str, *params: object) -> list[tuple[object, ...]]:
        """Read the shared database (a plain connection: the test process's ORM uses another database)."""
        if self.database_url:
            with psycopg.connect(self.database_url, autocommit=True) as pg:
                return list(pg.execute(sql.SQL(sql_text.replace("?", "%s")), params))
        with contextlib.closing(sqlite3.connect(self.database, timeout=20)) as db:
            return list(db.execute(sql_text, params))

    def stored_seqs(self) -> list[int]:
        return [int(str(seq)) for (seq,) in self.query("SELECT seq FROM dashboard_nodeevent ORDER BY seq")]


def make_stack(tmp_path: Path, redis_url: str, node_url: str) -> Stack:
    """A freshly migrated database file and run dir under tmp_path."""
    stack = Stack(
        tmp_path / "dashboard.sqlite3",
        redis_url,
        node_url,
        tmp_path / "run",
        database_url=own_postgres_database(tmp_path.name),
    )
    stack.run_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=stack.env(),
        check=True,
        timeout=120,
    )
    return stack


def own_postgres_database(name: str) -> str:
    """When DATABASE_URL is PostgreSQL, a fresh database `test_tosweb_<name>` on that server; else ''.

    Beside pytest-django's test database, never in it: the processes commit, the test's transactions roll
    back. A database left by an earlier run under the same name is dropped first. Under pytest-xdist the
    name carries the worker's id: two workers' tmp_path names can be the same."""
    url = os.environ.get("DATABASE_URL", "").replace("pgsql://", "postgresql://", 1)
    if urlsplit(url).scheme not in {"postgres", "postgresql"}:
        return ""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    database = f"test_tosweb_{worker}_" + re.sub(r"[^a-z0-9_]", "_", name.lower())[:40]
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        pg.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return urlsplit(url)._replace(path=f"/{database}").geturl()


@dataclass
class ManagedProcess:
    """A dashboard process with its output in a log file the test can wait on."""

    name: str
    args: list[str]
    stack: Stack
    log_path: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 (closed with the process)
        self.proc = subprocess.Popen(
            self.args, cwd=ROOT, env=self.stack.env(), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, text: str, timeout: float = 60.0, *, after: int = 0) -> float:
        """Wait until `text` appears in the log (past character `after`); return when it did (monotonic)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log()[after:]:
                return time.monotonic()
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"{self.name} never logged {text!r} in {timeout}s:\n{self.log()[-3000:]}")

    def stop(self, *, kill: bool = False) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def relay_process(stack: Stack, name: str, *args: str) -> ManagedProcess:
    command = [sys.executable, "manage.py", "relay_events", *args]
    return ManagedProcess(name, command, stack, stack.run_dir / f"{name}.log")


@dataclass
class DaphneProcess(ManagedProcess):
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"daphne exited:\n{self.log()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{self.url}/login/", timeout=2)
                return
            time.sleep(0.1)
        raise AssertionError(f"daphne did not answer within {timeout}s:\n{self.log()[-3000:]}")


def daphne_process(stack: Stack, port: int | None = None, name: str = "daphne") -> DaphneProcess:
    port = port or free_port()
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "tosweb.asgi:application"]
    return DaphneProcess(name, command, stack, stack.run_dir / f"{name}.log", port=port)


@contextlib.contextmanager
def running(*processes: ManagedProcess) -> Iterator[None]:
    """Start the processes in order; stop them all at the end, whatever happened."""
    try:
        for process in processes:
            process.start()
        yield
    finally:
        for process in reversed(processes):
            process.stop()


def add_user(stack: Stack, username: str, password: str, *, private_key: str = "", roles: str = "") -> None:
    """A dashboard user in the stack's database, linked to the node account of `private_key` when given;
    `roles` names the Profile flags to turn on ("miner validator")."""
    code = "\n".join(
        [
            "from django.contrib.auth.models import User",
            "from dashboard import services",
            "from dashboard.models import Profile",
            f"user = User.objects.create_user({username!r}, password={password!r})",
            f"roles = {roles.split()!r}",
            "Profile.objects.update_or_create(user=user, defaults={f'is_{role}': True for role in roles})",
            f"if {private_key!r}: services.link_imported_account(user, {private_key!r})",
        ]
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=stack.env(), check=True, timeout=120
    )


def logged_in(web: DaphneProcess, username: str, password: str) -> httpx.Client:
    """An HTTP client with a session of `username` on the web process (through the login form)."""
    client = httpx.Client(base_url=web.url, timeout=30)
    form = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    reply = client.post(
        "/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{web.url}/login/"},
    )
    assert reply.status_code == 302, reply.text[:500]
    return client


#: The signal every live frame carries (dashboard.consumers.LiveConsumer._signal).
SIGNAL = re.compile(
    r'<div id="live-event" hidden data-seq="(\d+)" data-prev-seq="(\d+)"[^>]*data-flag="(\w*)"'
)


HEARTBEAT = re.compile(r'data-head="(-?\d+)" data-sent="(\d+)"')


@dataclass(frozen=True)
class Frame:
    seq: int
    prev: int
    flag: str
    text: str = field(repr=False)
    at: float = field(default_factory=time.monotonic)

    @property
    def head_and_sent(self) -> tuple[int, int]:
        """A heartbeat's figures: the node's head seq and the seq the relay sent every event up to."""
        match = HEARTBEAT.search(self.text)
        assert match, self.text
        return int(match[1]), int(match[2])


class LivePage:
    """An open page's live connection to the web process (`/ws/live/`), its frames read in a thread."""

    def __init__(self, web: DaphneProcess, session: str, since_seq: int, query: str = "") -> None:
        self.web, self.session, self.since_seq, self.query = web, session, since_seq, query
        self.frames: list[Frame] = []
        self.closed_with: int | None = None
        self._socket: Any = None
        self._exits = contextlib.ExitStack()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LivePage:
        from websockets.sync.client import connect

        self._socket = self._exits.enter_context(
            connect(
                f"ws://127.0.0.1:{self.web.port}/ws/live/{self.query}",
                additional_headers={"Cookie": f"sessionid={self.session}", "Origin": self.web.url},
                open_timeout=20,
            )
        )
        self._socket.send(json.dumps({"type": "resume", "since_seq": self.since_seq}))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self._exits.close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            for text in self._socket:
                match = SIGNAL.search(text)
                if match:
                    seq, prev, flag = match.groups()
                    self.frames.append(Frame(int(seq), int(prev), flag, text))
        except ConnectionClosed as closed:
            self.closed_with = closed.rcvd.code if closed.rcvd else None

    def events(self) -> list[int]:
        """The seqs of the event frames received, in order (heartbeats and resyncs left out)."""
        return [frame.seq for frame in self.frames if not frame.flag]

    def heartbeats(self) -> list[Frame]:
        return [frame for frame in self.frames if frame.flag == "heartbeat"]

    def wait_for(self, seq: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while seq not in self.events():
            assert time.monotonic() < deadline, f"seq {seq} never came; frames: {self.frames[-10:]}"
            time.sleep(0.05)


def session_of(client: httpx.Client) -> str:
    return str(client.cookies["sessionid"])
