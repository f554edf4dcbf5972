"""D-Sure's operations. `certificate_post`, `certificate_key_replace` and `certificate_revoke` serve the
surety company's postings (through dsure.entry, the one way in from that side); everything else serves
D-Sure's own officials and the ordering bodies' e-contract systems (API clients)."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

import audit
from common.contract_numbers import is_well_formed
from common.contract_numbers import normalize as normalize_number
from dsure import events, transparency
from dsure.digest import current_version, key_matches, token_digest
from dsure.inputs import loggable_number, normalize_key
from dsure.models import (
    ApiClient,
    Body,
    BodyCertificateView,
    Certificate,
    LookupAttempt,
    Official,
    PostedVersion,
)


@dataclass(frozen=True)
class PostedBody:
    code: str
    name: str


def certificate_post(
    *,
    number: str,
    issuer: str = "",
    body: PostedBody,
    product_name: str,
    sequence: int,
    kind: str,
    content: dict,
    pdf: bytes | None,
    seal_digest: str = "",
    key_digest: tuple[str, str] | None = None,
) -> PostedVersion:
    """Store one certificate version as posted. The first post of a number must bring the key's
    digest (version, hex); later posts (変更, 訂正, 変更取消) keep the same key.

    Returns the stored version; its posted_at is the 電子保証発行日時. Every posting is logged in D-Sure's
    transparency log (dsure.transparency) in the same transaction.
    """
    with transaction.atomic():
        posted_body, _ = Body.objects.get_or_create(code=body.code, defaults={"name": body.name})
        if kind == PostedVersion.Kind.NEW:
            if key_digest is None:
                raise ValueError("a new certificate needs its key digest")
            version, digest = key_digest
            certificate = Certificate.objects.create(
                number=number,
                issuer=issuer,
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
            seal_digest=seal_digest,
            posted_at=timezone.now(),
        )
        if pdf is not None:
            posted.pdf.save(f"{number}-{sequence}.pdf", ContentFile(pdf), save=False)
        posted.save()
        events.certificate_posted(certificate=certificate, posted=posted)
        transparency.log_posting(certificate=certificate, kind=kind, at=posted.posted_at, version=posted)
    return posted


def certificate_key_replace(*, number: str, key_digest: tuple[str, str]) -> None:
    """A re-issued key: the old one stops working at once and the failure lock is lifted. The log
    records that it happened, never the key or its digest."""
    version, digest = key_digest
    with transaction.atomic():
        updated = Certificate.objects.filter(number=number).update(
            key_digest=digest, digest_version=version, consecutive_failures=0, locked_at=None
        )
        if updated != 1:
            raise Certificate.DoesNotExist(number)
        transparency.log_posting(
            certificate=Certificate.objects.get(number=number), kind="key_reissue", at=timezone.now()
        )


def certificate_revoke(*, number: str, at: datetime) -> None:
    """The surety company withdrew the whole guarantee contract (取消): from now on its status is 取消.
    The certificate and its history stay viewable with the key, so the body can see what happened."""
    with transaction.atomic():
        updated = Certificate.objects.filter(number=number, revoked_at__isnull=True).update(revoked_at=at)
        if updated != 1:
            raise Certificate.DoesNotExist(number)
        certificate = Certificate.objects.get(number=number)
        events.certificate_revoked(certificate=certificate)
        transparency.log_posting(certificate=certificate, kind="revocation", at=at)


# --- Lookups by officials -------------------------------------------------------------------------
# The throttling windows (docs/dsure.md). Only "failure" attempts count: a malformed number, a refused
# (throttled or locked) attempt and a success are not guesses.
NUMBER_FAILURE_LIMIT = 5  # failures on one number by one official …
NUMBER_FAILURE_WINDOW = timedelta(hours=1)  # … counted within this window, since their last success …
NUMBER_LOCK = timedelta(minutes=15)  # … lock that number for that official this long.
OFFICIAL_FAILURE_LIMIT = 20  # failures by one official within …
OFFICIAL_FAILURE_WINDOW = timedelta(hours=1)  # … a rolling hour pause all their lookups.
CERTIFICATE_FAILURE_LIMIT = 100  # consecutive failures on a number, all officials: locked until re-keyed
TRIES_LEFT_SHOWN_FROM = 2  # from the third failure on a number, the page says how many tries are left

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
    # Failures the actor may still make before the nearer pause (number or official), once few are
    # left. It is counted from the actor's own attempts only, so it tells nothing of the certificate.
    tries_left: int | None = None

    @property
    def succeeded(self) -> bool:
        return self.result == LookupAttempt.Result.SUCCESS


@sensitive_variables("key")
def certificate_lookup(
    *,
    official: Official | None = None,
    api_client: ApiClient | None = None,
    number_typed: str,
    key: str,
    ip_address: str | None,
) -> LookupOutcome:
    """An official (on the web page) or an API client (an e-contract system of a body) asks to see a
    certificate with its number and key. Every call writes one LookupAttempt (never the key). A wrong
    number, a wrong key and another body's certificate are one and the same "failure" to the caller
    and cost the same work. The throttling rules are the same for both kinds of actor: an API client
    counts like one more official of its body."""
    if (official is None) == (api_client is None):
        raise ValueError("a lookup has exactly one actor: an official or an API client")
    who = official if official is not None else api_client
    actor = {"official": official} if official is not None else {"api_client": api_client}
    now = timezone.now()
    number = normalize_number(number_typed)
    key = normalize_key(key)
    well_formed = is_well_formed(number)

    def record(result, *, certificate=None, locked_until=None):
        LookupAttempt.objects.create(
            at=now,
            **actor,
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
            **_audit_actor(official=official, api_client=api_client),
            number=number if well_formed else loggable_number(number_typed),
            result=str(result),
        )

    # No savepoint when the caller holds a transaction already (the page's: its grant commits with it).
    with transaction.atomic(savepoint=False):
        _lock(who)
        certificate, recent_failures, number_attempts = _read_state(
            actor=actor, number=number if well_formed else "", now=now
        )
        if len(recent_failures) >= OFFICIAL_FAILURE_LIMIT:
            paused_until = recent_failures[OFFICIAL_FAILURE_LIMIT - 1] + OFFICIAL_FAILURE_WINDOW
            record(LookupAttempt.Result.THROTTLED)
            return _outcome(
                LookupAttempt.Result.THROTTLED, number if well_formed else "", paused_until, "official"
            )

        if not well_formed:
            record(LookupAttempt.Result.BAD_NUMBER)
            return LookupOutcome(result=LookupAttempt.Result.BAD_NUMBER, number="")

        failures_on_number, locked_until = _number_state(number_attempts, now=now)
        if locked_until is not None:
            record(LookupAttempt.Result.THROTTLED)
            return _outcome(LookupAttempt.Result.THROTTLED, number, locked_until, "number")

        own = certificate is not None and certificate.body_id == who.body_id
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
            if certificate.first_viewed_at is None:
                # The first view by the body; a colleague's concurrent first view may win instead.
                first_view = Certificate.objects.filter(
                    pk=certificate.pk, first_viewed_at__isnull=True
                ).update(first_viewed_at=now, first_viewed_by=official, consecutive_failures=0)
                if first_view:
                    certificate.first_viewed_at, certificate.first_viewed_by = now, official
                    certificate.consecutive_failures = 0
            if certificate.consecutive_failures:
                Certificate.objects.filter(pk=certificate.pk).update(consecutive_failures=0)
                certificate.consecutive_failures = 0
            record(LookupAttempt.Result.SUCCESS, certificate=certificate)
            return LookupOutcome(result=LookupAttempt.Result.SUCCESS, number=number, certificate=certificate)

        # A failure. Only the certificate's own body can ever succeed on it, so only its failures count
        # towards its lock: another body's officials count against themselves (the rules per actor),
        # or they could lock the body out of its own certificate. The same statement runs whether the
        # number is unknown, another body's or the actor's own; SET reads the row as it was, so the
        # failure that makes the count reach the limit is the one that locks.
        Certificate.objects.filter(number=number, body_id=who.body_id).update(
            consecutive_failures=F("consecutive_failures") + 1,
            locked_at=Case(
                When(
                    locked_at__isnull=True,
                    consecutive_failures__gte=CERTIFICATE_FAILURE_LIMIT - 1,
                    then=Value(now),
                ),
                default=F("locked_at"),
            ),
        )
        number_locked_until = now + NUMBER_LOCK if failures_on_number + 1 >= NUMBER_FAILURE_LIMIT else None
        record(LookupAttempt.Result.FAILURE, certificate=certificate, locked_until=number_locked_until)
        if number_locked_until is not None:
            return _outcome(LookupAttempt.Result.FAILURE, number, number_locked_until, "number")
        if len(recent_failures) + 1 >= OFFICIAL_FAILURE_LIMIT:
            paused_until = ([now, *recent_failures])[OFFICIAL_FAILURE_LIMIT - 1] + OFFICIAL_FAILURE_WINDOW
            return _outcome(LookupAttempt.Result.FAILURE, number, paused_until, "official")
        tries_left = min(
            NUMBER_FAILURE_LIMIT - (failures_on_number + 1),
            OFFICIAL_FAILURE_LIMIT - (len(recent_failures) + 1),
        )
        return LookupOutcome(
            result=LookupAttempt.Result.FAILURE,
            number=number,
            tries_left=tries_left if tries_left <= TRIES_LEFT_SHOWN_FROM else None,
        )


def _outcome(result, number, retry_at, throttle) -> LookupOutcome:
    return LookupOutcome(result=result, number=number, retry_at=retry_at, throttle=throttle)


def _lock(who) -> None:
    """One actor's lookups queue here, so two tabs (or two API calls) cannot both slip under a limit.
    Its own statement, before the reads: in PostgreSQL's READ COMMITTED a later statement sees what
    the lookup it waited for committed. SQLite needs none: its lookups begin IMMEDIATE, one writer at a
    time."""
    if connection.features.has_select_for_update:
        type(who).objects.select_for_update().filter(pk=who.pk).values_list("pk").first()


# What a lookup reads, in one statement: the certificate (when the number is known) beside the actor's
# latest failures within the rolling hour (at most the limit) and the actor's latest failures and
# successes on the number within its window (at most the limit), each branch on its own index.
_STATE_SQL = """
SELECT c.*, t.id AS t_id, t.at AS t_at, t.result AS t_result, t.locked_until AS t_locked_until,
    t.branch AS t_branch
FROM (SELECT 1 AS one) AS o
LEFT JOIN {certificate} AS c ON c.number = %s
LEFT JOIN (
    SELECT * FROM (
        SELECT id, at, result, locked_until, 'actor' AS branch FROM {attempt}
        WHERE {actor} = %s AND result = %s AND at > %s ORDER BY at DESC LIMIT %s
    ) AS a
    UNION ALL
    SELECT * FROM (
        SELECT id, at, result, locked_until, 'number' AS branch FROM {attempt}
        WHERE {actor} = %s AND number = %s AND result IN (%s, %s) AND at > %s ORDER BY at DESC, id DESC LIMIT %s
    ) AS n
) AS t ON 1 = 1
"""


def _read_state(*, actor: dict, number: str, now: datetime):
    """(certificate or None, the actor's recent failure times newest first, the actor's recent
    (result, locked_until) on the number newest first). With the official-wide limit reached, lookups
    pause until the oldest of those failures leaves the hour; `number` "" reads no certificate."""
    ((kind, who),) = actor.items()
    sql = _STATE_SQL.format(
        certificate=connection.ops.quote_name(Certificate._meta.db_table),
        attempt=connection.ops.quote_name(LookupAttempt._meta.db_table),
        actor=connection.ops.quote_name(LookupAttempt._meta.get_field(kind).column),
    )
    failure, success = str(LookupAttempt.Result.FAILURE), str(LookupAttempt.Result.SUCCESS)
    since_official = connection.ops.adapt_datetimefield_value(now - OFFICIAL_FAILURE_WINDOW)
    since_number = connection.ops.adapt_datetimefield_value(now - NUMBER_FAILURE_WINDOW)
    params = [
        number,
        who.pk, failure, since_official, OFFICIAL_FAILURE_LIMIT,
        who.pk, number, failure, success, since_number, NUMBER_FAILURE_LIMIT,
    ]  # fmt: skip
    certificate, failures, on_number = None, [], []
    for row in Certificate.objects.raw(sql, params):
        if row.pk is not None:
            certificate = row
        if row.t_branch == "actor":
            failures.append(_from_db(row.t_at))
        elif row.t_branch == "number":
            on_number.append((_from_db(row.t_at), row.t_id, row.t_result, _from_db(row.t_locked_until)))
    failures.sort(reverse=True)
    on_number.sort(reverse=True)
    return certificate, failures, [(result, locked_until) for _, _, result, locked_until in on_number]


def _from_db(value) -> datetime | None:
    """A time read by raw SQL: SQLite hands it back as text in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def _number_state(attempts, *, now: datetime) -> tuple[int, datetime | None]:
    """(failures on this number that count towards the next lock, end of a lock in force or None),
    from the actor's latest attempts on it, newest first.

    Failures count since the actor's last success on the number or the last lock, whichever is
    later, and within the window; a lock "uses up" the failures that caused it.
    """
    failures = 0
    for result, locked_until in attempts:
        if locked_until is not None:
            return failures, (locked_until if locked_until > now else None)
        if result == LookupAttempt.Result.SUCCESS:
            break
        failures += 1
    return failures, None


def _audit_actor(*, official: Official | None, api_client: ApiClient | None) -> dict:
    """Who an audit entry names: the official's user, or the API client (no user behind it)."""
    if official is not None:
        return {"by": official.user}
    return {"actor_label": f"api:{api_client.body.code}:{api_client.name}", "api_client": api_client.pk}


# --- The ordering body's inbox (受領済み電子証書一覧) -------------------------------------------------


def certificate_opened(*, official: Official, certificate: Certificate) -> None:
    """An official of the body looked at the certificate: the inbox's 「更新あり」 mark goes away.
    One upsert; concurrent views of colleagues simply overwrite each other's time."""
    BodyCertificateView.objects.bulk_create(
        [
            BodyCertificateView(
                body_id=official.body_id, certificate=certificate, last_opened_at=timezone.now()
            )
        ],
        update_conflicts=True,
        unique_fields=["body", "certificate"],
        update_fields=["last_opened_at"],
    )


def seal_check_recorded(*, official: Official, outcome: str, certificate: Certificate | None) -> None:
    """An upload to 電子証書の真正性確認 was checked: the outcome is recorded, the file is not kept."""
    audit.record(
        action="dsure.seal_check",
        summary=f"電子証書の真正性確認（{outcome}）",
        obj=certificate,
        by=official.user,
        outcome=outcome,
    )


def certificate_open_from_inbox(*, official: Official, certificate: Certificate) -> None:
    """An official opens a certificate of the body's inbox without its key: the body proved the key
    once (first_viewed_at), so a colleague needs no second proof. Audited like a lookup."""
    if certificate.body_id != official.body_id or certificate.first_viewed_at is None:
        raise Certificate.DoesNotExist(certificate.number)
    audit.record(
        action="dsure.inbox.open",
        summary="受領済み電子証書一覧から電子証書を閲覧",
        obj=certificate,
        by=official.user,
        number=certificate.number,
    )


# --- API clients (e-contract systems of ordering bodies) --------------------------------------------

API_TOKEN_BYTES = 32


def api_client_create(*, body: Body, name: str, by=None) -> tuple[ApiClient, str]:
    """A new API client of the body. Returns the client and its bearer token: the token exists only in
    this return value (D-Sure keeps its SHA-256), so the caller shows it once."""
    token = secrets.token_urlsafe(API_TOKEN_BYTES)
    with transaction.atomic():
        client = ApiClient.objects.create(body=body, name=name, token_digest=token_digest(token))
        audit.record(
            action="dsure.api_client.create",
            summary=f"APIクライアント「{name}」を発行",
            obj=client,
            by=by,
            body=body.code,
        )
    return client, token


def api_client_revoke(*, api_client: ApiClient, by=None) -> bool:
    """The token stops working at once. False when it was already revoked."""
    with transaction.atomic():
        revoked = ApiClient.objects.filter(pk=api_client.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit.record(
                action="dsure.api_client.revoke",
                summary=f"APIクライアント「{api_client.name}」を失効",
                obj=api_client,
                by=by,
                body=api_client.body.code,
            )
    return bool(revoked)


# --- Retention ------------------------------------------------------------------------------------

# The throttle reads at most an hour back (NUMBER_FAILURE_WINDOW, OFFICIAL_FAILURE_WINDOW): a retention
# shorter than a day could forget failures it still counts.
LOOKUP_RETENTION_MINIMUM = timedelta(days=1)
PRUNE_BATCH = 10_000


def lookup_attempts_prune(*, older_than: timedelta, batch: int = PRUNE_BATCH) -> int:
    """Delete the lookup attempts older than `older_than` (the operator's retention), a batch per
    transaction so the lookups writing new rows never wait long; returns how many went. The attempts
    are the throttle's and 閲覧履歴's working table: each lookup's audit entry stays in the trail, and
    the pruning is itself recorded there."""
    if older_than < LOOKUP_RETENTION_MINIMUM:
        raise ValueError(
            f"retention below {LOOKUP_RETENTION_MINIMUM}: the throttle still reads those attempts"
        )
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                LookupAttempt.objects.filter(at__lt=cutoff)
                .order_by("at")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            deleted += LookupAttempt.objects.filter(pk__in=ids).delete()[0]
    audit.record(
        action="dsure.lookup_attempts.prune",
        summary=f"保存期間を過ぎた照会記録を削除（{deleted}件）",
        cutoff=cutoff.isoformat(),
        deleted=deleted,
    )
    return deleted
