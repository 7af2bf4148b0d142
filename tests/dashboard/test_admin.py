"""The operators' admin: every page renders for staff, refuses everyone else, and changes nothing it must not."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask
from pytest_django.fixtures import Settings as SettingsWrapper

from dashboard import schedules
from dashboard.models import (
    AutoMiningConfig,
    AutoMiningStep,
    NodeAccount,
    PublishRequest,
    RelayCursor,
    UnstoredEvent,
)
from tests.support.devnode import free_port
from tests.support.factories import (
    TOS,
    make_credit,
    make_event,
    make_miner,
    make_participation,
    make_run,
    make_task,
)

pytestmark = pytest.mark.django_db

DASHBOARD_MODELS = [model for model in admin.site._registry if model._meta.app_label == "dashboard"]


@pytest.fixture(autouse=True)
def offline(settings: SettingsWrapper, fresh_node_status: None) -> None:
    """Nothing listens where the node and Redis would be: the admin needs neither."""
    settings.TOS_NODE_URL = f"http://127.0.0.1:{free_port()}"
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def rows() -> dict[type[Model], Model]:
    """One row of every model the admin shows."""
    user, account, config = make_miner("miner")
    run = make_run(user, summary="joined 1 task")
    AutoMiningStep.objects.create(run=run, message="joined the task")
    credit = make_credit(account.address, 12 * TOS)
    found: dict[type[Model], Model] = {
        type(row): row
        for row in (
            user.profile,
            account,
            config,
            run,
            make_participation(user, run=run),
            make_task(),
            make_event("task_published", task_id="b" * 64),
            credit.credit,
            PublishRequest.objects.create(user=user, state=PublishRequest.State.FAILED, error="node down"),
            UnstoredEvent.objects.create(
                seq=41, raw='{"seq": 41, "data": {"amount": "1e40"}}', error="no column holds it"
            ),
            RelayCursor.objects.create(seq=7),
        )
    }
    return found


def admin_url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def operator(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("operator", password="a-long-passphrase"))
    return client


def test_the_admin_shows_the_models_people_look_at() -> None:
    names = {model.__name__ for model in DASHBOARD_MODELS}
    assert {"NodeAccount", "Task", "NodeEvent", "Credit", "AutoMiningConfig"} <= names
    assert {"AutoMiningRun", "AutoParticipation", "PublishRequest", "UnstoredEvent", "RelayCursor"} <= names
    assert User in admin.site._registry


@pytest.mark.usefixtures("rows")
@pytest.mark.parametrize("model", DASHBOARD_MODELS, ids=lambda model: model.__name__)
def test_every_list_renders_for_an_operator(operator: Client, model: type[Model]) -> None:
    reply = operator.get(admin_url(model, "changelist"))
    assert reply.status_code == 200
    assert reply.context["cl"].result_count >= 1


def test_every_row_renders_and_no_secret_is_shown(operator: Client, rows: dict[type[Model], Model]) -> None:
    account = NodeAccount.objects.get()
    AutoMiningConfig.objects.filter(user=account.user).update(encrypted_api_key="stored-api-key-ciphertext")
    for model in DASHBOARD_MODELS:
        row = rows[model]
        reply = operator.get(admin_url(model, "change", row.pk))
        assert reply.status_code == 200, model
        assert account.encrypted_private_key not in reply.content.decode()
        assert "stored-api-key-ciphertext" not in reply.content.decode()
    user_page = operator.get(reverse("admin:auth_user_change", args=[account.user_id]))
    assert account.address in user_page.content.decode()


@pytest.mark.parametrize("model", DASHBOARD_MODELS, ids=lambda model: model.__name__)
def test_nothing_the_node_or_a_service_owns_is_added_or_deleted_here(
    operator: Client, rows: dict[type[Model], Model], model: type[Model]
) -> None:
    row = rows[model]
    assert operator.get(admin_url(model, "add")).status_code == 403
    assert operator.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    before = model._default_manager.count()
    operator.post(admin_url(model, "change", row.pk), {})
    assert model._default_manager.count() == before


def test_an_operator_turns_a_miners_auto_mining_off_through_the_service(operator: Client) -> None:
    user, _, config = make_miner("busy")
    schedules.schedule_user(user.pk, config.check_interval)
    reply = operator.post(
        admin_url(AutoMiningConfig, "changelist"),
        {"action": "turn_off", "_selected_action": [config.pk]},
        follow=True,
    )
    assert reply.status_code == 200
    assert "Auto-mining turned off for 1 miner(s)." in reply.content.decode()
    config.refresh_from_db()
    assert not config.enabled
    assert not PeriodicTask.objects.filter(name=schedules.entry_name(user.pk)).exists()


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_the_admin_refuses_people_who_are_not_staff(client: Client, who: str) -> None:
    if who == "member":
        client.force_login(User.objects.create_user("member", password="a-long-passphrase"))
    for url in ["/admin/", admin_url(NodeAccount, "changelist"), admin_url(User, "changelist")]:
        reply = client.get(url)
        assert reply.status_code == 302, url
        assert reply["Location"].startswith("/admin/login/"), url


def test_staff_see_only_what_they_were_given_the_view_permission_for(client: Client) -> None:
    staff = User.objects.create_user("staff", password="a-long-passphrase", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_task"))
    client.force_login(staff)
    make_task()
    assert client.get(admin_url(NodeAccount, "changelist")).status_code == 403
    assert client.get(admin_url(AutoMiningConfig, "changelist")).status_code == 403
    tasks = client.get(admin_url(make_task().__class__, "changelist"))
    assert tasks.status_code == 200
    assert "turn_off" not in tasks.content.decode()


def test_staff_without_the_change_permission_cannot_turn_auto_mining_off(client: Client) -> None:
    staff = User.objects.create_user("viewer", password="a-long-passphrase", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_autominingconfig"))
    client.force_login(staff)
    _, _, config = make_miner("kept-on")
    page = client.get(admin_url(AutoMiningConfig, "changelist"))
    assert page.status_code == 200
    assert "turn_off" not in page.content.decode()
    client.post(
        admin_url(AutoMiningConfig, "changelist"), {"action": "turn_off", "_selected_action": [config.pk]}
    )
    config.refresh_from_db()
    assert config.enabled
