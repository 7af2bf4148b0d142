"""docker-compose.yml, the Dockerfile and the production static files agree with the Procfile and each other.

There is no Docker engine on the test machines and PyYAML is not a dependency: the compose file is read
with a small reader for the block-style YAML it is written in (enough for its keys and anchors), and
`docker-compose config` validates the whole file wherever the binary is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tosweb.healthcheck import probe_host

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
IMAGE = "tosweb:"
# Procfile processes that are development conveniences, not dashboard processes of the image: compose uses
# the official Redis image, runs the node as `devnode`, and `demo` (make demo) fakes activity.
NOT_IN_PRODUCTION = {"redis": "redis", "node": "devnode", "demo": None}
REQUIRED_ENV = {"SECRET_KEY": "s", "TOS_FIELD_ENCRYPTION_KEY": "k", "POSTGRES_PASSWORD": "p"}


def sections(lines: list[str], indent: int) -> dict[str, list[str]]:
    """The mapping keys at exactly `indent` spaces, each with its own line and the lines nested under it."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        depth = len(line) - len(line.lstrip(" "))
        if depth == indent and not stripped.startswith("- "):
            current = stripped.split(":", 1)[0]
            found[current] = [line]
        elif depth > indent and current is not None:
            found[current].append(line)
        elif depth < indent:
            current = None
    return found


def compose_services() -> dict[str, dict[str, str]]:
    """Each service's keys (with `<<: *anchor` merged in) and the text under each key."""
    top = sections(COMPOSE.read_text().splitlines(), 0)
    anchors: dict[str, dict[str, list[str]]] = {}
    for lines in top.values():
        match = re.search(r"&([\w-]+)\s*$", lines[0])
        if match:
            anchors[match.group(1)] = sections(lines[1:], 2)
    services: dict[str, dict[str, str]] = {}
    for name, lines in sections(top["services"][1:], 2).items():
        own = sections(lines[1:], 4)
        merged: dict[str, list[str]] = {}
        if "<<" in own:
            anchor = own["<<"][0].split("*", 1)[1].strip()
            merged.update({key: [line[2:] for line in body] for key, body in anchors[anchor].items()})
        merged.update({key: body for key, body in own.items() if key != "<<"})
        services[name] = {key: "\n".join(body) for key, body in merged.items()}
    return services


def procfile_processes() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_every_procfile_process_has_a_compose_service_from_the_one_image() -> None:
    services = compose_services()
    for process in set(procfile_processes()) - set(NOT_IN_PRODUCTION):
        assert process in services, f"Procfile process {process!r} has no compose service"
        assert IMAGE in services[process]["image"], process
    assert {service for service in NOT_IN_PRODUCTION.values() if service} <= set(services)
    assert IMAGE in services["devnode"]["image"]
    assert IMAGE in services["migrate"]["image"]


def test_the_compose_services_run_what_the_procfile_runs() -> None:
    services, procfile = compose_services(), procfile_processes()
    expected = {
        "web": ('"tosweb.asgi:application"', " tosweb.asgi:application"),
        "relay": ('"relay_events"', " relay_events"),
        "worker": ('"worker"', " worker "),
        "solver": ('"worker"', " worker "),
        "beat": ('"beat"', " beat "),
        "notifier": ('"notifications"', " -Q notifications "),
    }
    for name, (in_compose, in_procfile) in expected.items():
        assert in_compose in services[name]["command"], name
        assert in_procfile in procfile[name], name


def test_each_queue_has_its_worker_in_the_procfile_and_in_compose() -> None:
    services, procfile = compose_services(), procfile_processes()
    for name, queues in (("worker", "mining,celery"), ("solver", "solving")):
        assert f'"-Q", "{queues}"' in services[name]["command"], name
        assert f" -Q {queues} " in procfile[name], name
    assert '"threads"' in services["solver"]["command"]
    assert "--pool threads" in procfile["solver"]


def test_every_service_is_health_checked_or_waits_for_the_migration() -> None:
    for name, keys in compose_services().items():
        if name == "migrate":
            assert "service_healthy" in keys["depends_on"]  # it waits for PostgreSQL
            assert '"no"' in keys["restart"]  # one-shot
            continue
        migrated = "migrate:" in keys.get("depends_on", "") and "service_completed_successfully" in keys.get(
            "depends_on", ""
        )
        assert "healthcheck" in keys or migrated, f"{name} has neither a healthcheck nor waits for migrate"
        if "depends_on" in keys:
            assert "condition: service_healthy" in keys["depends_on"], name


def test_postgresql_redis_and_the_node_state_live_on_volumes() -> None:
    services = compose_services()
    assert ":/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert ":/data" in services["redis"]["volumes"]
    volume = re.search(r"- ([\w-]+):(/\S+)", services["devnode"]["volumes"])
    assert volume is not None
    assert f'"{volume.group(2)}/' in services["devnode"]["command"]  # --state-file is on the volume
    assert f"\n  {volume.group(1)}:" in COMPOSE.read_text().split("\nvolumes:", 1)[1]


def test_the_web_healthcheck_gets_past_the_ssl_redirect_and_allowed_hosts() -> None:
    web = compose_services()["web"]
    assert "tosweb.healthcheck" in web["healthcheck"]
    assert probe_host("dash.example.org,localhost") == "dash.example.org"
    assert probe_host(".example.org") == "example.org"
    assert probe_host("*") == "localhost"


def test_secrets_are_required_from_the_environment_and_not_baked_into_the_image() -> None:
    text = COMPOSE.read_text()
    for name in REQUIRED_ENV:
        assert f"${{{name}:?" in text, name
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", dockerfile, re.MULTILINE)
    assert re.search(r"^USER tosweb$", dockerfile, re.MULTILINE)
    assert not re.search(r"^ENV .*(SECRET_KEY|ENCRYPTION_KEY)", dockerfile, re.MULTILINE)
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="Debian's docker-compose is not installed")
def test_docker_compose_accepts_the_file_and_insists_on_the_secrets() -> None:
    base = {k: v for k, v in os.environ.items() if k not in REQUIRED_ENV}
    command = ["docker-compose", "-f", str(COMPOSE), "config", "--quiet"]
    valid = subprocess.run(command, env={**base, **REQUIRED_ENV}, capture_output=True, text=True, timeout=60)
    assert valid.returncode == 0, valid.stderr
    services = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "--services"],
        env={**base, **REQUIRED_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert set(services.stdout.split()) == set(compose_services())
    missing = subprocess.run(
        command, env={**base, "POSTGRES_PASSWORD": "p"}, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode != 0
    assert "SECRET_KEY" in missing.stderr


COLLECT_AND_SERVE = """
import re, django
from django.core.management import call_command
django.setup()
call_command("collectstatic", interactive=False, verbosity=0)
from django.test import Client
client = Client()
healthz = client.get("/healthz", headers={"host": "dash.example.org"})
page = client.get("/login/", secure=True, headers={"host": "dash.example.org"})
css = re.search(r'href="(/static/css/app\\.[0-9a-f]{12}\\.css)"', page.content.decode()).group(1)
served = client.get(css, secure=True, headers={"host": "dash.example.org"})
print(healthz.status_code, page.status_code, served.status_code, served.headers.get("Cache-Control"))
"""


def test_collectstatic_in_production_writes_hashed_files_that_whitenoise_serves(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tosweb.settings",
        TOS_ENV="production",
        SECRET_KEY="a-key-only-for-this-test-" + "x" * 40,
        TOS_FIELD_ENCRYPTION_KEY="a-field-key-only-for-this-test-0123456789",
        ALLOWED_HOSTS="dash.example.org",
        STATIC_ROOT=str(tmp_path / "static"),
        TOS_RUN_DIR=str(tmp_path / "run"),
        REDIS_URL="redis://127.0.0.1:9/0",
        TOS_NODE_URL="http://127.0.0.1:9",
    )
    result = subprocess.run(
        [sys.executable, "-c", COLLECT_AND_SERVE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    healthz, page, served, cache_control = result.stdout.strip().splitlines()[-1].split(" ", 3)
    assert healthz != "301"  # /healthz is exempt from the HTTPS redirect (it reports Redis down: 503)
    assert (page, served) == ("200", "200")
    assert "immutable" in cache_control
    assert (tmp_path / "static" / "staticfiles.json").exists()
