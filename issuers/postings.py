"""Postings to D-Sure through the outbox (issuers.DsurePosting) and issuers.dsure_client.

A posting is written in the issuing transaction. Embedded, it is sent at once in that transaction (one
database: the issue and the posting commit together). With DSURE_URL it is sent by a task after commit;
a failed attempt is retried with backoff by the next task or `manage.py send_outbox`, and until then the
version reads 掲載待ち. A contract's postings are sent in the order they were written, each one only
after the one before it was taken. No database transaction stays open during the HTTP request.
"""

import base64
import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

import audit
from issuers import dsure_client, mail
from issuers.keys import decrypt_key, encrypt_key
from issuers.models import CertificateVersion, ContractEvent, DsurePosting

logger = logging.getLogger(__name__)

REVOCATION = "revocation"
KEY_REISSUE = "key_reissue"
# A claimed posting whose worker died becomes due again after this long.
CLAIM_LEASE = datetime.timedelta(minutes=2)


def posting_queue(*, contract, kind: str, by, version=None, key: str | None = None, at=None) -> DsurePosting:
    """Write one posting of `contract` (kind: a CertificateVersion.Kind, REVOCATION or KEY_REISSUE) and
    send it: at once when embedded, after commit otherwise."""
    now = timezone.now()
    body = contract.ordering_body
    payload = {
        "kind": str(kind),
        "number": contract.number,
        "body": {"code": body.code, "name": body.name},
        "product_name": contract.get_product_display(),
    }
    if version is not None:
        payload |= {
            "sequence": version.sequence,
            "content": version.content,
            "seal_digest": version.seal_digest,
        }
    if kind == REVOCATION:
        payload["at"] = (at or now).isoformat()
    posting = DsurePosting.objects.create(
        contract=contract,
        version=version,
        kind=str(kind),
        payload=payload,
        key_ciphertext=encrypt_key(key) if key else "",
        by=by,
        created_at=now,
        attempts=1 if dsure_client.embedded() else 0,
        next_attempt_at=now,
    )
    if dsure_client.embedded():
        _send(posting)
    else:
        transaction.on_commit(lambda: post_task.enqueue(contract_id=contract.pk))
    return posting


@task
def post_task(*, contract_id: int) -> None:
    postings_send(contract_id=contract_id)


def postings_send(*, contract_id: int, now=None) -> bool:
    """Send the contract's waiting postings in order; stop at the first D-Sure does not take (it is
    retried later). True when none is left waiting."""
    while True:
        posting = (
            DsurePosting.objects.filter(contract_id=contract_id, posted_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if posting is None:
            return True
        if not _attempt(posting, now=now or timezone.now()):
            return False


def postings_send_due(*, now=None, limit: int = 100) -> int:
    """The sweeper: the contracts with a posting due (failed before, or left by a crashed worker)."""
    now = now or timezone.now()
    contracts = (
        DsurePosting.objects.filter(posted_at__isnull=True, refused_at__isnull=True, next_attempt_at__lte=now)
        .order_by("contract_id")
        .values_list("contract_id", flat=True)
        .distinct()[:limit]
    )
    return sum(postings_send(contract_id=pk, now=now) for pk in list(contracts))


def posting_retry_refused(*, posting_id) -> bool:
    """The operator, the cause fixed, sends a refused posting (and its contract's later ones) again."""
    posting = DsurePosting.objects.filter(posting_id=posting_id, refused_at__isnull=False).first()
    if posting is None:
        return False
    DsurePosting.objects.filter(pk=posting.pk).update(refused_at=None, next_attempt_at=timezone.now())
    return postings_send(contract_id=posting.contract_id)


def _attempt(posting: DsurePosting, *, now) -> bool:
    claimed = DsurePosting.objects.filter(
        pk=posting.pk, posted_at__isnull=True, refused_at__isnull=True, next_attempt_at__lte=now
    ).update(next_attempt_at=timezone.now() + CLAIM_LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return False
    try:
        posted_at = dsure_client.post(_wire(posting))
    except dsure_client.DsureRefused as error:
        DsurePosting.objects.filter(pk=posting.pk).update(
            refused_at=timezone.now(), last_error=str(error)[:300]
        )
        logger.error("D-Sure refused a posting number=%s error=%s", posting.contract.number, error)
        return False
    except dsure_client.DsureUnavailable as error:
        posting.refresh_from_db(fields=["attempts"])
        DsurePosting.objects.filter(pk=posting.pk).update(
            last_error=str(error)[:300], next_attempt_at=timezone.now() + _backoff(posting.attempts)
        )
        logger.warning(
            "D-Sure posting failed number=%s attempt=%s", posting.contract.number, posting.attempts
        )
        return False
    with transaction.atomic():
        _posted(posting, posted_at=posted_at)
    return True


def _send(posting: DsurePosting) -> None:
    """Embedded: in the caller's transaction; D-Sure's error is the caller's."""
    _posted(posting, posted_at=dsure_client.post(_wire(posting)))


@sensitive_variables("wire")
def _wire(posting: DsurePosting) -> dict:
    wire = {**posting.payload, "posting_id": str(posting.posting_id), "issuer": settings.DSURE_ISSUER}
    if posting.key_ciphertext:
        wire["key"] = decrypt_key(posting.key_ciphertext)
    version = posting.version
    if version is not None:
        wire["pdf"] = _base64(version.pdf) if version.pdf else None
    return wire


def _base64(field) -> str:
    field.open("rb")
    try:
        return base64.b64encode(field.read()).decode()
    finally:
        field.close()


def _posted(posting: DsurePosting, *, posted_at) -> None:
    """D-Sure took it: the key leaves the outbox, the version has its 電子保証発行日時 (posted_at, read
    through CertificateVersion.posted_at), and the contract records it."""
    # Only the worker whose update lands records it: after a lease expiry two may get D-Sure's answer.
    taken = DsurePosting.objects.filter(pk=posting.pk, posted_at__isnull=True).update(
        posted_at=posted_at, key_ciphertext="", last_error=""
    )
    if not taken:
        return
    posting.posted_at, posting.key_ciphertext, posting.last_error = posted_at, "", ""
    contract, version, by = posting.contract, posting.version, posting.by
    if posting.kind == KEY_REISSUE:
        return
    if posting.kind == REVOCATION:
        _event(contract, by, "取消をD-Sureに掲載")
        return
    what = f"{version.get_kind_display()}をD-Sureに掲載"
    _event(contract, by, what)
    if posting.kind == CertificateVersion.Kind.NEW and not dsure_client.embedded():
        mail.issued_mail_release(contract=contract)
    audit.record(
        action="dsure.post",
        summary=f"{contract.number} {what}",
        obj=version,
        by=by,
        number=contract.number,
        sequence=version.sequence,
        kind=version.kind,
        posted_at=posted_at,
    )


def _event(contract, by, detail: str) -> None:
    ContractEvent.objects.create(
        contract=contract, action=ContractEvent.Action.POST, by=by, at=timezone.now(), detail=detail
    )


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))
