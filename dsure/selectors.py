"""Reads that D-Sure's pages (and, through issuers, Net Desk) share."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from common.certificates import (
    EXPIRED,
    VALID,
    WITHDRAWN,
    HistoryEntry,
    certificate_status,
    current_content,
    expiring_soon,
    visible_history,
)
from common.contract_numbers import normalize as normalize_number
from dsure.digest import token_digest
from dsure.models import (
    ApiClient,
    BodyCertificateView,
    Certificate,
    CertificateEvent,
    LookupAttempt,
    NoticeRead,
    Official,
    PostedVersion,
)

API_STATUSES = {VALID: "valid", EXPIRED: "expired", WITHDRAWN: "revoked"}


def api_status(status: str) -> str:
    """A status as the API and webhooks spell it: valid, expired, revoked."""
    return API_STATUSES[status]


def first_views(numbers: list[str]) -> dict[str, datetime.datetime]:
    """When each certificate was first viewed by its ordering body, for the numbers that have been
    (one query). Net Desk shows it as 「発注者の閲覧: 済（日時）/ 未」."""
    if not numbers:
        return {}
    return dict(
        Certificate.objects.filter(number__in=numbers, first_viewed_at__isnull=False).values_list(
            "number", "first_viewed_at"
        )
    )


def certificate_history(certificate: Certificate) -> list[HistoryEntry[PostedVersion]]:
    """The history as shown (新規 / 変更N; 訂正 and 変更取消 folded in), oldest first (one query)."""
    return visible_history(list(certificate.versions.all()))


def lookup_history(official: Official) -> QuerySet[LookupAttempt]:
    """The official's own attempts, newest first, with only what 閲覧履歴 shows."""
    return (
        LookupAttempt.objects.filter(official=official)
        .order_by("-at", "-pk")
        .only("at", "number_typed", "number", "result")
    )


# --- The ordering body's inbox (受領済み電子証書一覧) ---------------------------------------------------


def inbox_certificates(official: Official, *, search: str = "") -> QuerySet[Certificate]:
    """The body's received certificates: every one its officials (or its API clients) have once
    looked up with the key, latest posting first. Annotated with `last_posted_at` (the latest posted
    row, 訂正 and 変更取消 included) and `last_opened_at` (the body's last view, else its first).

    `search` keeps those whose number contains it (as typed or pasted: full-width, look-alike
    hyphens), or whose 工事名 or 受注者 in any posted version does."""
    last_opened = BodyCertificateView.objects.filter(
        body_id=official.body_id, certificate=OuterRef("pk")
    ).values("last_opened_at")[:1]
    certificates = Certificate.objects.filter(body_id=official.body_id, first_viewed_at__isnull=False)
    search = search.strip()
    if search:
        # EXISTS rather than a join: a join would narrow the Max() below to the matching versions.
        matching_version = PostedVersion.objects.filter(certificate=OuterRef("pk")).filter(
            Q(content__work_name__icontains=search) | Q(content__contractor_name__icontains=search)
        )
        certificates = certificates.filter(
            Q(number__contains=normalize_number(search)) | Exists(matching_version)
        )
    return (
        certificates.annotate(
            last_posted_at=Max("versions__posted_at"),
            last_opened_at=Coalesce(Subquery(last_opened), "first_viewed_at"),
        )
        .only("pk", "number", "public_id", "product_name", "first_viewed_at", "revoked_at")
        .order_by("-last_posted_at", "number")
    )


def with_versions(certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """Each certificate's versions in one more query (for the current version's content)."""
    return certificates.prefetch_related(
        Prefetch(
            "versions", queryset=PostedVersion.objects.only("certificate_id", "sequence", "kind", "content")
        )
    )


@dataclass(frozen=True)
class InboxRow:
    certificate: Certificate
    content: dict  # the current version's content
    status: str  # 有効 / 期限切れ
    expiring: bool  # 保証期限 within EXPIRING_WITHIN, not yet past
    updated: bool  # a version was posted after the body last opened the certificate

    @property
    def deadline(self) -> str:
        return self.content.get("guarantee_deadline") or ""

    @property
    def in_force(self) -> bool:
        """有効: the inbox greys out the others."""
        return self.status == VALID


def inbox_rows(certificates, *, today: datetime.date) -> list[InboxRow]:
    """Rows of one inbox page, from certificates of `inbox_certificates` with their versions loaded."""
    rows = []
    for certificate in certificates:
        content = current_content(certificate.versions.all())
        status = certificate_status(content, today=today, revoked=certificate.revoked_at is not None)
        rows.append(
            InboxRow(
                certificate=certificate,
                content=content,
                status=status,
                expiring=expiring_soon(content, today=today, status=status),
                updated=certificate.last_posted_at > certificate.last_opened_at,
            )
        )
    return rows


def inbox_certificate(official: Official, public_id) -> Certificate | None:
    """A certificate of the official's body that is in the body's inbox, or None."""
    return Certificate.objects.filter(
        public_id=public_id, body_id=official.body_id, first_viewed_at__isnull=False
    ).first()


def sealed_version(official: Official, seal_digest: str) -> PostedVersion | None:
    """The posted version whose PDF carries this seal, if it is a certificate of the official's body;
    None for another body's exactly as for an unknown one (one query)."""
    if not seal_digest:
        return None
    return (
        PostedVersion.objects.filter(seal_digest=seal_digest, certificate__body_id=official.body_id)
        .select_related("certificate")
        .first()
    )


# --- The API ------------------------------------------------------------------------------------------


def api_client_for_token(token: str) -> ApiClient | None:
    """The active (not revoked) API client whose token this is, with its body; else None. Looked up by
    the token's SHA-256: an index lookup on the digest of a 256-bit random token leaks nothing usable
    through its timing."""
    if not token:
        return None
    return (
        ApiClient.objects.filter(token_digest=token_digest(token), revoked_at__isnull=True)
        .select_related("body")
        .first()
    )


# --- Notices (通知) ---------------------------------------------------------------------------------


def notices(official: Official):
    """The body's notices, newest first, each annotated with `read` (by this official)."""
    return (
        CertificateEvent.objects.filter(body_id=official.body_id)
        .annotate(read=Exists(NoticeRead.objects.filter(official=official, event=OuterRef("pk"))))
        .select_related("certificate")
        .only("public_id", "kind", "payload", "occurred_at", "certificate__number", "certificate__public_id")
    )


def unread_notice_count(official: Official) -> int:
    return notices(official).filter(read=False).count()
