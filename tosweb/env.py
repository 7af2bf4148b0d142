"""Typed readers for settings taken from the environment; a bad value stops start-up with a clear message."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    """The variable's value, or the contents of the file named by NAME_FILE (Docker secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc.strerror}") from exc
    return os.environ.get(name)


def envstr(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def envbool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of 1, true, yes, on, 0, false, no, off."
    )


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is too small: it must be at least {minimum}.")
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envurl(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    value = envstr(name, default).strip()
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name}={value!r} is not a URL starting with {allowed}.")
    return value


def secret_from_file(name: str, path: Path, *, allow_generate: bool) -> str:
    """NAME from the environment, else a random value kept in `path` (created on first use in development)."""
    value = _raw(name)
    if value:
        return value
    if path.exists():
        return path.read_text().strip()
    if not allow_generate:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off outside development.")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # .run/: for this user only
    generated = secrets.token_urlsafe(50)
    try:
        # O_EXCL: when several processes start at once, the first writer wins and the rest read its value.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(generated)
    return generated


def refuse_weak_keys(name: str, value: str, *, min_length: int = 32, min_distinct: int = 10) -> None:
    """Stop start-up when any comma-separated key in `value` is short or repetitive (never printing it).

    The field key is hashed into a Fernet key without stretching, so its strength is its own entropy.
    """
    for position, key in enumerate((part.strip() for part in value.split(",")), start=1):
        if len(key) < min_length or len(set(key)) < min_distinct:
            which = f"key {position} of the list" if "," in value else "it"
            raise ImproperlyConfigured(
                f"{name} is too weak for production: {which} has {len(key)} characters, {len(set(key))} "
                f"different; it needs at least {min_length} characters with {min_distinct} different. "
                "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
