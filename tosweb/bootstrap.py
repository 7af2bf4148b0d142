"""The first steps of `make run` and `make test`: the virtual environment and its packages, a line a step.

    python3 -P tosweb/bootstrap.py venv .venv               create .venv and bring its pip up to date
    python3 -P tosweb/bootstrap.py install .venv SPEC...    pip install SPEC... into .venv

A first run spends a minute or two here, so each step says what it does and how long it took; on a terminal
the package count moves while pip fetches them. pip's own output goes to `.venv/pip.log` (and to the
terminal too with --verbose); when a step fails, the failing command and its last lines are shown.

This runs on the system's Python before the venv exists: the standard library only, and `-P` keeps this
directory (its `logging.py`, `settings.py`...) off sys.path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

PIP_LOG = "pip.log"
#: How much of a failed command's output is shown; the whole of it is in the log.
TAIL_LINES = 15


def shown(path: Path) -> str:
    """`path` as a person in this directory would type it (relative when it is under it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class Step:
    """One line on the terminal: what is being done, then `done (12 s)` or why it failed.

    On a terminal the line can be redrawn with progress (`update`); elsewhere (CI, a pipe) only the
    finished line is completed, so logs read the same. A line said meanwhile (`Step.say`, from any
    thread) goes on a line of its own, and the step's outcome then repeats its words."""

    #: The step whose line is on the terminal, not finished yet.
    unfinished: Step | None = None
    lock = threading.RLock()  # re-entrant: a signal handler may say something while a line is printed

    def __init__(self, words: str, verbose: bool = False) -> None:
        self.words, self.started = words, time.monotonic()
        # With --verbose the command's own lines come between the step's start and its end.
        self.broken = verbose
        self.live = sys.stdout.isatty()
        self.progress = ""
        with Step.lock:
            Step._break_line()
            print(f"{words}...", end="\n" if verbose else "", flush=True)
            Step.unfinished = None if verbose else self

    @staticmethod
    def say(text: str) -> None:
        """Print a line of its own, below an unfinished step's."""
        with Step.lock:
            Step._break_line()
            print(text, flush=True)

    @staticmethod
    def _break_line() -> None:
        step = Step.unfinished
        if step is not None:
            print(flush=True)
            step.broken = True
            Step.unfinished = None

    def update(self, progress: str) -> None:
        with Step.lock:
            if self.live and not self.broken and progress != self.progress:
                self.progress = progress
                print(f"\r\033[K{self.words}... {progress}", end="", flush=True)

    def done(self, words: str = "done") -> None:
        self._finish(f"{words} ({time.monotonic() - self.started:.0f} s)")

    def failed(self, command: list[str], returncode: int, output: list[str], log: Path | None) -> int:
        self._finish(f"failed ({command_name(command)} exited with code {returncode})")
        where = f" (all of them in {shown(log)})" if log else ""
        Step.say(f"The command: {' '.join(command)}\nIts last lines{where}:")
        for line in output[-TAIL_LINES:]:
            Step.say(f"    {line.rstrip()}")
        return 1

    def _finish(self, outcome: str) -> None:
        with Step.lock:
            if self.broken:
                Step._break_line()
                print(f"{self.words}: {outcome}", flush=True)
            elif self.live:
                print(f"\r\033[K{self.words}... {outcome}", flush=True)
            else:
                print(f" {outcome}", flush=True)
            if Step.unfinished is self:
                Step.unfinished = None


def command_name(command: list[str]) -> str:
    """`pip` for `python -m pip ...`, `manage.py migrate` for `python manage.py migrate`, else the program."""
    if len(command) > 2 and command[1] == "-m":
        return command[2]
    if len(command) > 1 and command[1].endswith(".py"):
        return " ".join([Path(command[1]).name, *command[2:3]])
    return Path(command[0]).name


def run_logged(
    command: list[str],
    log: Path | None,
    verbose: bool,
    on_line: Callable[[str], None] = lambda line: None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> tuple[int, list[str]]:
    """Run `command`, its output appended to `log` (and shown when `verbose`); its exit code and output."""
    lines: list[str] = []
    env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
    with open(log, "a") if log else open(os.devnull, "w") as sink:
        sink.write(f"$ {' '.join(command)}\n")
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=cwd,
            errors="replace",
        )
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            sink.write(line)
            sink.flush()
            if verbose:
                Step.say(f"    {line.rstrip()}")
            on_line(line)
        return process.wait(), lines


def create_venv(venv: Path, verbose: bool) -> int:
    """A virtual environment at `venv` with an up-to-date pip."""
    version = ".".join(map(str, sys.version_info[:3]))
    step = Step(f"Creating the Python environment in {shown(venv)} (Python {version})", verbose)
    command = [sys.executable, "-m", "venv", str(venv)]
    returncode, output = run_logged(command, None, verbose)
    if returncode:
        return step.failed(command, returncode, output, None)
    log = venv / PIP_LOG
    log.write_text("")
    command = [str(venv / "bin" / "python"), "-m", "pip", "install", "--upgrade", "pip"]
    returncode, output = run_logged(command, log, verbose)
    if returncode:
        # Without its python the venv counts as missing, so the next `make` tries this step again.
        (venv / "bin" / "python").unlink(missing_ok=True)
        return step.failed(command, returncode, output, log)
    step.done()
    return 0


class PipProgress:
    """Reads pip's output as it comes: how many packages it has collected, then how many it installs."""

    def __init__(self, log: Path, verbose: bool) -> None:
        self.verbose = verbose
        self.step = Step(f"Fetching the packages (pip's output: {shown(log)})", verbose)
        self.collected = 0
        self.installing: list[str] = []
        self.install_step: Step | None = None

    def __call__(self, line: str) -> None:
        if line.startswith("Collecting "):
            self.collected += 1
            self.step.update(f"{self.collected} so far")
        elif line.startswith("Installing collected packages:"):
            self.installing = [name.strip() for name in line.split(":", 1)[1].split(",") if name.strip()]
            self.step.done(f"{len(self.installing)} to install")
            count = len(self.installing)
            self.install_step = Step(f"Installing {count} package{'' if count == 1 else 's'}", self.verbose)

    @property
    def current(self) -> Step:
        return self.install_step or self.step

    def finish(self) -> None:
        if self.install_step is not None:
            self.install_step.done()
        else:
            self.step.done("nothing new to install")


def install(venv: Path, specs: list[str], verbose: bool) -> int:
    """pip install `specs` into `venv`, saying how many packages are fetched and installed."""
    log = venv / PIP_LOG
    progress = PipProgress(log, verbose)
    command = [str(venv / "bin" / "python"), "-m", "pip", "install", *specs]
    returncode, output = run_logged(command, log, verbose, on_line=progress)
    if returncode:
        return progress.current.failed(command, returncode, output, log)
    progress.finish()
    return 0


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    args = [arg for arg in argv if arg != "--verbose"]
    if len(args) == 2 and args[0] == "venv":
        return create_venv(Path(args[1]), verbose)
    if len(args) >= 3 and args[0] == "install":
        return install(Path(args[1]), args[2:], verbose)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
