"""The `processes` mark finds the tests that start processes, and its guard fails one it missed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import tiers
from tests.support.devnode import run_devnode
from tests.support.fake_ai import run_fake_ai
from tosweb import pgtest

pytest_plugins = ["pytester"]
PLAIN = ("-p", "no:django", "-p", "no:asyncio", "-p", "no:cacheprovider")


def _runs_a_command() -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=True)


def _starts_a_devnode(tmp_path: object) -> None:
    with run_devnode(tmp_path):  # type: ignore[arg-type]
        pass


def _tells_the_docs_story() -> None:
    from devnode.examples import scenario

    scenario.run()


def _runs_pgtest() -> None:
    pgtest.main(["--", "true"])


def _a_helper_that_starts_one() -> None:
    _runs_a_command()


def _in_memory_only() -> int:
    with run_fake_ai() as fake:  # a thread, not a process
        return len(fake.requests)


@pytest.mark.parametrize(
    "function",
    [_runs_a_command, _starts_a_devnode, _tells_the_docs_story, _runs_pgtest, _a_helper_that_starts_one],
)
def test_code_that_starts_a_process_however_indirectly_is_found(function: object) -> None:
    assert tiers.starts_processes(function)


def test_code_that_starts_none_is_left_in_the_fast_tier() -> None:
    assert not tiers.starts_processes(_in_memory_only)
    assert not tiers.starts_processes(test_code_that_starts_none_is_left_in_the_fast_tier)


def test_the_marks_follow_fixtures_and_an_unmarked_process_fails(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import subprocess, sys
        import pytest
        pytest_plugins = ["tests.support.tiers"]

        @pytest.fixture
        def server():
            return subprocess.Popen([sys.executable, "-c", "pass"]).wait()
        """
    )
    pytester.makepyfile(
        test_sample="""
        import importlib

        def test_with_a_server(server):
            assert server == 0

        def test_plain():
            assert True

        def test_sneaky():
            importlib.import_module("subprocess").run(["true"], check=True)
        """
    )
    result = pytester.runpytest_inprocess(*PLAIN, "-m", "processes")
    result.assert_outcomes(passed=1, deselected=2)
    result = pytester.runpytest_inprocess(*PLAIN, "-m", "not processes")
    result.assert_outcomes(passed=2, errors=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_sneaky started a process without the `processes` mark (true)*"])
