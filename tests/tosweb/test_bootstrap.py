"""The first run's steps (tosweb/bootstrap.py), with a stand-in for the venv's pip: what a person sees."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tosweb import bootstrap

ROOT = Path(__file__).resolve().parents[2]

#: What pip prints while it installs two packages, the way it prints it.
PIP_INSTALLING = """\
Looking in links: /opt/wheels
Obtaining file:///repo/clients/python
  Installing build dependencies: started
Collecting Django<6.2,>=5.2
  Downloading django-5.2.8-py3-none-any.whl (8.3 MB)
Collecting honcho>=2.0
  Using cached honcho-2.0.0-py3-none-any.whl
Building wheels for collected packages: tos-ai
Installing collected packages: honcho, Django
Successfully installed Django-5.2.8 honcho-2.0.0
"""


def _fake_venv(tmp_path: Path, output: str, exit_code: int = 0) -> Path:
    """A venv whose python prints `output` as pip would and exits with `exit_code`."""
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (tmp_path / "pip-output.txt").write_text(output)
    python = venv / "bin" / "python"
    python.write_text(f"#!/bin/sh\ncat {tmp_path / 'pip-output.txt'}\nexit {exit_code}\n")
    python.chmod(0o755)
    return venv


def _bootstrap(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python3 -P tosweb/bootstrap.py ARGS` in `tmp_path`, as the Makefile runs it."""
    return subprocess.run(
        [sys.executable, "-P", str(ROOT / "tosweb" / "bootstrap.py"), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_installing_says_how_many_packages_and_keeps_pips_output_in_its_log(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path, PIP_INSTALLING)
    result = _bootstrap(tmp_path, "install", ".venv", "-e", "clients/python", "-e", ".[dev]")

    assert result.returncode == 0, result.stdout
    assert [line.rsplit(" (", 1)[0] for line in result.stdout.splitlines()] == [
        "Fetching the packages (pip's output: .venv/pip.log)... 2 to install",
        "Installing 2 packages... done",
    ]
    log = (venv / "pip.log").read_text()
    assert log.startswith("$ .venv/bin/python -m pip install -e clients/python -e .[dev]\n")
    assert PIP_INSTALLING in log


def test_with_verbose_pips_output_is_shown_too(tmp_path: Path) -> None:
    _fake_venv(tmp_path, PIP_INSTALLING)
    result = _bootstrap(tmp_path, "install", ".venv", "honcho", "--verbose")

    assert result.returncode == 0, result.stdout
    assert "    Collecting honcho>=2.0\n" in result.stdout
    assert "Installing 2 packages: done (" in result.stdout


def test_nothing_to_install_says_so(tmp_path: Path) -> None:
    _fake_venv(tmp_path, "Requirement already satisfied: honcho in ./.venv/lib (2.0.0)\n")
    result = _bootstrap(tmp_path, "install", ".venv", "honcho")
    assert result.stdout.startswith(
        "Fetching the packages (pip's output: .venv/pip.log)... nothing new to install ("
    )


def test_a_failing_pip_names_its_command_its_log_and_shows_its_last_lines(tmp_path: Path) -> None:
    lines = [f"Collecting package-{n}" for n in range(30)]
    lines += ["ERROR: Could not find a version that satisfies the requirement nope (from versions: none)"]
    _fake_venv(tmp_path, "\n".join(lines) + "\n", exit_code=1)
    result = _bootstrap(tmp_path, "install", ".venv", "nope")

    assert result.returncode == 1
    shown = result.stdout.splitlines()
    assert shown[0].startswith(
        "Fetching the packages (pip's output: .venv/pip.log)... failed (pip exited with code 1)"
    )
    assert shown[1] == "The command: .venv/bin/python -m pip install nope"
    assert shown[2] == "Its last lines (all of them in .venv/pip.log):"
    assert shown[3:] == [f"    {line}" for line in lines[-bootstrap.TAIL_LINES :]]


def test_a_venv_that_cannot_be_created_says_why(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where the venv should go")
    result = _bootstrap(tmp_path, "venv", "taken/.venv")

    assert result.returncode == 1
    assert result.stdout.startswith("Creating the Python environment in taken/.venv (Python 3.")
    assert "... failed (venv exited with code 1)" in result.stdout
    assert f"The command: {sys.executable} -m venv taken/.venv" in result.stdout
    assert "Not a directory" in result.stdout


def test_on_a_terminal_the_count_moves_on_the_steps_line(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = io.StringIO()
    monkeypatch.setattr(terminal, "isatty", lambda: True)
    monkeypatch.setattr(sys, "stdout", terminal)
    progress = bootstrap.PipProgress(Path(".venv/pip.log"), verbose=False)
    for line in PIP_INSTALLING.splitlines(keepends=True):
        progress(line)
    progress.finish()

    redraws = terminal.getvalue().split("\r\033[K")
    assert redraws[0] == "Fetching the packages (pip's output: .venv/pip.log)..."
    assert redraws[1] == "Fetching the packages (pip's output: .venv/pip.log)... 1 so far"
    assert redraws[2] == "Fetching the packages (pip's output: .venv/pip.log)... 2 so far"
    assert redraws[3].startswith("Fetching the packages (pip's output: .venv/pip.log)... 2 to install (")
    assert redraws[3].endswith(" s)\nInstalling 2 packages...")
    assert redraws[4].startswith("Installing 2 packages... done (")


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    events=st.lists(
        st.one_of(
            st.tuples(st.just("step"), st.text("abc ", min_size=1, max_size=8)),
            st.tuples(st.just("say"), st.text("xyz ", min_size=1, max_size=8)),
            st.tuples(st.just("done"), st.just("")),
        ),
        max_size=12,
    ),
    live=st.booleans(),
)
def test_every_line_said_is_whole_and_every_step_ends_with_its_own_words(
    events: list[tuple[str, str]], live: bool
) -> None:
    """Lines said while a step's line is open (a process's death while starting) never land inside it."""
    terminal = io.StringIO()
    terminal.isatty = lambda: live  # type: ignore[method-assign]
    original, sys.stdout = sys.stdout, terminal
    try:
        open_steps: list[bootstrap.Step] = []
        said, finished = [], []
        for kind, words in events:
            if kind == "step":
                open_steps.append(bootstrap.Step(f"step {words}"))
            elif kind == "say":
                bootstrap.Step.say(f"said {words}")
                said.append(f"said {words}")
            elif open_steps:
                step = open_steps.pop()
                step.done()
                finished.append(step.words)
        bootstrap.Step.say("end")
    finally:
        sys.stdout = original
        bootstrap.Step.unfinished = None
    lines = [line.rsplit("\r\033[K", 1)[-1] for line in terminal.getvalue().split("\n")[:-1]]
    assert [line for line in lines if line.startswith("said ")] == said
    outcomes = [line for line in lines if line.endswith(" s)")]
    assert [
        line.rsplit(" done (", 1)[0].removesuffix("...").removesuffix(":") for line in outcomes
    ] == finished
    assert lines[-1] == "end"
