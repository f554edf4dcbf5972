"""Reads of the surety company's data that pages share."""

import datetime

from django.db.models import Q, QuerySet

from common import certificates
from common.certificates import HistoryEntry, Standing, standing_of, visible_history
from issuers import dsure_client
from issuers.models import Branch, CertificateVersion, OrderingBody


def clerk_branch(request) -> Branch | None:
    """The branch of the clerk making `request`, looked up once per request (a list page asks for its
    queryset several times: the rows, the counts, the action's selection)."""
    if not hasattr(request, "_clerk_branch"):
        request._clerk_branch = Branch.objects.filter(clerks__user=request.user).first()
    return request._clerk_branch


def esurety_ordering_bodies(*, search: str = "", prefecture: str = "") -> QuerySet[OrderingBody]:
    """Ordering bodies registered for 電子保証 (with a start date, past or announced), with their
    submission rules. `search` matches the name or the prefecture; `prefecture` is exact."""
    bodies = OrderingBody.objects.filter(esurety_start__isnull=False).order_by("esurety_start", "code")
    if search:
        bodies = bodies.filter(Q(name__icontains=search) | Q(prefecture__icontains=search))
    if prefecture:
        bodies = bodies.filter(prefecture=prefecture)
    return bodies


def esurety_prefectures() -> list[str]:
    """The prefectures that have an ordering body on 電子保証 (the list's filter), in code order."""
    codes = (
        OrderingBody.objects.filter(esurety_start__isnull=False)
        .order_by("code")
        .values_list("prefecture", flat=True)
    )
    return list(dict.fromkeys(codes))


# -- for Net Desk: a contract as its certificate reads, from the surety company's own rows, and what
# only D-Sure knows, through issuers.dsure_client (netdesk's app code never imports dsure; only its
# seed_demo command does, for the demo officials: tests/test_architecture.py) ------------------------

STATUSES = certificates.STATUSES  # 有効, 期限切れ, 取消


def first_views(numbers) -> dict[str, datetime.datetime]:
    """When the ordering body first viewed each certificate in D-Sure, for the numbers viewed so far
    (one query). Net Desk shows it as 「発注者の閲覧: 済（日時）/ 未」."""
    return dsure_client.first_views(list(numbers))


def contract_history[V](versions) -> list[HistoryEntry[V]]:
    """The history as shown (新規 / 変更N; 訂正 and 変更取消 folded in): the rule of
    common.certificates, applied to a contract's CertificateVersion rows (or any rows with sequence and
    kind)."""
    return visible_history(list(versions))


def cancellations_of(version) -> QuerySet[CertificateVersion]:
    """The 変更取消 that withdrew `version` (a CertificateVersion, or an OuterRef to one), if any."""
    return CertificateVersion.objects.filter(kind=CertificateVersion.Kind.CANCELLATION, target=version)


def contract_status(content: dict, *, today: datetime.date, revoked: bool) -> str:
    """取消 once the contract was withdrawn; else 有効, or 期限切れ once the current version's 保証期限
    (end of the 保証期間) has passed. The same rule as D-Sure's."""
    return certificates.certificate_status(content, today=today, revoked=revoked)


def contract_expiring_soon(content: dict, *, today: datetime.date, status: str) -> bool:
    """「期限切れ間近」: 有効 with the 保証期限 within 30 days. The same rule as D-Sure's inbox."""
    return certificates.expiring_soon(content, today=today, status=status)


def proof_bundle(number: str) -> dict | None:
    """The proof bundle of the certificate's current version in D-Sure's transparency log, or None (a
    paper contract, or a posting still waiting for the sequencer)."""
    return dsure_client.proof_bundle(number)


def sealed_version(*, seal_digest: str, contract_ids) -> CertificateVersion | None:
    """The version whose PDF carries this seal, among `contract_ids` (a subquery); else None (one query)."""
    if not seal_digest:
        return None
    return (
        CertificateVersion.objects.filter(seal_digest=seal_digest, contract_id__in=contract_ids)
        .select_related("contract")
        .first()
    )


def version_standing(version: CertificateVersion) -> Standing[CertificateVersion]:
    """Where a version stands in its contract's history, by common.certificates (one query)."""
    contract = version.contract
    return standing_of(
        list(contract.versions.all()), version.sequence, revoked=contract.revoked_at is not None
    )


def current_content(versions) -> dict:
    """The content a contract's certificate reads now, from its CertificateVersion rows; {} for none."""
    return certificates.current_content(versions)


def current_version(versions) -> CertificateVersion | None:
    """The version a contract's certificate shows now (after a 訂正 the correction, after a 変更取消 the
    one restored); None for no rows."""
    return certificates.current_version(list(versions))
