"""D-Sure's one way in from a surety company: a posting, and two reads. The surety company's client
(issuers.dsure_client) calls these in-process, or over HTTP through dsure.inbound; both carry the same
plain JSON data (docs/dsure-api.md).

A posting brings the 認証キー itself at 新規 and at a re-issue: D-Sure alone holds the secret of the
keyed digest (dsure.digest) and keeps only the digest.
"""

import base64
import binascii
import datetime
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from dsure import digest, services, transparency
from dsure.models import Certificate, PostedVersion, ReceivedPosting

VERSION_KINDS = {kind.value for kind in PostedVersion.Kind}
REVOCATION = "revocation"
KEY_REISSUE = "key_reissue"
KINDS = VERSION_KINDS | {REVOCATION, KEY_REISSUE}


class PostingRefused(ValueError):
    """The posting is malformed or not this issuer's to make; nothing was stored."""


class PostingConflict(PostingRefused):
    """The posting contradicts what D-Sure has (a second 新規, a sequence taken or skipped); nothing was
    stored, and sending it again will not change that."""


@sensitive_variables("posting")
def receive_posting(posting: dict, *, issuer: str) -> dict:
    """Store one posting from `issuer`; returns {"posting_id", "posted_at"}. A posting whose id was
    received before is answered as the first time and nothing is stored or logged again."""
    posting_id = _posting_id(posting)
    kind, number = posting.get("kind"), posting.get("number")
    if kind not in KINDS:
        raise PostingRefused("kind")
    if not isinstance(number, str) or not number:
        raise PostingRefused("number")
    try:
        with transaction.atomic():
            received = ReceivedPosting.objects.filter(posting_id=posting_id).first()
            if received is None:
                owner = Certificate.objects.filter(number=number).values_list("issuer", flat=True).first()
                # A number with no issuer recorded ("") is nobody's to post to (dsure 0012 backfills them).
                if owner is not None and owner != issuer:
                    raise PostingRefused("number")
                if owner is None and kind != PostedVersion.Kind.NEW:
                    raise PostingRefused("number")
                if owner is not None and kind == PostedVersion.Kind.NEW:
                    raise PostingConflict("number")
                received = ReceivedPosting.objects.create(
                    posting_id=posting_id,
                    issuer=issuer,
                    number=number,
                    kind=kind,
                    posted_at=_store(posting, kind=kind, number=number, issuer=issuer),
                )
    except IntegrityError:
        # Two postings racing for the same number or sequence: the loser is told, as if it came second.
        raise PostingConflict("sequence") from None
    return {"posting_id": str(received.posting_id), "posted_at": received.posted_at.isoformat()}


def first_views(numbers: list[str], *, issuer: str) -> dict[str, str]:
    """When the ordering body first viewed each of the issuer's certificates, for those viewed so far
    (ISO 8601)."""
    rows = Certificate.objects.filter(_owned(issuer), number__in=numbers, first_viewed_at__isnull=False)
    return {number: at.isoformat() for number, at in rows.values_list("number", "first_viewed_at")}


def proof_bundle(number: str, *, issuer: str) -> dict | None:
    """The proof bundle of the certificate's current version in the transparency log, or None (not
    posted, or waiting for the sequencer)."""
    certificate = Certificate.objects.filter(_owned(issuer), number=number).first()
    bundle = transparency.proof_bundle(certificate) if certificate is not None else None
    return bundle.as_json() if bundle is not None else None


def _owned(issuer: str) -> Q:
    # An empty issuer would otherwise match certificates whose issuer was never recorded.
    return Q(issuer=issuer) & ~Q(issuer="")


def _posting_id(posting: dict) -> uuid.UUID:
    try:
        return uuid.UUID(str(posting.get("posting_id")))
    except ValueError:
        raise PostingRefused("posting_id") from None


@sensitive_variables("posting", "key")
def _store(posting: dict, *, kind: str, number: str, issuer: str) -> datetime.datetime:
    key = posting.get("key")
    if kind in (PostedVersion.Kind.NEW, KEY_REISSUE) and not (isinstance(key, str) and key):
        raise PostingRefused("key")
    if kind == KEY_REISSUE:
        services.certificate_key_replace(number=number, key_digest=digest.key_digest(number, key))
        return timezone.now()
    if kind == REVOCATION:
        at = _time(posting.get("at"))
        services.certificate_revoke(number=number, at=at)
        return at
    body = posting.get("body") or {}
    if not isinstance(body, dict) or not _text(body.get("code"), 6) or not _text(body.get("name", ""), 100):
        raise PostingRefused("body")
    if not _text(posting.get("product_name", ""), 20):
        raise PostingRefused("product_name")
    sequence = _sequence(posting.get("sequence"))
    content = _content(posting.get("content"), number=number, kind=kind)
    if sequence != _next_sequence(number):
        raise PostingConflict("sequence")
    posted = services.certificate_post(
        number=number,
        issuer=issuer,
        body=services.PostedBody(code=body["code"], name=body.get("name") or ""),
        product_name=posting.get("product_name") or "",
        sequence=sequence,
        kind=kind,
        content=content,
        pdf=_pdf(posting.get("pdf")),
        seal_digest=str(posting.get("seal_digest") or ""),
        key_digest=digest.key_digest(number, key) if kind == PostedVersion.Kind.NEW else None,
    )
    return posted.posted_at


def _sequence(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise PostingRefused("sequence")
    return value


def _next_sequence(number: str) -> int:
    latest = PostedVersion.objects.filter(certificate__number=number).aggregate(latest=Max("sequence"))
    return (latest["latest"] or 0) + 1


def _text(value, max_length: int) -> bool:
    return isinstance(value, str) and len(value) <= max_length


# What D-Sure shows of a version (its pages and the inbox read these): the rest is the issuer's.
CONTENT_FIELDS = {
    "contractor_name": str,
    "work_name": str,
    "product_name": str,
    "guarantee_deadline": str,
    "guarantee_amount": int,
}


def _content(value, *, number: str, kind: str) -> dict:
    if not isinstance(value, dict):
        raise PostingRefused("content")
    if kind == PostedVersion.Kind.CANCELLATION:  # a 変更取消 has no content of its own
        return value
    if value.get("number") != number:
        raise PostingRefused("content")
    for field, kind in CONTENT_FIELDS.items():
        if not isinstance(value.get(field), kind) or isinstance(value.get(field), bool):
            raise PostingRefused("content")
    return value


def _pdf(value) -> bytes | None:
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise PostingRefused("pdf") from None


def _time(value) -> datetime.datetime:
    try:
        at = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise PostingRefused("at") from None
    if at.tzinfo is None:
        raise PostingRefused("at")
    return at
