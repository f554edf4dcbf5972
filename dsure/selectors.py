"""Reads that D-Sure's pages (and, through issuers, Net Desk) share."""

import datetime

from django.db.models import QuerySet

from dsure.history import HistoryEntry, visible_history
from dsure.models import Certificate, LookupAttempt, Official, PostedVersion

VALID = "有効"
EXPIRED = "期限切れ"


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


def certificate_status(content: dict, *, today: datetime.date) -> str:
    """有効, or 期限切れ once the 保証期限 (end of the 保証期間) has passed.

    D-Sure knows no cancellation of a whole guarantee contract (nothing posts one), so 取消 never
    shows; a cancelled 変更 simply disappears from the history.
    """
    deadline = content.get("guarantee_deadline") or ""
    try:
        if datetime.date.fromisoformat(deadline) < today:
            return EXPIRED
    except ValueError:
        pass
    return VALID


def lookup_history(official: Official) -> QuerySet[LookupAttempt]:
    """The official's own attempts, newest first, with only what 閲覧履歴 shows."""
    return (
        LookupAttempt.objects.filter(official=official)
        .order_by("-at", "-pk")
        .only("at", "number_typed", "number", "result")
    )
