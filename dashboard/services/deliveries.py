"""Sending notifications by e-mail and to webhooks: one `Delivery` row each, worked on by Celery.

How a delivery stays once per endpoint and never holds anyone else up:
- one row per notification, channel and target (a unique constraint), so a duplicate event or a second
  pass makes no second delivery;
- a worker claims the row with a compare-and-set on its lease; a killed worker's lease runs out and the
  sweep hands the row to another; a delivered row is never sent again;
- every attempt of a row carries the same `X-TOS-Delivery` id, so a receiver that answered but whose
  answer was lost (a timeout, a killed worker) can tell a repeat from a new event;
- the calls have short timeouts (TOS_WEBHOOK_TIMEOUT), one endpoint has at most one call in flight, and an endpoint that just
  failed is left alone until its backoff has passed: its other deliveries wait without taking a worker
  thread, so a slow or dead endpoint delays only its own deliveries. The queue (`notifications`) has a
  worker of its own (threads: the calls are network waits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone

from dashboard import egress
from dashboard.models import Delivery, Notification, NotificationSettings
from dashboard.services.notifications import webhook_secret

logger = logging.getLogger(__name__)

#: Attempts of one delivery before it is given up, and the wait after each failed one (seconds).
MAX_ATTEMPTS = 8
BACKOFF_SECONDS = (10, 30, 120, 600, 1800, 3600, 3600)


def lease_seconds() -> int:
    """How long a worker holds a claimed delivery (TOS_DELIVERY_LEASE_SECONDS; longer than any call)."""
    return int(settings.TOS_DELIVERY_LEASE_SECONDS)


def timeouts() -> httpx.Timeout:
    """A webhook call's limits: TOS_WEBHOOK_TIMEOUT seconds to answer, less to connect."""
    read = float(settings.TOS_WEBHOOK_TIMEOUT)
    return httpx.Timeout(connect=min(3.0, read), read=read, write=read, pool=2.0)


#: How long a delivery waits when its endpoint has a call in flight already.
BUSY_DELAY = 2.0
SIGNATURE_HEADER = "X-TOS-Signature"
TIMESTAMP_HEADER = "X-TOS-Timestamp"
DELIVERY_HEADER = "X-TOS-Delivery"


class Transient(Exception):
    """The attempt failed in a way a later one may not: try again after the backoff."""


class Permanent(Exception):
    """The attempt failed for good (the endpoint refused it, the address is not allowed)."""


@dataclass(frozen=True)
class Outcome:
    """What became of one try: done (sent or given up), or to be tried again after `retry_in` seconds."""

    state: str
    retry_in: float | None = None
    message: str = ""


def backoff(attempts: int) -> float:
    """The wait after the `attempts`-th failed attempt."""
    return float(BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def claim(delivery_id: int, now: dt.datetime) -> Delivery | None:
    """Take the delivery if it is due and nobody holds it (compare-and-set); None otherwise."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = (
        Delivery.objects.filter(
            pk=delivery_id,
            state__in=(Delivery.State.PENDING, Delivery.State.SENDING),
            next_attempt_at__lte=now,
        )
        .filter(free)
        .update(
            state=Delivery.State.SENDING,
            lease_until=now + dt.timedelta(seconds=lease_seconds()),
            attempts=F("attempts") + 1,
        )
    )
    if not taken:
        return None
    return Delivery.objects.select_related("notification").get(pk=delivery_id)


def _endpoint_key(target: str, what: str) -> str:
    return f"tosweb:delivery:{what}:{hashlib.sha256(target.encode()).hexdigest()[:32]}"


def deliver(delivery_id: int) -> Outcome:
    """Try one delivery now: sent, given up, or to be tried again (the row says which and why)."""
    now = timezone.now()
    row = Delivery.objects.filter(pk=delivery_id).values_list("state", "target", "next_attempt_at").first()
    if row is None or row[0] in (Delivery.State.DELIVERED, Delivery.State.FAILED):
        return Outcome(row[0] if row else "gone")
    state, target, due = row
    if due > now:
        return Outcome(state, retry_in=(due - now).total_seconds())
    resting = _ttl(_endpoint_key(target, "resting"))
    if resting:
        # The endpoint failed a moment ago: its deliveries wait for its backoff without a call each.
        Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING).update(
            next_attempt_at=now + dt.timedelta(seconds=resting)
        )
        return Outcome(state, retry_in=resting)
    busy = _endpoint_key(target, "busy")
    if not _take_slot(busy):
        return Outcome(state, retry_in=BUSY_DELAY)
    try:
        delivery = claim(delivery_id, now)
        if delivery is None:
            return Outcome(state)  # another worker has it, or it is done
        try:
            status = _send(delivery)
        except Permanent as exc:
            _finish(delivery, Delivery.State.FAILED, error=str(exc))
            return Outcome(Delivery.State.FAILED, message=str(exc))
        except Transient as exc:
            return _failed_attempt(delivery, str(exc))
        _finish(delivery, Delivery.State.DELIVERED, status=status)
        return Outcome(Delivery.State.DELIVERED)
    finally:
        _free_slot(busy)


def _failed_attempt(delivery: Delivery, words: str) -> Outcome:
    if delivery.attempts >= MAX_ATTEMPTS:
        _finish(delivery, Delivery.State.FAILED, error=f"gave up after {delivery.attempts} attempts: {words}")
        return Outcome(Delivery.State.FAILED, message=words)
    wait = backoff(delivery.attempts)
    Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.SENDING).update(
        state=Delivery.State.PENDING,
        lease_until=None,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=wait),
        last_error=words[:300],
        last_status=_status_of(words),
    )
    _rest(_endpoint_key(delivery.target, "resting"), wait)
    return Outcome(Delivery.State.PENDING, retry_in=wait, message=words)


def _status_of(words: str) -> int | None:
    head = words.split(" ", 2)
    return int(head[1]) if len(head) > 1 and head[0] == "HTTP" and head[1].isdigit() else None


def _finish(delivery: Delivery, state: str, *, status: int | None = None, error: str = "") -> None:
    Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.SENDING).update(
        state=state,
        lease_until=None,
        last_status=status,
        last_error=error[:300],
        delivered_at=timezone.now() if state == Delivery.State.DELIVERED else None,
    )


def _send(delivery: Delivery) -> int | None:
    if delivery.channel == Delivery.Channel.EMAIL:
        _send_email(delivery)
        return None
    return _send_webhook(delivery)


def absolute(url: str) -> str:
    return f"{settings.TOS_PUBLIC_URL.rstrip('/')}{url}" if url.startswith("/") else url


def _send_email(delivery: Delivery) -> None:
    notification = delivery.notification
    lines = [notification.body] if notification.body else []
    if notification.url:
        lines.append(f"See {absolute(notification.url)}")
    lines.append(f"Choose what you hear about at {absolute('/notifications/settings/')}.")
    try:
        send_mail(
            notification.title,
            "\n\n".join(lines),
            settings.DEFAULT_FROM_EMAIL,
            [delivery.target],
            fail_silently=False,
        )
    except Exception as exc:  # SMTP errors, refused connections: the mail server may be back later
        raise Transient(f"the mail server did not take it: {type(exc).__name__}: {exc}"[:300]) from exc


def webhook_body(notification: Notification, delivery_id: int) -> bytes:
    """The JSON a webhook receives (the same bytes on every attempt of one delivery)."""
    payload: dict[str, Any] = {
        "id": f"delivery-{delivery_id}",
        "notification_id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": absolute(notification.url) if notification.url else "",
        "event_seq": notification.event_seq,
        "created_at": notification.created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` and the HMAC-SHA256 of "<timestamp>.<body>" under the webhook's secret, in hex."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


WEBHOOK = {"what": "the webhook", "caller": "notifications"}


def check_webhook_url(url: str) -> str:
    """Words saying why this URL cannot take webhooks here ("" when it can): HTTPS in production, and never
    an address inside the dashboard's own networks (the same rule as auto-mining's AI services)."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "Enter an http:// or https:// address."
    if settings.PRODUCTION and parsed.scheme != "https":
        return "Webhooks are sent over HTTPS only: enter an https:// address."
    try:
        egress.check_url(url, **WEBHOOK)
    except egress.ForbiddenTarget as exc:
        return f"{str(exc)[0].upper()}{str(exc)[1:]}."
    return ""


def _send_webhook(delivery: Delivery) -> int:
    refusal = check_webhook_url(delivery.target)
    if refusal:
        raise Permanent(refusal)
    owner = NotificationSettings.objects.filter(user_id=delivery.notification.user_id).first()
    secret = webhook_secret(owner) if owner else ""
    if not secret:
        raise Permanent("the webhook has no signing secret any more (its address was removed)")
    body = webhook_body(delivery.notification, delivery.pk)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "TOS-AI-Dashboard-Webhooks/1",
        DELIVERY_HEADER: f"delivery-{delivery.pk}",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    try:
        # Resolved and checked at every call, and connected to that very address (a name may change).
        target = egress.pin(delivery.target, **WEBHOOK)
    except egress.ForbiddenTarget as exc:
        raise Permanent(str(exc)) from exc
    except egress.Unresolvable as exc:
        raise Transient(str(exc)) from exc
    try:
        # trust_env=False: no HTTP(S)_PROXY, the connection goes to the address just checked.
        with httpx.Client(timeout=timeouts(), trust_env=False) as http:
            answer = http.post(
                target.url, content=body, headers={**headers, **target.headers}, extensions=target.extensions
            )
    except httpx.TimeoutException as exc:
        raise Transient(f"no answer in time ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise Transient(f"could not reach it: {type(exc).__name__}: {exc}"[:300]) from exc
    if 200 <= answer.status_code < 300:
        return answer.status_code
    if answer.status_code in (408, 425, 429) or answer.status_code >= 500:
        raise Transient(f"HTTP {answer.status_code} from the endpoint")
    raise Permanent(f"HTTP {answer.status_code} from the endpoint: it refused the delivery")


def due(now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries due now that nobody holds (new ones, retries, a killed worker's): the sweep's work."""
    now = now or timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    rows = Delivery.objects.filter(
        state__in=(Delivery.State.PENDING, Delivery.State.SENDING), next_attempt_at__lte=now
    ).filter(free)
    return list(rows.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


# --- per-endpoint slots in Redis (a cache outage only loses the isolation, never a delivery) --------


def _take_slot(key: str) -> bool:
    try:
        return bool(cache.add(key, 1, timeout=lease_seconds()))
    except Exception:
        return True


def _free_slot(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        logger.debug("could not free the delivery slot %s", key)


def _rest(key: str, seconds: float) -> None:
    try:
        cache.set(key, time.time() + seconds, timeout=max(1, int(seconds)))
    except Exception:
        logger.debug("could not note that %s is resting", key)


def _ttl(key: str) -> float:
    try:
        until = cache.get(key)
    except Exception:
        return 0.0
    return max(0.0, float(until) - time.time()) if until else 0.0
