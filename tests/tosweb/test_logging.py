from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from tosweb.logging import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


def format_record(message: str, *args: object, exc: BaseException | None = None, **extra: object) -> str:
    record = logging.LogRecord("dashboard.relay", logging.WARNING, __file__, 1, message, args, None)
    if exc is not None:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    record.__dict__.update(extra)
    return JsonFormatter().format(record)


def test_a_record_is_one_line_of_json_with_its_level_logger_and_message() -> None:
    line = format_record("relay %s took over", "relay-2")
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "dashboard.relay"
    assert entry["message"] == "relay relay-2 took over"
    assert entry["time"].endswith("+00:00")


def test_extra_fields_are_kept_and_what_json_cannot_encode_is_written_as_text() -> None:
    entry = json.loads(format_record("stored", seq=42, path=Path("/tmp/x")))
    assert entry["seq"] == 42
    assert entry["path"] == "/tmp/x"


def test_a_traceback_stays_inside_the_one_line() -> None:
    try:
        raise ValueError("bad seq")
    except ValueError as exc:
        line = format_record("failed", exc=exc)
    assert "\n" not in line
    assert "ValueError: bad seq" in json.loads(line)["exc_info"]


def log_from_django(tmp_path: Path, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LOG_FORMAT", "TOS_ENV"}}
    clean.update(DJANGO_SETTINGS_MODULE="tosweb.settings", TOS_RUN_DIR=str(tmp_path), **env)
    code = "import django, logging; django.setup(); logging.getLogger('dashboard').warning('hello')"
    result = subprocess.run(
        [sys.executable, "-c", code], env=clean, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def test_production_logs_json_and_development_logs_plain_text(tmp_path: Path) -> None:
    production = log_from_django(
        tmp_path,
        TOS_ENV="production",
        SECRET_KEY="k" * 50,
        TOS_FIELD_ENCRYPTION_KEY="a-field-key-only-for-this-test-0123456789",
    )
    assert json.loads(production)["message"] == "hello"
    assert log_from_django(tmp_path).endswith("WARNING dashboard: hello")
    assert json.loads(log_from_django(tmp_path, LOG_FORMAT="json"))["logger"] == "dashboard"
