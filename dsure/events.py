"""What D-Sure tells an ordering body after its officials have looked a certificate up: 変更, 訂正,
変更取消, 取消, an approaching 保証期限 (30 and 7 days) and its passing (期限切れ).

An event is raised once per certificate and cause (`CertificateEvent.dedup_key`), and only for a
certificate in its body's inbox (looked up once with the key by an official or an API client of the
body). Raising it queues, in the same transaction, one delivery per official who opted into e-mail and
one per webhook endpoint of the body that subscribed to the kind (`dsure.deliveries` sends them after
commit). Nobody outside the body is ever a recipient. docs/dsure-notices.md describes the whole.
"""

import datetime

from django.db import transaction
from django.utils import timezone

import audit
from common.certificates import EXPIRING_WITHIN, certificate_status, current_content, current_entry
from dsure.deliveries import deliveries_enqueue
from dsure.models import (
    Certificate,
    CertificateEvent,
    Delivery,
    NoticeRead,
    Official,
    PostedVersion,
    WebhookEndpoint,
)
from dsure.selectors import api_status

EXPIRING_SOON = datetime.timedelta(days=7)

POSTING_EVENTS = {
    PostedVersion.Kind.CHANGE: CertificateEvent.Kind.CHANGED,
    PostedVersion.Kind.CORRECTION: CertificateEvent.Kind.CORRECTED,
    PostedVersion.Kind.CANCELLATION: CertificateEvent.Kind.CHANGE_CANCELLED,
}
SPECIMEN = "見本: 電子保証シミュレーターの通知です。実際の保証証書の通知ではありません。"


def event_type(kind: str) -> str:
    """The Standard Webhooks `type` of an event kind, e.g. certificate.changed."""
    return f"certificate.{kind}"


def certificate_event_raise(
    *, certificate: Certificate, kind: str, dedup_key: str
) -> CertificateEvent | None:
    """Raise one event for the certificate's body, at most once per `dedup_key`; None when the certificate
    is not in the body's inbox or the event was raised before. Call it inside the transaction that made
    the change, so that the event and its deliveries exist exactly when the change does."""
    if certificate.first_viewed_at is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        event, created = CertificateEvent.objects.get_or_create(
            certificate=certificate,
            dedup_key=dedup_key,
            defaults={
                "body_id": certificate.body_id,
                "kind": kind,
                "occurred_at": now,
                "payload": _payload(certificate, kind=kind, now=now),
            },
        )
        if not created:
            return None
        _queue_deliveries(event)
    return event


def _payload(certificate: Certificate, *, kind: str, now: datetime.datetime) -> dict:
    """The message webhooks carry: the number, the event, the status, the current version and times. No
    key, no digest, and no content beyond the 保証期限 (the body's system verifies for the rest)."""
    versions = list(certificate.versions.all())
    current = current_entry(versions)
    content = current_content(versions)
    status = certificate_status(
        content, today=timezone.localdate(now), revoked=certificate.revoked_at is not None
    )
    return {
        "type": event_type(kind),
        "timestamp": now.isoformat(),
        "data": {
            "specimen": SPECIMEN,
            "number": certificate.number,
            "event": kind,
            "status": api_status(status),
            "version": {
                "no": current.number,
                "kind": current.entry.kind,
                "change_no": current.change_no,
                "posted_at": timezone.localtime(current.shown.posted_at).isoformat(),
            }
            if current
            else None,
            "guarantee_deadline": content.get("guarantee_deadline", ""),
            "occurred_at": timezone.localtime(now).isoformat(),
        },
    }


def _queue_deliveries(event: CertificateEvent) -> None:
    officials = Official.objects.filter(
        body_id=event.body_id, notify_by_email=True, user__is_active=True
    ).exclude(user__email="")
    # A body has a handful of endpoints: the subscription is checked here rather than in JSON SQL
    # (which SQLite lacks).
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            api_client__body_id=event.body_id, api_client__revoked_at__isnull=True, disabled_at__isnull=True
        )
        if event.kind in endpoint.event_kinds
    ]
    deliveries = Delivery.objects.bulk_create(
        [Delivery(event=event, official=official) for official in officials]
        + [Delivery(event=event, endpoint=endpoint) for endpoint in endpoints]
    )
    deliveries_enqueue([delivery.pk for delivery in deliveries])


# --- The hooks: what happened to a certificate ------------------------------------------------------


def certificate_posted(*, certificate: Certificate, posted: PostedVersion) -> None:
    """A version was posted: keep the 保証期限 current and, for a 変更 / 訂正 / 変更取消, raise the event."""
    deadline = _deadline(current_content(certificate.versions.all()))
    if deadline != certificate.guarantee_deadline:
        certificate.guarantee_deadline = deadline
        if deadline is not None and deadline >= timezone.localdate():
            certificate.expired_at = None
        Certificate.objects.filter(pk=certificate.pk).update(
            guarantee_deadline=deadline, expired_at=certificate.expired_at
        )
    kind = POSTING_EVENTS.get(posted.kind)
    if kind is not None:
        certificate_event_raise(certificate=certificate, kind=kind, dedup_key=f"version:{posted.sequence}")


def certificate_revoked(*, certificate: Certificate) -> None:
    certificate_event_raise(certificate=certificate, kind=CertificateEvent.Kind.REVOKED, dedup_key="revoked")


def _deadline(content: dict) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(content.get("guarantee_deadline") or "")
    except ValueError:
        return None


# --- The daily task --------------------------------------------------------------------------------


def certificates_expire(*, today: datetime.date | None = None) -> int:
    """The daily task (`manage.py dsure_expire`). `today` is the date in Japan. Moves certificates whose
    保証期限 is past to 期限切れ (`expired_at`) and raises 期限切れ; raises the reminder for those whose
    保証期限 is within 7, else within 30 days. Running it twice a day, or after a missed day, raises
    nothing twice. Returns how many certificates it moved to 期限切れ."""
    today = today or timezone.localdate()
    live = Certificate.objects.filter(revoked_at__isnull=True)
    expired = 0
    for certificate in live.filter(expired_at__isnull=True, guarantee_deadline__lt=today):
        with transaction.atomic():
            if not Certificate.objects.filter(pk=certificate.pk, expired_at__isnull=True).update(
                expired_at=timezone.now()
            ):
                continue
            expired += 1
            certificate_event_raise(
                certificate=certificate,
                kind=CertificateEvent.Kind.EXPIRED,
                dedup_key=f"expired:{certificate.guarantee_deadline}",
            )
            audit.record(
                action="dsure.certificate.expire",
                summary="保証期限を過ぎたため期限切れ",
                obj=certificate,
                number=certificate.number,
                guarantee_deadline=certificate.guarantee_deadline.isoformat(),
            )
    expiring = live.filter(
        first_viewed_at__isnull=False,
        guarantee_deadline__gte=today,
        guarantee_deadline__lte=today + EXPIRING_WITHIN,
    )
    for certificate in expiring:
        kind = (
            CertificateEvent.Kind.EXPIRING_7
            if certificate.guarantee_deadline <= today + EXPIRING_SOON
            else CertificateEvent.Kind.EXPIRING_30
        )
        certificate_event_raise(
            certificate=certificate, kind=kind, dedup_key=f"{kind}:{certificate.guarantee_deadline}"
        )
    return expired


# --- Notices in D-Sure -----------------------------------------------------------------------------


def notice_open(*, official: Official, public_id) -> Certificate | None:
    """The official opens a notice of the body: it is read from now on. Returns its certificate (None
    for anything else: another body's notice is not found)."""
    event = (
        CertificateEvent.objects.filter(public_id=public_id, body_id=official.body_id)
        .select_related("certificate")
        .first()
    )
    if event is None:
        return None
    NoticeRead.objects.get_or_create(official=official, event=event)
    return event.certificate


def notify_by_email_set(*, official: Official, enabled: bool) -> None:
    """The official's choice: notices by e-mail too (to the user's address; never with the key)."""
    with transaction.atomic():
        Official.objects.filter(pk=official.pk).update(notify_by_email=enabled)
        official.notify_by_email = enabled
        audit.record(
            action="dsure.notices.email",
            summary="通知メールを受け取る" if enabled else "通知メールを受け取らない",
            obj=official,
            by=official.user,
        )
