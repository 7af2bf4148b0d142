from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from dashboard.crypto import SecretUnreadable, decrypt_secret, encrypt_secret


def test_a_secret_round_trips_and_the_token_does_not_contain_it(settings: SettingsWrapper) -> None:
    settings.FIELD_ENCRYPTION_KEY = "key-one"
    token = encrypt_secret("9f" * 32)
    assert "9f9f" not in token
    assert decrypt_secret(token) == "9f" * 32


def test_two_encryptions_of_one_secret_differ(settings: SettingsWrapper) -> None:
    settings.FIELD_ENCRYPTION_KEY = "key-one"
    assert encrypt_secret("same") != encrypt_secret("same")


def test_a_rotated_key_list_still_reads_old_secrets(settings: SettingsWrapper) -> None:
    settings.FIELD_ENCRYPTION_KEY = "old-key"
    token = encrypt_secret("api-key-123")
    settings.FIELD_ENCRYPTION_KEY = "new-key,old-key"
    assert decrypt_secret(token) == "api-key-123"
    assert decrypt_secret(encrypt_secret("fresh")) == "fresh"


def test_the_wrong_key_gives_a_clear_error_not_garbage(settings: SettingsWrapper) -> None:
    settings.FIELD_ENCRYPTION_KEY = "key-one"
    token = encrypt_secret("secret")
    settings.FIELD_ENCRYPTION_KEY = "another-key"
    with pytest.raises(SecretUnreadable, match="cannot be decrypted"):
        decrypt_secret(token)


def test_encryption_does_not_use_the_secret_key(settings: SettingsWrapper) -> None:
    settings.FIELD_ENCRYPTION_KEY = "key-one"
    token = encrypt_secret("secret")
    settings.SECRET_KEY = "something-else-entirely-" * 3
    assert decrypt_secret(token) == "secret"
