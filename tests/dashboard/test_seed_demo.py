from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from pytest_django.fixtures import Settings as SettingsWrapper

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_three_logins_and_prints_them_the_same_each_time(
    settings: SettingsWrapper, tmp_path
) -> None:
    settings.RUN_DIR = tmp_path
    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)
    logins = json.loads((tmp_path / "demo-logins.json").read_text())
    assert sorted(logins) == ["miner", "publisher", "validator"]
    assert first.getvalue() == second.getvalue()
    for username, password in logins.items():
        assert f"{username:<10} / {password}" in first.getvalue()
        assert User.objects.get(username=username).check_password(password)
    assert User.objects.count() == 3
