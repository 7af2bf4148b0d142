"""CI runs every client: `.ci/run` runs `make test`, which runs each folder under clients/ by name."""

from __future__ import annotations

import re
import subprocess

from tests.support.devnode import ROOT

CLIENTS = ROOT / "clients"


def _client_folders() -> set[str]:
    return {path.name for path in CLIENTS.iterdir() if path.is_dir() and path.name != "conformance"}


def test_make_test_runs_every_client_folder_through_the_harness() -> None:
    # Dry run (-n): the commands make test would run, nothing run but the recursive makes' own dry runs.
    plan = subprocess.run(
        ["make", "-n", "--no-print-directory", "test"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    (harness,) = [line for line in plan.splitlines() if "clients/conformance/harness.py" in line]
    named = set(re.findall(r"--client (\S+)", harness))
    assert named == _client_folders() == {"python", "typescript", "go", "java", "cpp"}
    assert "make test\n" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_client_folder_has_the_harness_file_it_is_run_by() -> None:
    for name in _client_folders():
        assert (CLIENTS / name / "conformance.json").is_file(), name
