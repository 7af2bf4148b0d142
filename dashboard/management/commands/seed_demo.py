"""Create the demo logins (a publisher, a miner and a validator) and print them."""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_USERS = ("publisher", "miner", "validator")


class Command(BaseCommand):
    help = "Create the demo users (publisher, miner, validator) once and print their logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins_file = settings.RUN_DIR / "demo-logins.json"
        logins: dict[str, str] = json.loads(logins_file.read_text()) if logins_file.exists() else {}
        user_model = get_user_model()
        for username in DEMO_USERS:
            password = logins.setdefault(username, f"{username}-{secrets.token_hex(4)}")
            user, _ = user_model.objects.get_or_create(username=username)
            if not user.check_password(password):
                user.set_password(password)
                user.save()
        logins_file.parent.mkdir(parents=True, exist_ok=True)
        logins_file.write_text(json.dumps(logins, indent=2))
        logins_file.chmod(0o600)
        self.stdout.write("Demo logins (username / password):")
        for username in DEMO_USERS:
            self.stdout.write(f"  {username:<10} / {logins[username]}")
