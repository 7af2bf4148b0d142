from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from tosweb.env import envbool, envint, envlist, envstr, envurl, secret_from_file


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("YES", True), ("on", True), ("0", False), ("off", False)]
)
def test_envbool_reads_the_usual_spellings(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("FLAG", raw)
    assert envbool("FLAG", not expected) is expected


def test_envbool_refuses_a_value_that_is_neither_yes_nor_no(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='maybe' is not a yes/no value"):
        envbool("DEBUG", False)


def test_envbool_uses_the_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLAG", raising=False)
    assert envbool("FLAG", True) is True


def test_envint_refuses_words_and_values_below_the_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        envint("COUNT", 1)
    monkeypatch.setenv("COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        envint("COUNT", 5, minimum=1)
    monkeypatch.setenv("COUNT", " 42 ")
    assert envint("COUNT", 5, minimum=1) == 42


def test_envurl_refuses_an_unexpected_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOS_NODE_URL", "localhost:8545")
    with pytest.raises(ImproperlyConfigured, match="not a URL starting with http://, https://"):
        envurl("TOS_NODE_URL", "http://127.0.0.1:8545", schemes=("http", "https"))


def test_envlist_splits_on_commas_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert envlist("HOSTS", []) == ["a.example", "b.example"]


def test_a_name_file_variable_is_read_from_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert envstr("SECRET_KEY", "default") == "from-a-file"


def test_a_generated_secret_is_kept_and_reused(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("SOME_SECRET", raising=False)
    path = tmp_path / "run" / "some_secret"
    first = secret_from_file("SOME_SECRET", path, allow_generate=True)
    assert len(first) >= 50
    assert secret_from_file("SOME_SECRET", path, allow_generate=True) == first
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_missing_secret_is_refused_where_generating_is_not_allowed(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.delenv("SOME_SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SOME_SECRET must be set"):
        secret_from_file("SOME_SECRET", tmp_path / "absent", allow_generate=False)
