"""D-Sure's operations. `certificate_post` and `certificate_key_replace` are the only ways in from
outside (the surety company's side); everything else serves D-Sure's own officials."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

import audit
from common.contract_numbers import is_well_formed
from common.contract_numbers import normalize as normalize_number
from dsure.digest import current_version, key_matches
from dsure.inputs import loggable_number, normalize_key
from dsure.models import Body, Certificate, LookupAttempt, Official, PostedVersion


@dataclass(frozen=True)
class PostedBody:
    code: str
    name: str


def certificate_post(
    *,
    number: str,
    body: PostedBody,
    product_name: str,
    sequence: int,
    kind: str,
    content: dict,
    pdf: bytes | None,
    key_digest: tuple[str, str] | None = None,
) -> PostedVersion:
    """Store one certificate version as posted. The first post of a number must bring the key's
    digest (version, hex); later posts (変更, 訂正, 変更取消) keep the same key.

    Returns the stored version; its posted_at is the 電子保証発行日時.
    """
    with transaction.atomic():
        posted_body, _ = Body.objects.get_or_create(code=body.code, defaults={"name": body.name})
        if kind == PostedVersion.Kind.NEW:
            if key_digest is None:
                raise ValueError("a new certificate needs its key digest")
            version, digest = key_digest
            certificate = Certificate.objects.create(
                number=number,
                body=posted_body,
                product_name=product_name,
                key_digest=digest,
                digest_version=version,
            )
        else:
            certificate = Certificate.objects.select_for_update().get(number=number)
        posted = PostedVersion(
            certificate=certificate,
            sequence=sequence,
            kind=kind,
            content=content,
            posted_at=timezone.now(),
        )
        if pdf is not None:
            posted.pdf.save(f"{number}-{sequence}.pdf", ContentFile(pdf), save=False)
        posted.save()
    return posted


def certificate_key_replace(*, number: str, key_digest: tuple[str, str]) -> None:
    """A re-issued key: the old one stops working at once and the failure lock is lifted."""
    version, digest = key_digest
    updated = Certificate.objects.filter(number=number).update(
        key_digest=digest, digest_version=version, consecutive_failures=0, locked_at=None
    )
    if updated != 1:
        raise Certificate.DoesNotExist(number)


# --- Lookups by officials -------------------------------------------------------------------------
# The throttling windows (docs/dsure.md). Only "failure" attempts count: a malformed number, a refused
# (throttled or locked) attempt and a success are not guesses.
NUMBER_FAILURE_LIMIT = 5  # failures on one number by one official …
NUMBER_FAILURE_WINDOW = timedelta(hours=1)  # … counted within this window, since their last success …
NUMBER_LOCK = timedelta(minutes=15)  # … lock that number for that official this long.
OFFICIAL_FAILURE_LIMIT = 20  # failures by one official within …
OFFICIAL_FAILURE_WINDOW = timedelta(hours=1)  # … a rolling hour pause all their lookups.
CERTIFICATE_FAILURE_LIMIT = 100  # consecutive failures on a number, all officials: locked until re-keyed

# Compared against when the number is unknown, so that every failure costs one HMAC.
_NO_DIGEST = "0" * 64


@dataclass(frozen=True)
class LookupOutcome:
    """What a lookup came to. `retry_at` is set when the official must wait: on a throttled attempt,
    and on the failure that started a lock. `throttle` says which rule: "number" or "official"."""

    result: str  # a LookupAttempt.Result value
    number: str  # the normalised number, "" when it is malformed
    certificate: Certificate | None = None  # only on success
    retry_at: datetime | None = None
    throttle: str = ""

    @property
    def succeeded(self) -> bool:
        return self.result == LookupAttempt.Result.SUCCESS


@sensitive_variables("key")
def certificate_lookup(
    *, official: Official, number_typed: str, key: str, ip_address: str | None
) -> LookupOutcome:
    """An official asks to see a certificate with its number and key. Every call writes one
    LookupAttempt (never the key). A wrong number, a wrong key and another body's certificate are one
    and the same "failure" to the caller and cost the same work."""
    now = timezone.now()
    number = normalize_number(number_typed)
    key = normalize_key(key)
    well_formed = is_well_formed(number)

    def record(result, *, certificate=None, locked_until=None):
        LookupAttempt.objects.create(
            at=now,
            official=official,
            ip_address=ip_address,
            number_typed=loggable_number(number_typed),
            number=number if well_formed else "",
            result=result,
            certificate=certificate,
            locked_until=locked_until,
        )
        success = result == LookupAttempt.Result.SUCCESS
        audit.record(
            action="dsure.lookup.success" if success else "dsure.lookup.failure",
            summary="電子証書を閲覧"
            if success
            else f"電子証書の照会に失敗（{LookupAttempt.Result(result).label}）",
            obj=certificate if success else None,
            by=official.user,
            number=number if well_formed else loggable_number(number_typed),
            result=str(result),
        )

    with transaction.atomic():
        # One official's lookups queue here, so two tabs cannot both slip under a limit.
        Official.objects.select_for_update().filter(pk=official.pk).values_list("pk").first()
        recent_failures = _recent_failures(official=official, now=now)
        if len(recent_failures) >= OFFICIAL_FAILURE_LIMIT:
            paused_until = recent_failures[OFFICIAL_FAILURE_LIMIT - 1] + OFFICIAL_FAILURE_WINDOW
            record(LookupAttempt.Result.THROTTLED)
            return _outcome(
                LookupAttempt.Result.THROTTLED, number if well_formed else "", paused_until, "official"
            )

        if not well_formed:
            record(LookupAttempt.Result.BAD_NUMBER)
            return LookupOutcome(result=LookupAttempt.Result.BAD_NUMBER, number="")

        failures_on_number, locked_until = _number_state(official=official, number=number, now=now)
        if locked_until is not None:
            record(LookupAttempt.Result.THROTTLED)
            return _outcome(LookupAttempt.Result.THROTTLED, number, locked_until, "number")

        certificate = Certificate.objects.filter(number=number).first()
        own = certificate is not None and certificate.body_id == official.body_id
        if own and certificate.locked_at is not None:
            # Only the certificate's own body learns that it is locked; to anyone else it is a failure.
            record(LookupAttempt.Result.LOCKED, certificate=certificate)
            return LookupOutcome(result=LookupAttempt.Result.LOCKED, number=number)

        if certificate is not None:
            matches = key_matches(
                number, key, version=certificate.digest_version, digest=certificate.key_digest
            )
        else:
            matches = key_matches(number, key, version=current_version(), digest=_NO_DIGEST)

        if own and matches:
            Certificate.objects.filter(pk=certificate.pk, consecutive_failures__gt=0).update(
                consecutive_failures=0
            )
            certificate.consecutive_failures = 0
            # The first view by the body; a colleague's concurrent first view may win instead.
            first_view = certificate.first_viewed_at is None and Certificate.objects.filter(
                pk=certificate.pk, first_viewed_at__isnull=True
            ).update(first_viewed_at=now, first_viewed_by=official)
            if first_view:
                certificate.first_viewed_at, certificate.first_viewed_by = now, official
            record(LookupAttempt.Result.SUCCESS, certificate=certificate)
            return LookupOutcome(result=LookupAttempt.Result.SUCCESS, number=number, certificate=certificate)

        # A failure. The same two statements run whether or not the number exists.
        Certificate.objects.filter(number=number).update(consecutive_failures=F("consecutive_failures") + 1)
        Certificate.objects.filter(
            number=number, locked_at__isnull=True, consecutive_failures__gte=CERTIFICATE_FAILURE_LIMIT
        ).update(locked_at=now)
        number_locked_until = now + NUMBER_LOCK if failures_on_number + 1 >= NUMBER_FAILURE_LIMIT else None
        record(LookupAttempt.Result.FAILURE, certificate=certificate, locked_until=number_locked_until)
        if number_locked_until is not None:
            return _outcome(LookupAttempt.Result.FAILURE, number, number_locked_until, "number")
        if len(recent_failures) + 1 >= OFFICIAL_FAILURE_LIMIT:
            paused_until = ([now, *recent_failures])[OFFICIAL_FAILURE_LIMIT - 1] + OFFICIAL_FAILURE_WINDOW
            return _outcome(LookupAttempt.Result.FAILURE, number, paused_until, "official")
        return LookupOutcome(result=LookupAttempt.Result.FAILURE, number=number)


def _outcome(result, number, retry_at, throttle) -> LookupOutcome:
    return LookupOutcome(result=result, number=number, retry_at=retry_at, throttle=throttle)


def _recent_failures(*, official: Official, now: datetime) -> list[datetime]:
    """Times of the official's latest failures within the rolling hour, newest first (at most the limit):
    with the limit reached, lookups pause until the oldest of them leaves the hour."""
    return list(
        LookupAttempt.objects.filter(
            official=official, result=LookupAttempt.Result.FAILURE, at__gt=now - OFFICIAL_FAILURE_WINDOW
        )
        .order_by("-at")
        .values_list("at", flat=True)[:OFFICIAL_FAILURE_LIMIT]
    )


def _number_state(*, official: Official, number: str, now: datetime) -> tuple[int, datetime | None]:
    """(failures on this number that count towards the next lock, end of a lock in force or None).

    Failures count since the official's last success on the number or the last lock, whichever is
    later, and within the window; a lock "uses up" the failures that caused it.
    """
    recent = (
        LookupAttempt.objects.filter(
            official=official,
            number=number,
            at__gt=now - NUMBER_FAILURE_WINDOW,
            result__in=[LookupAttempt.Result.FAILURE, LookupAttempt.Result.SUCCESS],
        )
        .order_by("-at", "-pk")
        .values_list("result", "locked_until")[:NUMBER_FAILURE_LIMIT]
    )
    failures = 0
    for result, locked_until in recent:
        if locked_until is not None:
            return failures, (locked_until if locked_until > now else None)
        if result == LookupAttempt.Result.SUCCESS:
            break
        failures += 1
    return failures, None
