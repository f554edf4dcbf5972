"""E-mail through the outbox (issuers.OutboundMail). One function per e-mail; templates side by side
in templates/emails/. No e-mail ever contains a 認証キー: the contractor reads it after logging in."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from common.plain_text import render_plain_text
from issuers.models import OutboundMail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def issued_dedup_key(contract) -> str:
    return f"issued:{contract.number}"


def queue_issued_mail(*, contract, content, to: str, resend: int = 0, held: bool = False) -> OutboundMail:
    """「電子保証（認証キー）発行完了のお知らせ」, queued in the caller's transaction. `resend` numbers a
    clerk's 再送 (1, 2, …), so that it is not taken for the first notice and dropped. A `held` one waits
    for issued_mail_release (D-Sure took the 新規): until then the key would not work in D-Sure."""
    context = {"content": content, "netdesk_url": f"{settings.SITE_URL}/netdesk/contracts/?tab=electronic"}
    dedup_key = issued_dedup_key(contract)
    return queue_mail(
        dedup_key=f"{dedup_key}:resend:{resend}" if resend else dedup_key,
        to=to,
        template="issued",
        context=context,
        held=held,
    )


def issued_mail_release(*, contract) -> None:
    """Send the held 発行完了 notice of `contract`, if there is one, after the caller's transaction."""
    released = OutboundMail.objects.filter(
        dedup_key=issued_dedup_key(contract), sent_at__isnull=True, next_attempt_at__isnull=True
    )
    for pk in list(released.values_list("pk", flat=True)):
        OutboundMail.objects.filter(pk=pk).update(next_attempt_at=timezone.now())
        transaction.on_commit(lambda pk=pk: deliver_mail.enqueue(mail_id=pk))


def queue_mail(*, dedup_key: str, to: str, template: str, context: dict, held: bool = False) -> OutboundMail:
    """An e-mail from templates/emails/<template>_{subject.txt,body.txt,body.html}, queued in the
    caller's transaction; a second call with the same dedup_key queues nothing."""
    return _queue(
        dedup_key=dedup_key,
        to=to,
        subject=render_plain_text(f"emails/{template}_subject.txt", context).strip(),
        body_text=render_plain_text(f"emails/{template}_body.txt", context),
        body_html=render_to_string(f"emails/{template}_body.html", context),
        held=held,
    )


def _queue(*, dedup_key, to, subject, body_text, body_html, held) -> OutboundMail:
    mail, created = OutboundMail.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={
            "to": to,
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
            "next_attempt_at": None if held else timezone.now(),
        },
    )
    if created and not held:
        transaction.on_commit(lambda: deliver_mail.enqueue(mail_id=mail.pk))
    return mail


@task
def deliver_mail(*, mail_id: int) -> None:
    deliver(mail_id=mail_id)


def deliver(*, mail_id: int) -> bool:
    """Send one due mail. The row lock keeps two workers from sending it twice."""
    with transaction.atomic():
        mail = (
            OutboundMail.objects.select_for_update()
            .filter(pk=mail_id, sent_at__isnull=True, next_attempt_at__isnull=False)
            .first()
        )
        if mail is None:
            return False
        message = EmailMultiAlternatives(
            subject=mail.subject, body=mail.body_text, from_email=settings.DEFAULT_FROM_EMAIL, to=[mail.to]
        )
        if mail.body_html:
            message.attach_alternative(mail.body_html, "text/html")
        mail.attempts += 1
        try:
            message.send()
        except Exception as error:  # noqa: BLE001 — any transport failure is retried later
            mail.last_error = f"{type(error).__name__}"[:300]
            mail.next_attempt_at = timezone.now() + _backoff(mail.attempts)
            mail.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            logger.warning("mail delivery failed id=%s attempt=%s", mail.pk, mail.attempts)
            return False
        mail.sent_at = timezone.now()
        mail.save(update_fields=["attempts", "sent_at"])
    logger.info("mail sent id=%s", mail_id)
    return True


def deliver_due(*, now=None, limit: int = 100) -> int:
    """The sweeper: send what is due (failed before, or left by a crashed worker)."""
    now = now or timezone.now()
    due = OutboundMail.objects.filter(
        sent_at__isnull=True, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS
    ).values_list("pk", flat=True)[:limit]
    return sum(deliver(mail_id=pk) for pk in list(due))


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2**attempts, 240))
