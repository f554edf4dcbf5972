"""Sending events: e-mail to officials who opted in, Standard Webhooks to the body's endpoints. This is
D-Sure's own outbox (D-Sure is a separate service; it does not borrow the surety company's).

Each delivery is its own task, enqueued after the commit that created it: a slow or failing endpoint
holds up only its own delivery (every request has a short timeout), never another's. A failed attempt
is scheduled again with backoff (the schedule the Standard Webhooks specification suggests); after the
last one the delivery is marked failed and waits for the operator's 再送 in the admin. A delivery is
claimed with one conditional UPDATE before anything is sent, so two workers never send it together,
and no database transaction stays open during the HTTP request. Every attempt is logged.
"""

import datetime
import json
import logging
import time

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from standardwebhooks.webhooks import Webhook

import audit
from common import encryption
from common.plain_text import render_plain_text
from dsure.models import Delivery, DeliveryAttempt
from dsure.webhook_urls import INTERNAL_ADDRESS, webhook_destination_problem

logger = logging.getLogger(__name__)

# Waits after the 1st, 2nd … failed attempt; after the last, the delivery is failed (8 attempts in all).
RETRY_SCHEDULE = [
    datetime.timedelta(seconds=5),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=5),
    datetime.timedelta(hours=10),
    datetime.timedelta(hours=10),
]
# A claimed delivery whose worker died becomes due again after this long.
CLAIM_LEASE = datetime.timedelta(minutes=2)
WEBHOOK_TIMEOUT = (3.05, 10)  # seconds: connect, read


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    """Send each delivery in its own task once the current transaction has committed."""
    for delivery_id in delivery_ids:
        transaction.on_commit(lambda delivery_id=delivery_id: deliver_task.enqueue(delivery_id=delivery_id))


@task
def deliver_task(*, delivery_id: int) -> None:
    delivery_attempt(delivery_id=delivery_id)


def delivery_attempt(*, delivery_id: int) -> bool | None:
    """One attempt of a due delivery: True delivered, False failed (retried later or marked failed),
    None when it was not due or another worker holds it."""
    claimed_at = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, state=Delivery.State.PENDING, next_attempt_at__lte=claimed_at
    ).update(next_attempt_at=claimed_at + CLAIM_LEASE)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related(
        "event__certificate", "endpoint__api_client", "official__user", "official__body"
    ).get(pk=delivery_id)
    refusal = _recipient_refusal(delivery)
    started = time.monotonic()
    response_status, error = (None, refusal) if refusal else _send(delivery)
    duration_ms = round((time.monotonic() - started) * 1000)
    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, at=now, response_status=response_status, error=error, duration_ms=duration_ms
        )
        delivery.attempts += 1
        delivery.last_error = error
        if not error:
            delivery.state, delivery.delivered_at = Delivery.State.DELIVERED, now
        elif refusal or delivery.attempts > len(RETRY_SCHEDULE):
            delivery.state = Delivery.State.FAILED
        else:
            delivery.next_attempt_at = now + RETRY_SCHEDULE[delivery.attempts - 1]
        delivery.save(update_fields=["attempts", "last_error", "state", "delivered_at", "next_attempt_at"])
    if error:
        logger.warning("delivery failed id=%s attempt=%s error=%s", delivery.pk, delivery.attempts, error)
        if delivery.state == Delivery.State.PENDING and default_task_backend.supports_defer:
            deliver_task.using(run_after=delivery.next_attempt_at).enqueue(delivery_id=delivery.pk)
    return not error


def deliveries_due(*, limit: int = 200) -> int:
    """The sweeper (`manage.py dsure_deliver`, every minute from cron): attempts what is due — retries
    when the task backend cannot defer, and deliveries left by a crashed worker. Returns how many."""
    due = Delivery.objects.filter(
        state=Delivery.State.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:limit]
    return sum(delivery_attempt(delivery_id=pk) is not None for pk in list(due))


def delivery_resend(*, delivery: Delivery, by) -> None:
    """The operator's 再送: the same event, under the same webhook-id, with a fresh round of attempts."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
        )
        audit.record(
            action="dsure.delivery.resend",
            summary="通知を再送",
            obj=delivery,
            by=by,
            event=str(delivery.event.public_id),
        )
        deliveries_enqueue([delivery.pk])


def _recipient_refusal(delivery: Delivery) -> str:
    """Why the recipient may no longer have the body's event ("" when it may). Checked at every attempt,
    the operator's 再送 included: an official moves to another body, an account or a client is cut off
    after the event was queued. Such a delivery fails at once; no retry would make it right."""
    event_body_id = delivery.event.body_id
    if delivery.endpoint_id is not None:
        endpoint = delivery.endpoint
        if endpoint.disabled_at is not None:
            return "Webhook送信先が停止されています。"
        if endpoint.api_client.revoked_at is not None:
            return "APIクライアントが失効しています。"
        if endpoint.api_client.body_id != event_body_id:
            return "APIクライアントが別の発注機関のものです。"
        return ""
    official = delivery.official
    if official.body_id != event_body_id:
        return "職員が別の発注機関に移りました。"
    if not official.user.is_active:
        return "職員のアカウントが無効です。"
    if not official.notify_by_email:
        return "職員がメールでの通知を止めました。"
    return ""


def _send(delivery: Delivery) -> tuple[int | None, str]:
    """(HTTP status or None, error or "")."""
    try:
        if delivery.endpoint_id is not None:
            return _post_webhook(delivery)
        _mail_notice(delivery)
        return None, ""
    except Exception as error:  # noqa: BLE001 — any failure of the transport is retried
        return None, type(error).__name__[:200]


def webhook_body(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def webhook_headers(*, secret: str, message_id: str, body: str, at: datetime.datetime) -> dict[str, str]:
    """The three Standard Webhooks headers. The timestamp is the attempt's, so a retry is signed anew
    (and a stale delivery fails the receiver's 5-minute tolerance); the id stays the event's."""
    at = at.astimezone(datetime.UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body),
    }


def _pinned_session() -> HTTPSession:
    """A session that resolves the host once, refuses a private or loopback answer and connects to that
    very address (TLS still verified against the host name): a name that answers a public address to
    webhook_destination_problem and an internal one a moment later (DNS rebinding) reaches nothing."""
    return HTTPSession(
        Config(
            ip_filter_enable=True,
            ip_filter_allow_loopback_ips=settings.DEBUG,  # the local receiver webhook_url_problem allows
            never_redirect=True,
            default_timeout=WEBHOOK_TIMEOUT,
        )
    )


def _post_webhook(delivery: Delivery) -> tuple[int | None, str]:
    endpoint = delivery.endpoint
    problem = webhook_destination_problem(endpoint.url)
    if problem:
        return None, problem
    body = webhook_body(delivery.event.payload)
    headers = webhook_headers(
        secret=encryption.decrypt(endpoint.secret_ciphertext),
        message_id=delivery.event.message_id,
        body=body,
        at=timezone.now(),
    )
    try:
        with _pinned_session() as session:
            response = session.post(
                endpoint.url,
                data=body.encode(),
                headers={
                    **headers,
                    "Content-Type": "application/json",
                    "User-Agent": "D-Sure-simulator-webhooks",
                },
                timeout=WEBHOOK_TIMEOUT,
                allow_redirects=False,
            )
    except InvalidIPAddress:
        return None, INTERNAL_ADDRESS
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}"


def _mail_notice(delivery: Delivery) -> None:
    event, official = delivery.event, delivery.official
    context = {
        "event": event,
        "body_name": official.body.name,
        "notices_url": f"{settings.SITE_URL}/dsure/notices/",
    }
    EmailMessage(
        subject=render_plain_text("emails/dsure_notice_subject.txt", context).strip(),
        body=render_plain_text("emails/dsure_notice_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[official.user.email],
    ).send()
