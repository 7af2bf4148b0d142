"""The auto-mining pages: settings with a write-only API key, the toggle and its beat entry, runs, outsiders."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_celery_beat.models import PeriodicTask

from dashboard.crypto import decrypt_secret
from dashboard.models import AutoMiningConfig, AutoMiningRun, AutoMiningStep, AutoParticipation
from tests.support.devnode import DevnodeProcess
from tests.support.mining import make_member
from tests.support.tasks import TOS, address_of, cached_task, with_roles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis")]

SECRET = "sk-do-not-show-me-0123456789"


def settings_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "target_difficulties": ["Beginner"],
        "task_types": ["CodeAnalysis"],
        "max_concurrent_tasks": "2",
        "min_success_probability": "0.3",
        "min_time_left": "600",
        "check_interval": "60",
        "auto_submit": "on",
        "stake_fraction": "0.2",
        "max_locked_stake": "50",
        "max_stake_per_day": "120.5",
        "solver_kind": "openai",
        "solver_base_url": "http://127.0.0.1:11434/v1",
        "solver_model": "llama3.1",
        "api_key": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def member(use_devnode: DevnodeProcess) -> User:
    return make_member(use_devnode, "auto-miner")


@pytest.fixture
def signed_in(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


def test_it_needs_a_login(client: Client) -> None:
    assert client.get("/mining/auto/").status_code == 302


def test_it_stores_the_settings_with_the_api_key_encrypted(signed_in: Client, member: User) -> None:
    reply = signed_in.post("/mining/auto/", settings_form(api_key=SECRET))
    assert reply.status_code == 302
    config = AutoMiningConfig.objects.get(user=member)
    assert (config.max_concurrent_tasks, str(config.stake_fraction), config.task_types) == (
        2,
        "0.2000",
        ["CodeAnalysis"],
    )
    assert (config.max_locked_stake, config.max_stake_per_day) == (50 * 10**8, 12_050_000_000)
    assert SECRET not in config.encrypted_api_key
    assert decrypt_secret(config.encrypted_api_key) == SECRET


def test_the_api_key_is_never_shown_back(signed_in: Client) -> None:
    signed_in.post("/mining/auto/", settings_form(api_key=SECRET))
    pages = [
        signed_in.get("/mining/auto/"),
        signed_in.get("/mining/auto/status/"),
        signed_in.post("/mining/auto/", settings_form(api_key=SECRET, stake_fraction="7")),
        signed_in.post("/mining/auto/toggle/", {"enabled": "on"}, headers={"HX-Request": "true"}),
    ]
    for page in pages:
        assert SECRET not in page.content.decode()
    assert "An API key is stored" in pages[0].content.decode()


def test_an_empty_key_keeps_the_stored_one_and_remove_deletes_it(signed_in: Client, member: User) -> None:
    signed_in.post("/mining/auto/", settings_form(api_key=SECRET))
    signed_in.post("/mining/auto/", settings_form(solver_model="llama3.2"))
    config = AutoMiningConfig.objects.get(user=member)
    assert config.solver_model == "llama3.2"
    assert decrypt_secret(config.encrypted_api_key) == SECRET
    signed_in.post("/mining/auto/", settings_form(remove_api_key="on"))
    assert AutoMiningConfig.objects.get(user=member).encrypted_api_key == ""


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"solver_base_url": ""}, "solver_base_url", "needs the service's base URL"),
        ({"solver_model": ""}, "solver_model", "Name the model"),
        ({"solver_kind": "anthropic", "solver_base_url": ""}, "api_key", "needs an API key"),
        ({"stake_fraction": "1.5"}, "stake_fraction", "less than or equal to 1"),
        ({"min_success_probability": "-0.1"}, "min_success_probability", "greater than or equal to 0"),
        ({"max_locked_stake": "-5"}, "max_locked_stake", "Enter an amount in TOS"),
        ({"max_stake_per_day": "1.123456789"}, "max_stake_per_day", "at most 8 decimals"),
        ({"check_interval": "5"}, "check_interval", "greater than or equal to 10"),
        ({"max_concurrent_tasks": "0"}, "max_concurrent_tasks", "greater than or equal to 1"),
    ],
)
def test_bad_configs_are_refused_with_field_errors(
    signed_in: Client, member: User, changes: dict[str, str], field: str, words: str
) -> None:
    reply = signed_in.post("/mining/auto/", settings_form(**changes))
    assert reply.status_code == 400
    assert words in " ".join(reply.context["form"].errors[field])
    assert not AutoMiningConfig.objects.filter(user=member, solver_model="llama3.1").exists()


def test_an_anthropic_solver_defaults_to_the_public_api(signed_in: Client, member: User) -> None:
    form = settings_form(solver_kind="anthropic", solver_base_url="", solver_model="claude-x", api_key=SECRET)
    assert signed_in.post("/mining/auto/", form).status_code == 302
    from dashboard.services.autowork import solver_config

    solver = solver_config(AutoMiningConfig.objects.get(user=member))
    assert (solver.kind, solver.base_url, solver.api_key) == (
        "anthropic",
        "https://api.anthropic.com",
        SECRET,
    )


def test_turning_it_on_creates_one_beat_entry_at_the_interval_and_off_removes_it(
    signed_in: Client, member: User
) -> None:
    signed_in.post("/mining/auto/", settings_form(check_interval="30"))
    reply = signed_in.post("/mining/auto/toggle/", {"enabled": "on"}, headers={"HX-Request": "true"})
    assert reply.status_code == 200
    assert "Turn auto-mining off" in reply.content.decode()
    entry = PeriodicTask.objects.get(name=f"automine-user-{member.pk}")
    assert entry.task == "dashboard.tasks.automine_user"
    assert json.loads(entry.kwargs) == {"user_id": member.pk}
    assert entry.interval is not None
    assert (entry.interval.every, entry.interval.period) == (30, "seconds")
    signed_in.post("/mining/auto/", settings_form(check_interval="45"))
    assert PeriodicTask.objects.get(name=f"automine-user-{member.pk}").interval.every == 45
    reply = signed_in.post("/mining/auto/toggle/", {"enabled": ""}, headers={"HX-Request": "true"})
    assert "Turn auto-mining on" in reply.content.decode()
    assert not PeriodicTask.objects.filter(name=f"automine-user-{member.pk}").exists()
    assert not AutoMiningConfig.objects.get(user=member).enabled


def test_the_toggle_works_without_javascript(signed_in: Client, member: User) -> None:
    reply = signed_in.post("/mining/auto/toggle/", {"enabled": "on"})
    assert reply.status_code == 302
    assert reply["Location"] == "/mining/auto/"
    assert AutoMiningConfig.objects.get(user=member).enabled


def test_turning_it_on_without_a_node_account_is_refused(client: Client) -> None:
    user = with_roles(User.objects.create_user("no-account", password="a-long-passphrase"), "miner")
    client.force_login(user)
    reply = client.post("/mining/auto/toggle/", {"enabled": "on"}, follow=True)
    assert "Link a node account" in reply.content.decode()
    assert not PeriodicTask.objects.exists()


def test_the_status_shows_the_run_under_way_the_last_one_and_the_last_error_in_words(
    signed_in: Client, member: User
) -> None:
    last = AutoMiningRun.objects.create(
        user=member, trigger="schedule", state="failed", error="The node is unavailable."
    )
    current = AutoMiningRun.objects.create(user=member, trigger="event", summary="Looked at 3 active task(s)")
    AutoMiningStep.objects.create(run=current, message="Chose “A task”: stake 10 TOS, chance of winning 60%.")
    AutoMiningConfig.objects.create(user=member, last_error="The AI service is busy or failing (HTTP 503).")
    page = signed_in.get("/mining/auto/status/").content.decode()
    assert f"/mining/auto/runs/{current.pk}/" in page
    assert f"/mining/auto/runs/{last.pk}/" in page
    assert "Chose “A task”" in page
    assert "HTTP 503" in page
    assert 'hx-trigger="every 3s"' in page
    run_page = signed_in.get(f"/mining/auto/runs/{current.pk}/")
    assert run_page.status_code == 200
    assert "Chose “A task”" in run_page.content.decode()


def test_another_users_run_is_a_404(client: Client, member: User) -> None:
    run = AutoMiningRun.objects.create(user=member, trigger="schedule")
    stranger = with_roles(User.objects.create_user("stranger", password="a-long-passphrase"), "miner")
    client.force_login(stranger)
    assert client.get(f"/mining/auto/runs/{run.pk}/").status_code == 404
    assert client.get("/mining/auto/runs/999999/").status_code == 404
    # Their own settings page is theirs: nothing of the other miner's config shows.
    AutoMiningConfig.objects.update_or_create(user=member, defaults={"solver_model": "secret-model-name"})
    assert "secret-model-name" not in client.get("/mining/auto/").content.decode()


def test_in_production_a_solver_url_into_the_servers_networks_is_refused_beside_the_field(
    signed_in: Client, member: User, settings: Any
) -> None:
    settings.SOLVER_ALLOW_LOOPBACK = False
    for url in ("http://127.0.0.1:6379/", "http://169.254.169.254/latest", "http://localhost:8545/"):
        reply = signed_in.post("/mining/auto/", settings_form(solver_base_url=url))
        assert reply.status_code == 400, url
        assert "which auto-mining may not call" in " ".join(reply.context["form"].errors["solver_base_url"])
    assert not AutoMiningConfig.objects.filter(user=member, solver_model="llama3.1").exists()


def test_the_allow_list_lets_a_model_server_on_this_host_be_saved(
    signed_in: Client, member: User, settings: Any
) -> None:
    from dashboard.egress import parse_allowed_targets

    settings.SOLVER_ALLOW_LOOPBACK = False
    settings.SOLVER_ALLOWED_ADDRESSES = parse_allowed_targets(
        "TOS_SOLVER_ALLOWED_ADDRESSES", ["127.0.0.1:11434"]
    )
    assert signed_in.post("/mining/auto/", settings_form()).status_code == 302


def test_a_submitted_row_says_what_the_participations_page_says(signed_in: Client, member: User) -> None:
    task = cached_task(
        status="InProgress",
        details={"submissions": [{"submitter": address_of(member), "validations": [{"quality_score": 80}]}]},
    )
    AutoParticipation.objects.create(
        user=member,
        task_id=task.task_id,
        title=task.title,
        stake=TOS,
        state=AutoParticipation.State.SUBMITTED,
    )

    html = signed_in.get("/mining/auto/").content.decode()

    row = html.split(f'id="auto-{task.task_id}"', 1)[1].split("</tr>", 1)[0]
    assert '<span class="state state-validated">validated</span>' in row
