"""Encryption at rest for secrets the server must use but never show: wallet keys and AI API keys.

The key comes from settings.FIELD_ENCRYPTION_KEY (never SECRET_KEY). It may list several keys separated
by commas: the first encrypts, all decrypt, so keys can be rotated without losing stored secrets.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def _fernet_key(material: str) -> bytes:
    # Any string works as key material; Fernet needs 32 url-safe base64 bytes.
    return base64.urlsafe_b64encode(hashlib.sha256(material.encode("utf-8")).digest())


@cache
def _cipher(key_setting: str) -> MultiFernet:
    materials = [part.strip() for part in key_setting.split(",") if part.strip()]
    if not materials:
        raise SecretUnreadable("FIELD_ENCRYPTION_KEY is empty")
    return MultiFernet([Fernet(_fernet_key(material)) for material in materials])


def encrypt_secret(plaintext: str) -> str:
    """Encrypt `plaintext` with the current key; the token is ASCII, safe for a text column."""
    return _cipher(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_secret(token: str) -> str:
    """Decrypt a token made by encrypt_secret with any configured key."""
    try:
        return _cipher(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("a stored secret cannot be decrypted with the configured keys") from exc
