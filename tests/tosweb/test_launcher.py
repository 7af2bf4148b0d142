from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.support.devnode import free_port
from tosweb import launcher

ROOT = Path(__file__).resolve().parents[2]


def test_pick_port_skips_a_port_that_is_taken() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert launcher.pick_port(taken) != taken
    assert launcher.pick_port(taken) == taken


def test_read_env_file_skips_comments_and_unquotes(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# a comment\n\nDEBUG=true\nexport PORT='8100'\nSECRET_KEY=\"a=b\"\n")
    assert launcher.read_env_file(env_file) == {"DEBUG": "true", "PORT": "8100", "SECRET_KEY": "a=b"}
    assert launcher.read_env_file(tmp_path / "absent") == {}


def test_a_stale_process_group_recorded_by_a_crashed_run_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launcher, "PID_DIR", tmp_path / "pids")
    env = {**os.environ, "TOS_RUN_DIR": str(tmp_path)}
    stale = subprocess.Popen(
        [sys.executable, "-m", "tosweb.launcher", "proc", "web", "sleep", "300"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    pid_file = tmp_path / "pids" / "web.pid"
    deadline = time.monotonic() + 10
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pid_file.read_text().split()[0] == str(stale.pid)

    assert launcher.stop_stale_processes() == ["web"]
    assert stale.wait(timeout=5) == -signal.SIGTERM
    assert not pid_file.exists()


def test_a_recycled_pid_is_never_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher, "PID_DIR", tmp_path)
    stranger = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        # The pid matches a live process but the start time does not: it is not the one we started.
        (tmp_path / "web.pid").write_text(f"{stranger.pid} 1")
        assert launcher.stop_stale_processes() == []
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_a_pid_file_of_a_process_that_is_gone_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launcher, "PID_DIR", tmp_path)
    (tmp_path / "worker.pid").write_text("999999999 12345")
    (tmp_path / "beat.pid").write_text("not a number")
    assert launcher.stop_stale_processes() == []
    assert list(tmp_path.iterdir()) == []


@dataclass
class Run:
    """`launcher run` as a person starts it in a terminal, its output read as it comes."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"never printed {text!r}:\n{self.output()[-3000:]}")
            time.sleep(0.2)

    def interrupt(self, timeout: float = 60) -> str:
        """Ctrl-C; the whole output once every process stopped (or what was still running)."""
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            alive = subprocess.run(
                ["ps", "-o", "pid,etime,stat,args", "--sid", str(self.proc.pid)],
                capture_output=True,
                text=True,
            ).stdout
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise AssertionError(
                f"still running {timeout:.0f} s after Ctrl-C:\n{alive}\nlast output:\n{self.output()[-4000:]}"
            ) from None
        self.reader.join(timeout=10)
        return self.output()


def _start_run(run_dir: Path, web_port: int, *options: str, node_port: int = 0) -> Run:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TOS_NODE_URL", "DATABASE_URL"}}
    env.update(
        TOS_RUN_DIR=str(run_dir),
        PORT=str(web_port),
        TOS_NODE_PORT=str(node_port or free_port()),
        REDIS_PORT=str(free_port()),
        DATABASE_URL=f"sqlite:///{run_dir / 'db.sqlite3'}",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "tosweb.launcher", "run", *options],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return Run(proc)


def _wait_healthy(url: str, timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    body: dict[str, object] = {}
    while time.monotonic() < deadline:
        try:
            reply = httpx.get(f"{url}/healthz", timeout=5)
            body = reply.json()
            if reply.status_code == 200:
                return body
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not healthy within {timeout}s: {body}")


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A run directory whose processes are stopped afterwards, even when the test failed before it did."""
    yield tmp_path
    monkeypatch.setattr(launcher, "PID_DIR", tmp_path / "pids")
    launcher.stop_stale_processes()


def _children_of(pid: int) -> list[int]:
    children = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(status.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(status.parent.name))
    return children


#: What the processes write when they start: on the terminal only with --verbose.
PROCESS_OUTPUT = ("Listening on TCP address", "Available accounts", "Ready to accept connections")


def test_make_run_serves_the_login_page_stops_on_ctrl_c_and_starts_again(run_dir: Path) -> None:
    web_port = free_port()
    url = f"http://127.0.0.1:{web_port}"
    for attempt, options in (("first start", ()), ("second start, verbose", ("--verbose",))):
        run = _start_run(run_dir, web_port, *options)
        try:
            run.wait_for(f"TOS AI Mining dashboard is up: {url}", timeout=180)
            health = _wait_healthy(url, timeout=60)
            assert health["down"] == [], attempt
            login = httpx.get(f"{url}/login/", timeout=5)
            assert login.status_code == 200
            assert "Log in" in login.text
            if options:
                run.wait_for("[tasks]", timeout=60)  # the Celery workers' banners
            else:
                _assert_the_url_and_logins_come_last_and_the_rest_is_in_logs(run, run_dir)
                # A crash of one process: it is started again, said in words, and the rest keep running.
                supervisor = int((run_dir / "pids" / "relay.pid").read_text().split()[0])
                (relay,) = _children_of(supervisor)
                os.kill(relay, signal.SIGKILL)
                run.wait_for("relay was killed by signal 9 (SIGKILL)", timeout=30)
                run.wait_for("starting it again in 1 s (crash 1 of 5); its last line: ", timeout=5)
                run.wait_for(f"({run_dir / 'logs' / 'relay.log'})", timeout=5)
                deadline = time.monotonic() + 60
                while _children_of(supervisor) in ([], [relay]):
                    assert time.monotonic() < deadline, "the relay was not started again"
                    time.sleep(0.2)
                assert _wait_healthy(url, timeout=30)["down"] == []
        finally:
            output = run.interrupt()
        assert stat.S_IMODE((run_dir).stat().st_mode) == 0o700
        for private in ("db.sqlite3", "secret_key", "field_encryption_key", "devnode.db"):
            assert stat.S_IMODE((run_dir / private).stat().st_mode) == 0o600, private
        assert output.count(f"TOS AI Mining dashboard is up: {url}") == 1, output[-3000:]
        logins = json.loads((run_dir / "demo-logins.json").read_text())
        for username in ("publisher", "miner", "validator"):
            assert output.count(f"{username:<10} / {logins[username]}") == 1, output[-3000:]
        # Its words, then its outcome on the same line; with --verbose the processes' lines come between.
        stopping = "Stopping every process: stopped (" if options else "Stopping every process... stopped ("
        assert output.rstrip().splitlines()[-1].startswith(stopping), output[-3000:]
        if attempt == "first start":
            assert not [line for line in output.splitlines() if "system" in line or "|" in line], output
        else:
            # Verbose: every process's output on the terminal, honcho's lines too; no logs this time, and
            # the first start's logs kept aside.
            for text in PROCESS_OUTPUT:
                assert text in output, text
            assert "Every process's output is shown here" in output
            assert not (run_dir / "logs" / "web.log").exists()
            assert "Listening on TCP address" in (run_dir / "logs" / "previous" / "web.log").read_text()
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/login/", timeout=2)
        pids = [int(p.read_text().split()[0]) for p in (run_dir / "pids").glob("*.pid")]
        assert pids, "no process recorded its pid"
        assert not [pid for pid in pids if Path(f"/proc/{pid}").exists() and not launcher._is_zombie(pid)]


def _assert_the_url_and_logins_come_last_and_the_rest_is_in_logs(run: Run, run_dir: Path) -> None:
    time.sleep(3)  # the workers are still starting: they say nothing here either
    output = run.output()
    steps, banner = output.split("\n\n  TOS AI Mining dashboard is up")
    # A line a step, each finished, then the banner: nothing before, between or after them.
    processes = [name for name in launcher._procfile_names() if name != "demo"]
    migrating, seeding, starting = steps.splitlines()
    assert migrating.startswith(f"Migrating the database ({run_dir / 'db.sqlite3'})... done ("), output
    assert seeding.startswith("Creating the demo logins... done ("), output
    started, outcome = starting.removeprefix("Starting ").split("... ")
    assert sorted(started.split(", ")) == sorted(processes), output
    assert outcome.startswith("up ("), output
    assert banner.rstrip().endswith("Ctrl-C stops everything."), output
    assert f"Each process's output is in {run_dir / 'logs'}/" in banner
    for text in (*PROCESS_OUTPUT, "[tasks]"):
        assert text not in output, text
    logs = run_dir / "logs"
    assert stat.S_IMODE(logs.stat().st_mode) == 0o700
    assert sorted(log.stem for log in logs.glob("*.log")) == sorted([*processes, "honcho", "setup"])
    for log in logs.glob("*.log"):
        assert stat.S_IMODE(log.stat().st_mode) == 0o600, log
    assert "Listening on TCP address" in (logs / "web.log").read_text()
    assert "Available accounts" in (logs / "node.log").read_text()
    assert "Applying dashboard." in (logs / "setup.log").read_text()
    assert "web.1 started" in (logs / "honcho.log").read_text()


def test_a_failing_setup_step_names_its_command_shows_why_and_starts_nothing(run_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TOS_NODE_URL", "DATABASE_URL"}}
    env.update(TOS_RUN_DIR=str(run_dir), DEBUG="maybe")
    result = subprocess.run(
        [sys.executable, "-m", "tosweb.launcher", "run"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == f"Migrating the database ({run_dir / 'db.sqlite3'})... failed (manage.py migrate exited with code 1)"
    )
    assert lines[1].endswith("manage.py migrate --no-input")
    assert lines[2] == f"Its last lines (all of them in {run_dir / 'logs' / 'setup.log'}):"
    assert "DEBUG='maybe' is not a yes/no value" in lines[-1]
    assert not (run_dir / "pids").exists() or not list((run_dir / "pids").iterdir())


def _supervise(run_dir: Path, command: str, *, verbose: bool = False) -> subprocess.Popen[str]:
    """`launcher proc relay sh -c COMMAND`; the `run_dir` fixture stops it if a test fails before it does."""
    env = {**os.environ, "TOS_RUN_DIR": str(run_dir), "TOS_RESTART_DELAY": "0.1"}
    env["TOS_VERBOSE"] = "1" if verbose else "0"
    return subprocess.Popen(
        [sys.executable, "-m", "tosweb.launcher", "proc", "relay", "sh", "-c", command],
        env=env,
        cwd=run_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for_text(path: Path, text: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never in {path}: {path.read_text() if path.exists() else 'no file'}")


def test_a_process_that_dies_is_started_again_and_its_death_is_said_in_words(run_dir: Path) -> None:
    # Killed the first time it runs, it lives the second time; its output goes to its log.
    proc = _supervise(
        run_dir,
        "if [ -e started ]; then echo running again; sleep 300; fi; touch started; echo 'no key in .env'; kill -9 $$",
    )
    assert proc.stdout is not None
    log = run_dir / "logs" / "relay.log"
    assert proc.stdout.readline() == (
        "relay was killed by signal 9 (SIGKILL) after 0 s; starting it again in 0.1 s (crash 1 of 5); "
        "its last line: no key in .env (logs/relay.log)\n"  # relative to where the run was started
    )
    text = _wait_for_text(log, "running again")
    assert [line.split(" 20")[0] for line in text.splitlines()] == [
        "--- relay started",
        "no key in .env",
        "--- relay started again (after crash 1)",
        "running again",
    ]
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    os.killpg(proc.pid, signal.SIGTERM)  # honcho's stop: the whole group
    assert proc.wait(timeout=15) == -signal.SIGTERM
    assert proc.stdout.read() == ""  # nothing of its command's on the terminal


def test_with_verbose_a_process_output_stays_on_the_terminal(run_dir: Path) -> None:
    proc = _supervise(
        run_dir,
        "if [ -e started ]; then echo running again; sleep 300; fi; touch started; kill -9 $$",
        verbose=True,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(2)]
    assert lines == [
        "relay was killed by signal 9 (SIGKILL) after 0 s; starting it again in 0.1 s (crash 1 of 5)\n",
        "running again\n",
    ]
    assert not (run_dir / "logs").exists()
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=15) == -signal.SIGTERM


def test_a_process_that_keeps_crashing_stops_the_run_with_a_clear_message(run_dir: Path) -> None:
    proc = _supervise(run_dir, "echo starting; echo 'REDIS_URL is not a URL' >&2; exit 3")
    output, _ = proc.communicate(timeout=30)

    assert proc.returncode == 3
    assert output.count("relay exited with code 3") == 5
    assert output.count("its last line: REDIS_URL is not a URL") == 4
    assert "crash 4 of 5" in output
    last = output.strip().splitlines()[-1]
    assert last.endswith("keeps crashing, so the run stops.")
    # What the launcher prints once everything stopped: the same words, then the last attempt's lines.
    gave_up = (run_dir / launcher.GAVE_UP_FILE).read_text()
    assert gave_up.splitlines() == [
        f"{last} Its last lines (all of them in logs/relay.log); fix that and start again:",
        "    starting",
        "    REDIS_URL is not a URL",
    ]


def test_a_stop_signal_to_the_supervisor_alone_reaches_its_command(run_dir: Path) -> None:
    proc = _supervise(
        run_dir,
        "trap 'echo told to stop; exit 0' TERM; echo ready; while true; do sleep 0.1; done",
        verbose=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)  # not the group: someone stopping the supervisor's pid
    assert proc.wait(timeout=20) == -signal.SIGTERM
    assert "told to stop" in proc.stdout.read()


def _node_events(node_url: str) -> list[dict[str, Any]]:
    try:
        reply = httpx.post(node_url, json={"jsonrpc": "2.0", "id": 1, "method": "ai_get_events"}, timeout=5)
        return list(reply.json()["result"]["events"])
    except (httpx.HTTPError, KeyError, ValueError):
        return []


def _address_of(run_dir: Path, username: str) -> str:
    with contextlib.closing(sqlite3.connect(run_dir / "db.sqlite3", timeout=20)) as db:
        rows = db.execute(
            "SELECT address FROM dashboard_nodeaccount a JOIN auth_user u ON u.id = a.user_id WHERE username = ?",
            (username,),
        ).fetchall()
    return str(rows[0][0]) if rows else ""


def test_make_demo_publishes_mines_and_validates_by_itself_and_stops_on_ctrl_c(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A task every 3 s, due 30 s later: the demo reviewer scores the first one within the minute.
    monkeypatch.setenv("TOS_DEMO_INTERVAL", "3")
    web_port, node_port = free_port(), free_port()
    node_url = f"http://127.0.0.1:{node_port}"
    run = _start_run(run_dir, web_port, "--demo", node_port=node_port)
    try:
        _wait_healthy(f"http://127.0.0.1:{web_port}", timeout=120)
        deadline = time.monotonic() + 90
        seen: set[str] = set()
        while time.monotonic() < deadline and not {"submission_received", "validation_completed"} <= seen:
            miner = _address_of(run_dir, "miner")
            events = _node_events(node_url)
            seen = {
                e["event"]
                for e in events
                if miner and miner in (e["data"].get("submitter"), e["data"].get("miner"))
            }
            seen |= {e["event"] for e in events if e["event"] in ("task_published", "validation_completed")}
            time.sleep(1)
        assert {"task_published", "participant_joined", "submission_received", "validation_completed"} <= seen
    finally:
        output = run.interrupt()
    assert "The demo activity says what it does in" in output, output[-3000:]
    # The demo process seeds the logins again: in its log, not a second time on the terminal.
    demo_log = (run_dir / "logs" / "demo.log").read_text()
    assert "Demo activity: a task every 3 s" in demo_log, demo_log[-3000:]
    assert output.count("publisher  / ") == 1, output
    pids = [int(p.read_text().split()[0]) for p in (run_dir / "pids").glob("*.pid")]
    assert "demo" in {p.stem for p in (run_dir / "pids").glob("*.pid")}
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists() and not launcher._is_zombie(pid)]


_NAMES = st.sampled_from(["system", "web", "worker", "relay", "node"])
_TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40)


@hypothesis_settings(max_examples=80, deadline=None)
@given(lines=st.lists(st.tuples(_NAMES, _TEXTS), max_size=15), verbose=st.booleans())
def test_honchos_own_lines_go_to_its_log_and_every_process_line_to_the_terminal_once(
    lines: list[tuple[str, str]], verbose: bool
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        terminal = io.StringIO()
        original_log_dir, launcher.LOG_DIR = launcher.LOG_DIR, Path(directory)
        original_stdout, sys.stdout = sys.stdout, terminal
        honcho = [
            f"17:19:24 {name + '.1' if name != 'system' else name:<9}| {text}\n" for name, text in lines
        ]
        try:
            launcher._forward(io.StringIO("".join(honcho)), verbose)
        finally:
            sys.stdout, launcher.LOG_DIR = original_stdout, original_log_dir
        shown = terminal.getvalue().split("\n")[:-1]
        if verbose:
            assert shown == [line.rstrip("\n") for line in honcho]
            return
        assert (Path(directory) / "honcho.log").read_text() == "".join(honcho)
        expected = [
            f"17:19:24 {text}" if text.startswith(f"{name} ") else f"17:19:24 {name}: {text}"
            for name, text in lines
            if name != "system"
        ]
        assert shown == expected
