from __future__ import annotations

import sys

import pytest

from tosweb import pgtest


def test_a_postgres_database_url_is_used_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example:5432/tosweb")
    monkeypatch.setattr(pgtest, "install_postgresql", lambda: pytest.fail("must not start a server"))
    code = (
        "import os, sys; sys.exit(7 if os.environ['DATABASE_URL'].endswith('@db.example:5432/tosweb') else 1)"
    )

    assert pgtest.main(["--", sys.executable, "-c", code]) == 7


def test_only_postgres_urls_count_as_postgresql() -> None:
    assert pgtest.is_postgres_url("postgresql://u@h/d")
    assert pgtest.is_postgres_url("pgsql://u@h/d")
    assert not pgtest.is_postgres_url("sqlite:///tmp/db.sqlite3")
    assert not pgtest.is_postgres_url("")


def test_without_a_command_it_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    assert pgtest.main(["--"]) == 2
    assert "make test-postgres" in capsys.readouterr().err


@pytest.mark.skipif(pgtest.find_bindir() is None, reason="PostgreSQL is not installed here")
def test_a_throwaway_cluster_starts_even_when_the_run_directory_is_private(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # CI saw initdb refused: the cluster lived under .run/ (0700 since the launcher guards its secrets),
    # which the postgres user cannot enter when the tests run as root.
    bindir = pgtest.find_bindir()
    assert bindir is not None
    with pgtest.throwaway_cluster(bindir) as url:
        assert url.startswith("postgres://")
