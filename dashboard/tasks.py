"""Celery tasks: thin wrappers that take ids, call the auto-mining services and retry transient failures.

Two queues (settings.CELERY_TASK_ROUTES): `mining` for choosing, joining and submitting (quick node calls)
and `solving` for the miners' AI services, each with its own worker process, so that one user's slow AI
service never delays anyone's joining.
"""

from __future__ import annotations

from celery import shared_task
from celery.app.task import Task as CeleryTask
from celery.contrib.django.task import DjangoTask

from dashboard.jobs import NOTIFICATIONS_QUEUE
from dashboard.models import AutoMiningRun
from dashboard.services import automining, autowork, deliveries, network, notifications
from dashboard.services.runlog import TryAgain

#: Retries of one participation's work before it waits for the miner's next scheduled check.
WORK_RETRIES = 6
CYCLE_RETRIES = 3


@shared_task(base=DjangoTask, bind=True, acks_late=True, ignore_result=True, max_retries=CYCLE_RETRIES)
def automine_user(self: CeleryTask, user_id: int, trigger: str = AutoMiningRun.Trigger.SCHEDULE) -> None:
    """One auto-mining check for one miner: resume unfinished work, choose tasks, start work on them."""
    try:
        cycle = automining.run_cycle(user_id, trigger, attempt=self.request.retries)
    except TryAgain as exc:
        if trigger == AutoMiningRun.Trigger.SCHEDULE:
            return  # the next scheduled check is the backoff
        raise self.retry(countdown=exc.delay) from exc
    for participation_id in cycle.work:
        work_participation.delay_on_commit(participation_id=participation_id)


@shared_task(base=DjangoTask, acks_late=True, ignore_result=True)
def match_published_tasks(task_ids: list[str]) -> None:
    """Tasks were published: offer them to every enabled miner at once (one task per batch of events)."""
    for participation_id in automining.match_published(task_ids):
        work_participation.delay_on_commit(participation_id=participation_id)


@shared_task(base=DjangoTask, bind=True, acks_late=True, ignore_result=True, max_retries=WORK_RETRIES)
def work_participation(self: CeleryTask, participation_id: int) -> None:
    """Join (or submit) one claimed task, then hand it to the solving queue; transient failures retry with
    backoff, a bounded number of times. No AI call runs here: joining never waits behind anyone's solver."""
    retries = self.request.retries
    try:
        needs_solver = autowork.work(participation_id, attempt=retries, last_attempt=retries >= WORK_RETRIES)
    except TryAgain as exc:
        raise self.retry(countdown=exc.delay) from exc
    if needs_solver:
        solve_participation.delay(participation_id=participation_id)


@shared_task(base=DjangoTask, bind=True, acks_late=True, ignore_result=True, max_retries=WORK_RETRIES)
def solve_participation(self: CeleryTask, participation_id: int) -> None:
    """On the solving queue: ask the miner's AI service for a solution (at most a few calls per user at
    once), then submit it; transient failures retry with backoff, a bounded number of times."""
    retries = self.request.retries
    try:
        autowork.work(participation_id, attempt=retries, last_attempt=retries >= WORK_RETRIES, solving=True)
    except autowork.SolverBusy as busy:
        # Not a failure: the user's other calls are still under way. Asked again later, retries untouched.
        solve_participation.apply_async(kwargs={"participation_id": participation_id}, countdown=busy.delay)
    except TryAgain as exc:
        raise self.retry(countdown=exc.delay) from exc


# --- the network figures and notifications ---------------------------------------------------------


@shared_task(base=DjangoTask, acks_late=True, ignore_result=True, queue=NOTIFICATIONS_QUEUE)
def deliver_notification(delivery_id: int) -> None:
    """Send one e-mail or webhook delivery; a failed attempt is tried again after its backoff."""
    outcome = deliveries.deliver(delivery_id)
    if outcome.retry_in is not None:
        deliver_notification.apply_async(kwargs={"delivery_id": delivery_id}, countdown=outcome.retry_in)


@shared_task(base=DjangoTask, acks_late=True, ignore_result=True, queue=NOTIFICATIONS_QUEUE)
def sweep_deliveries() -> None:
    """Hand every due delivery nobody holds to the queue again (retries, lost messages, killed workers)."""
    for delivery_id in deliveries.due():
        deliver_notification.delay(delivery_id=delivery_id)


@shared_task(base=DjangoTask, acks_late=True, ignore_result=True)
def check_notification_conditions() -> None:
    """Auto-mining failing or stopped for minutes, balances too low for it: notify once per episode."""
    notifications.check_conditions()


@shared_task(base=DjangoTask, acks_late=True, ignore_result=True)
def count_network_events() -> None:
    """Take every stored event the network figures do not count yet into account (a first start, a gap)."""
    network.catch_up()
