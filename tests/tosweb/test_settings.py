"""Settings are read once per process, so each case starts a fresh interpreter with its environment."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT = "from django.conf import settings as s; print(repr(({})))"


def load_settings(tmp_path: Path, expression: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "tosweb.settings", "TOS_RUN_DIR": str(tmp_path / "run"), **env})
    code = "import django; django.setup(); " + PRINT.format(expression)
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_defaults_work_for_development(tmp_path: Path) -> None:
    result = load_settings(tmp_path, "s.DEBUG, s.DATABASES['default']['ENGINE'], s.REDIS_URL, s.TOS_NODE_URL")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "(False, 'django.db.backends.sqlite3', 'redis://127.0.0.1:6379/0', 'http://127.0.0.1:8545')"
    )
    assert (tmp_path / "run" / "secret_key").exists()
    assert (tmp_path / "run" / "field_encryption_key").exists()


def test_a_bad_debug_value_is_refused_at_start_with_a_clear_message(tmp_path: Path) -> None:
    result = load_settings(tmp_path, "s.DEBUG", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a yes/no value" in result.stderr


def test_database_url_selects_postgresql(tmp_path: Path) -> None:
    result = load_settings(
        tmp_path,
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.DATABASES['default']['HOST']",
        DATABASE_URL="postgres://tos:secret@db.internal:5432/tosweb",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('django.db.backends.postgresql', 'tosweb', 'db.internal')"


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = load_settings(tmp_path, "s.DEBUG", TOS_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_secret_key_generated_for_development_stays_the_same_across_starts(tmp_path: Path) -> None:
    first = load_settings(tmp_path, "s.SECRET_KEY")
    second = load_settings(tmp_path, "s.SECRET_KEY")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) >= 50


STRONG = {
    "SECRET_KEY": "s3cret-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2,
    "ALLOWED_HOSTS": "dash.example.org",
}
FIELD_KEY = "Zk3-pQ9_vL2mW8xR4tY7uB1nC6hJ0dFsGa5eKo"


def test_production_refuses_debug_at_start_naming_the_variable(tmp_path: Path) -> None:
    result = load_settings(
        tmp_path, "s.DEBUG", TOS_ENV="production", DEBUG="true", TOS_FIELD_ENCRYPTION_KEY=FIELD_KEY, **STRONG
    )
    assert result.returncode != 0
    assert "DEBUG=true is refused when TOS_ENV=production" in result.stderr


@pytest.mark.parametrize(
    "weak", ["k", "a-field-key-only", "abababababababababababababababababab", f"{FIELD_KEY},x"]
)
def test_production_refuses_a_weak_field_encryption_key_naming_the_variable(
    tmp_path: Path, weak: str
) -> None:
    result = load_settings(tmp_path, "s.DEBUG", TOS_ENV="production", TOS_FIELD_ENCRYPTION_KEY=weak, **STRONG)
    assert result.returncode != 0
    assert "TOS_FIELD_ENCRYPTION_KEY is too weak for production" in result.stderr
    if len(weak) > 1:
        assert weak not in result.stderr  # the key itself is never printed


def test_production_starts_with_strong_keys_and_check_deploy_is_clean(tmp_path: Path) -> None:
    env = {**os.environ, "TOS_ENV": "production", "TOS_FIELD_ENCRYPTION_KEY": FIELD_KEY, **STRONG}
    env.update(DJANGO_SETTINGS_MODULE="tosweb.settings", TOS_RUN_DIR=str(tmp_path / "run"))
    for name in ("DEBUG", "DATABASE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_accepts_debug(tmp_path: Path) -> None:
    result = load_settings(tmp_path, "s.DEBUG", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize("layer", ["core", "pubsub"])
def test_the_layers_read_timeout_outlasts_the_core_layers_blocking_pop(tmp_path: Path, layer: str) -> None:
    """redis-py 8 reads with a 5 s timeout by default and the core layer blocks 5 s in BZPOPMIN: an idle
    receive must not time out (tests/dashboard/test_broadcast.py replays it on a real Redis)."""
    from channels_redis.core import RedisChannelLayer

    result = load_settings(tmp_path, "s.CHANNEL_LAYERS['default']['CONFIG']['hosts'][0]", CHANNEL_LAYER=layer)
    assert result.returncode == 0, result.stderr
    host = ast.literal_eval(result.stdout)
    assert host["socket_timeout"] > RedisChannelLayer.brpop_timeout
