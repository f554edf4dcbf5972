"""Reads of a company's applications that the Net Desk pages share. Every query is scoped to a company."""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from common import certificates
from common.paging import COUNT_CAP, CappedTotal
from issuers import selectors as issuers_selectors
from issuers.models import (
    Branch,
    CertificateFormat,
    CertificateVersion,
    FeeStatement,
    GuaranteeContract,
    OrderingBody,
)
from netdesk.models import (
    OPEN_STATUSES,
    OPEN_WORK,
    AmendmentRequest,
    Application,
    ApplicationEvent,
    Company,
    ProductRequest,
    Status,
)


def applications_for_company(*, company: Company) -> QuerySet[Application]:
    """The company's applications, newest change first, with what the list shows: ordering body and
    each product request with its contract (for the 保証契約番号) in two extra queries, not one per row."""
    products = ProductRequest.objects.select_related("contract").order_by("product")
    return (
        Application.objects.filter(company=company)
        .select_related("ordering_body")
        .prefetch_related(Prefetch("products", queryset=products))
        .order_by("-updated_at", "-pk")
    )


def application_products(*, application: Application) -> list[ProductRequest]:
    """Both product requests (前払金保証, 契約保証) of one application, with their contracts."""
    return list(application.products.select_related("contract").order_by("product"))


def application_events(*, application: Application) -> list[ApplicationEvent]:
    return list(application.events.select_related("product_request", "by").order_by("at", "pk"))


# -- after issuance: 保証契約一覧, 詳細, 保証料計算書一覧 (docs/netdesk-contracts.md) --------------------

CONTRACTS_PER_PAGE = 20


def issued_requests_for_company(*, company: Company) -> QuerySet[ProductRequest]:
    """The company's product requests that have a contract, newest contract first, with what every
    contract page shows (contract, ordering body, branch) joined in.

    Newest is the highest contract id: contracts are numbered as they are issued, and the order then
    comes from the company's own index (request_company_contracts), whatever the size of the table."""
    return (
        ProductRequest.objects.filter(company=company, contract__isnull=False)
        .select_related("contract__ordering_body", "contract__branch", "application")
        .order_by("-contract_id")
    )


def contract_ids_for_company(*, company: Company) -> QuerySet:
    """A subquery of the company's contract ids (ProductRequest.contract has no reverse accessor)."""
    return ProductRequest.objects.filter(company=company, contract__isnull=False).values("contract_id")


def filter_contracts(
    requests: QuerySet[ProductRequest],
    *,
    product: str = "",
    ordering_body_id: int | None = None,
    electronic_only: bool = False,
) -> QuerySet[ProductRequest]:
    # The request's own product and format and its application's ordering body, which the contract was
    # issued with and never changes: filtering on the contract would join the whole contracts table for
    # the page's count (a sequential scan at 1,000,000; docs/performance.md).
    if product:
        requests = requests.filter(product=product)
    if ordering_body_id:
        requests = requests.filter(application__ordering_body_id=ordering_body_id)
    if electronic_only:
        requests = requests.filter(format=CertificateFormat.ELECTRONIC)
    return requests


def ordering_bodies_of_company(*, company: Company) -> QuerySet[OrderingBody]:
    """The ordering bodies the company holds contracts for: the choices of the list's filter."""
    # Through the company's own applications (the contracts table holds every company's rows), as one
    # EXISTS per body: it stops at the first contract, where a join would visit all of them.
    has_contract = Application.objects.filter(
        company=company, ordering_body=OuterRef("pk"), products__contract__isnull=False
    )
    return OrderingBody.objects.filter(Exists(has_contract)).order_by("code")


class _VersionStub(NamedTuple):
    contract_id: int
    sequence: int
    kind: str
    deadline: str | None


def contract_ids_with_status(*, company: Company, status: str, today: datetime.date) -> set[int]:
    """Ids of the company's contracts whose status is 有効 / 期限切れ / 取消 today.

    Which version is current follows the history rule (a 変更取消 makes the previous one current
    again), so it is decided in Python on a light read of every version row of the company's
    contracts (sequence, kind and the 保証期限 pulled out of the JSON), not guessed in SQL; which are
    取消 comes from the partial index of withdrawn contracts. Both queries are driven by the company's
    own contracts: joining the contracts table (for revoked_at, or the versions' default ordering by
    the contract's issued_at) scanned all of it (docs/performance.md).
    """
    company_contracts = contract_ids_for_company(company=company)
    rows = (
        CertificateVersion.objects.filter(contract_id__in=company_contracts)
        .annotate(deadline=KT("content__guarantee_deadline"))
        .order_by()  # the model's ordering would join every contract for issued_at; the history sorts
        .values_list("contract_id", "sequence", "kind", "deadline")
    )
    revoked = set(
        GuaranteeContract.objects.filter(revoked_at__isnull=False, pk__in=company_contracts).values_list(
            "pk", flat=True
        )
    )
    by_contract: dict[int, list[_VersionStub]] = defaultdict(list)
    for row in rows:
        by_contract[row[0]].append(_VersionStub(*row))
    matching = set()
    for contract_id, versions in by_contract.items():
        history = issuers_selectors.contract_history(versions)
        if not history:
            continue
        content = {"guarantee_deadline": history[-1].shown.deadline or ""}
        if issuers_selectors.contract_status(content, today=today, revoked=contract_id in revoked) == status:
            matching.add(contract_id)
    return matching


def contracts_page(
    requests: QuerySet[ProductRequest], *, number, keep: set[int] | None = None
) -> tuple[Page, list[ProductRequest]]:
    """A page of 保証契約一覧 and its requests. With `keep` (the 状態 filter's contract ids) the
    filtered list's contract ids are read newest first (the company's index, ints only), kept when
    in `keep` and paged here, and only the page's 20 requests are fetched: the ids as an IN list of
    thousands in the count and again in the page cost more than the whole rest (docs/performance.md)."""
    if keep is None:
        page = Paginator(requests, CONTRACTS_PER_PAGE).get_page(number)
        return page, list(page.object_list)
    ids = [pk for pk in requests.values_list("contract_id", flat=True) if pk in keep]
    page = Paginator(ids, CONTRACTS_PER_PAGE).get_page(number)
    shown = {r.contract_id: r for r in requests.filter(contract_id__in=page.object_list)}
    return page, [shown[pk] for pk in page.object_list]


@dataclass(frozen=True)
class ContractSummary:
    """One row of 保証契約一覧: the request, its contract and the current version's content."""

    product_request: ProductRequest
    contract: GuaranteeContract
    content: dict
    status: str
    expiring: bool  # 期限切れ間近: 有効, 保証期限 within 30 days
    first_viewed_at: datetime.datetime | None

    @property
    def in_force(self) -> bool:
        """有効 (neither 期限切れ nor 取消): the list greys out the others."""
        return self.status == certificates.VALID


def contract_summaries(requests: list[ProductRequest], *, today: datetime.date) -> list[ContractSummary]:
    """The rows of one page: two queries whatever the page size (versions; D-Sure's first views)."""
    contract_ids = [r.contract_id for r in requests]
    versions: dict[int, list[CertificateVersion]] = defaultdict(list)
    for version in CertificateVersion.objects.filter(contract_id__in=contract_ids).order_by("sequence"):
        versions[version.contract_id].append(version)
    electronic = [r.contract.number for r in requests if r.contract.is_electronic]
    viewed = issuers_selectors.first_views(electronic) if electronic else {}
    summaries = []
    for request in requests:
        content = issuers_selectors.current_content(versions[request.contract_id])
        status = issuers_selectors.contract_status(
            content, today=today, revoked=request.contract.revoked_at is not None
        )
        summaries.append(
            ContractSummary(
                product_request=request,
                contract=request.contract,
                content=content,
                status=status,
                expiring=issuers_selectors.contract_expiring_soon(content, today=today, status=status),
                first_viewed_at=viewed.get(request.contract.number),
            )
        )
    return summaries


def amendments_of(*, product_request: ProductRequest) -> list[AmendmentRequest]:
    """The request's amendments, newest first; `change_cancelled` says the 変更 issued for one was
    later withdrawn by a 変更取消 (it is then out of the history, and the page must not call it 発行済)."""
    return list(
        product_request.amendments.select_related("version")
        .annotate(change_cancelled=Exists(issuers_selectors.cancellations_of(OuterRef("version"))))
        .order_by("-requested_at", "-pk")
    )


def fee_statements_for_company(*, company: Company) -> QuerySet[FeeStatement]:
    """The company's 保証料計算書, newest contract first and each contract's newest first, with the contract
    and the version they were computed on.

    By contract, not by date across contracts: contracts are numbered as they are issued, so the order
    is still newest first but for a 変更's 追加保証料, which stays with its contract. 保証料計算書一覧 pages
    through `fee_statement_page`, which reads in this order without the whole table."""
    return (
        FeeStatement.objects.filter(contract_id__in=contract_ids_for_company(company=company))
        .select_related("contract", "version")
        .order_by("-contract_id", "-issued_at", "-pk")
    )


# On PostgreSQL, the company's contracts newest first (the index request_company_contracts) and, for each,
# its statements (the fee statements' contract index): a LATERAL join is always a nested loop driven by
# the company's own rows. As a plain join or IN, the planner chose a hash join of every fee statement
# (225–540 ms at 1,000,000; docs/performance.md). A page after a position starts at the position's
# contract: its older statements, then the older contracts' — it reads the page's 21 rows, not what
# lies before them. {order} is DESC (次へ), or ASC with the comparisons turned (前へ, read upwards).
_FEE_PAGE_SQL = """
SELECT f.id FROM {request} AS r
CROSS JOIN LATERAL (
    SELECT s.id, s.issued_at FROM {statement} AS s
    WHERE s.contract_id = r.contract_id {statement_after}
    ORDER BY s.issued_at {order}, s.id {order}
) AS f
WHERE r.company_id = %s AND r.contract_id IS NOT NULL {contract_after}
ORDER BY r.contract_id {order}, f.issued_at {order}, f.id {order}
LIMIT %s
"""
_FEE_AFTER = {
    "DESC": ("AND (r.contract_id < %s OR (s.issued_at, s.id) < (%s, %s))", "AND r.contract_id <= %s"),
    "ASC": ("AND (r.contract_id > %s OR (s.issued_at, s.id) > (%s, %s))", "AND r.contract_id >= %s"),
}
# At most cap + 1 statements: the company's contracts are probed until that many are found.
_FEE_COUNT_SQL = """
SELECT COUNT(*) FROM (
    SELECT 1 FROM {request} AS r
    CROSS JOIN LATERAL (SELECT 1 FROM {statement} AS s WHERE s.contract_id = r.contract_id) AS f
    WHERE r.company_id = %s AND r.contract_id IS NOT NULL
    LIMIT %s
) AS counted
"""

FEE_POSITION = re.compile(r"([1-9][0-9]{0,17})\.([1-9][0-9]{0,17})")  # <contract id>.<statement id>


@dataclass(frozen=True)
class FeeStatementPage:
    """One page of 保証料計算書一覧: its statements, and the positions 次へ / 前へ start from (None: no
    such page)."""

    statements: list[FeeStatement]
    after: str | None
    before: str | None


def fee_statement_position(statement: FeeStatement) -> str:
    """The opaque position of a row in 保証料計算書一覧 (`?after=` / `?before=`): its contract and itself."""
    return f"{statement.contract_id}.{statement.pk}"


def fee_statement_page(
    *, company: Company, after: str | None = None, before: str | None = None, size: int = 20
) -> FeeStatementPage:
    """The page of 保証料計算書一覧 after a position (次へ), before one (前へ), or the first, in the order of
    `fee_statements_for_company`; keyset paging, so every page costs what its rows cost, however deep.

    A position is checked against the company's own statements: one that is malformed, another
    company's, gone, or with nothing after it gives the first page. The page reads size + 1 rows to
    know whether there is one more: at most three queries (the position, the page's ids, its
    statements; a fallback to the first page adds two)."""
    forward = before is None or after is not None
    anchor = _fee_anchor(company=company, position=after if forward else before)
    if anchor is None:
        forward = True
    rows = _fee_rows(company=company, anchor=anchor, forward=forward, limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
        if not more:  # nothing above: the first page, as 次へ from it shows the next ones
            return fee_statement_page(company=company, size=size)
    if not rows:  # nothing after the position (the oldest statement): the first page, or none at all
        if anchor is not None:
            return fee_statement_page(company=company, size=size)
        return FeeStatementPage(statements=[], after=None, before=None)
    has_next = more if forward else True
    has_previous = anchor is not None if forward else more
    return FeeStatementPage(
        statements=rows,
        after=fee_statement_position(rows[-1]) if has_next else None,
        before=fee_statement_position(rows[0]) if has_previous else None,
    )


def fee_statement_total(*, company: Company, cap: int | None = None) -> CappedTotal:
    """How many 保証料計算書 the company has, counted up to cap + 1 (「1,000件以上」 past it): at most
    COUNT_CAP + 1 probes of the company's contracts, whatever its history."""
    cap = COUNT_CAP if cap is None else cap
    if connection.vendor != "postgresql":
        return CappedTotal(fee_statements_for_company(company=company).order_by()[: cap + 1].count(), cap)
    with connection.cursor() as cursor:
        cursor.execute(_fee_sql(_FEE_COUNT_SQL), [company.pk, cap + 1])
        return CappedTotal(int(cursor.fetchone()[0]), cap)


def _fee_sql(template: str, **parts) -> str:
    return template.format(
        request=connection.ops.quote_name(ProductRequest._meta.db_table),
        statement=connection.ops.quote_name(FeeStatement._meta.db_table),
        **parts,
    )


def _fee_anchor(*, company: Company, position: str | None) -> FeeStatement | None:
    match = FEE_POSITION.fullmatch(position or "")
    if match is None:
        return None
    contract_id, pk = (int(group) for group in match.groups())  # 18 digits at most: within bigint
    return (
        FeeStatement.objects.filter(pk=pk, contract_id=contract_id)
        .filter(contract_id__in=contract_ids_for_company(company=company))
        .only("pk", "contract_id", "issued_at")
        .first()
    )


def _fee_rows(
    *, company: Company, anchor: FeeStatement | None, forward: bool, limit: int
) -> list[FeeStatement]:
    if connection.vendor != "postgresql":
        queryset = fee_statements_for_company(company=company)
        if anchor is not None:
            c, t, i = anchor.contract_id, anchor.issued_at, anchor.pk
            op = "lt" if forward else "gt"
            queryset = queryset.filter(
                Q(**{f"contract_id__{op}": c})
                | Q(contract_id=c, **{f"issued_at__{op}": t})
                | Q(contract_id=c, issued_at=t, **{f"pk__{op}": i})
            )
        if not forward:
            queryset = queryset.reverse()
        return list(queryset[:limit])
    order = "DESC" if forward else "ASC"
    params: list = [company.pk]
    statement_after = contract_after = ""
    if anchor is not None:
        statement_after, contract_after = _FEE_AFTER[order]
        params = [anchor.contract_id, anchor.issued_at, anchor.pk, company.pk, anchor.contract_id]
    sql = _fee_sql(_FEE_PAGE_SQL, order=order, statement_after=statement_after, contract_after=contract_after)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        ids = [row[0] for row in cursor.fetchall()]
    found = FeeStatement.objects.select_related("contract", "version").in_bulk(ids)
    return [found[pk] for pk in ids]


# -- the branch clerk's home (the admin's first page) ------------------------------------------------


@dataclass(frozen=True)
class BranchWork:
    """A branch's open work as the clerk's home counts it; each count links to that filtered list."""

    branch: Branch
    submitted: int  # 新着: applications with a product 申込済
    reviewing: int  # 審査中
    returned: int  # 差戻し中 (waiting for the contractor)
    amendments: int  # open 変更の申込 (申込済 or 審査中)
    issued_today: int  # contracts issued today, in Japan time


def branch_workload(*, branches: QuerySet[Branch], today: datetime.date) -> list[BranchWork]:
    """The counts of the clerk's home for `branches` (the clerk's own, or all for the superuser): four
    queries, whatever the number of branches or rows."""
    branches = list(branches.order_by("code"))
    ids = [branch.pk for branch in branches]

    def count(status):
        return Count("application", filter=Q(status=status), distinct=True)

    # From the open product requests (a partial index holds only those), not from every application of
    # the branch joined to its requests: the cost follows the open work, not the years of history.
    applications = {
        row["application__branch"]: row
        for row in ProductRequest.objects.filter(
            requested=True,
            status__in=OPEN_WORK,
            application__branch__in=ids,
            application__submitted_at__isnull=False,
        )
        .values("application__branch")
        .annotate(
            submitted=count(Status.SUBMITTED),
            reviewing=count(Status.REVIEWING),
            returned=count(Status.RETURNED),
        )
    }
    amendments = dict(
        AmendmentRequest.objects.filter(
            product_request__application__branch__in=ids, status__in=OPEN_STATUSES
        )
        .values("product_request__application__branch")
        .annotate(n=Count("pk"))
        .values_list("product_request__application__branch", "n")
    )
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    issued = dict(
        GuaranteeContract.objects.filter(branch__in=ids, issued_at__gte=start)
        .values("branch")
        .annotate(n=Count("pk"))
        .values_list("branch", "n")
    )
    return [
        BranchWork(
            branch=branch,
            submitted=applications.get(branch.pk, {}).get("submitted", 0),
            reviewing=applications.get(branch.pk, {}).get("reviewing", 0),
            returned=applications.get(branch.pk, {}).get("returned", 0),
            amendments=amendments.get(branch.pk, 0),
            issued_today=issued.get(branch.pk, 0),
        )
        for branch in branches
    ]
