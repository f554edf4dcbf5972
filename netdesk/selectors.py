"""Reads of a company's applications that the Net Desk pages share. Every query is scoped to a company."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from common import certificates
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
    through `FeeStatementPages`, which reads in this order without the whole table."""
    return (
        FeeStatement.objects.filter(contract_id__in=contract_ids_for_company(company=company))
        .select_related("contract", "version")
        .order_by("-contract_id", "-issued_at", "-pk")
    )


# On PostgreSQL, the company's contracts newest first (the index request_company_contracts) and, for each,
# its statements (the fee statements' contract index): a LATERAL join is always a nested loop driven by
# the company's own rows. As a plain join or IN, the planner chose a hash join of every fee statement
# for a deep page (OFFSET 9,980: 225–540 ms at 1,000,000; docs/performance.md). {order} is DESC, or ASC
# to read a page in the second half from the oldest end.
_FEE_PAGE_SQL = """
SELECT f.id FROM {request} AS r
CROSS JOIN LATERAL (
    SELECT s.id, s.issued_at FROM {statement} AS s WHERE s.contract_id = r.contract_id
    ORDER BY s.issued_at {order}, s.id {order}
) AS f
WHERE r.company_id = %s AND r.contract_id IS NOT NULL
ORDER BY r.contract_id {order}, f.issued_at {order}, f.id {order}
LIMIT %s OFFSET %s
"""
_FEE_COUNT_SQL = """
SELECT COALESCE(SUM(f.n), 0) FROM {request} AS r
CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM {statement} AS s WHERE s.contract_id = r.contract_id) AS f
WHERE r.company_id = %s AND r.contract_id IS NOT NULL
"""


class FeeStatementPages:
    """保証料計算書一覧 for Django's Paginator (`count()`, then a slice), in the order of
    `fee_statements_for_company`: every page reads the company's own contracts and statements, never
    the table. On PostgreSQL the count and the page's ids come from a LATERAL join over the company's
    contracts (above) — a page in the first half read from the newest end, one in the second half from
    the oldest end, so the last page costs what the first does and the middle one the most (half the
    company's statements) — then the page's ≤ 20 statements by id with their contract and version:
    three queries. Elsewhere (SQLite) the queryset itself."""

    ordered = True  # what Paginator checks on a queryset

    def __init__(self, *, company: Company):
        self.company = company
        self.queryset = fee_statements_for_company(company=company)
        self.lateral = connection.vendor == "postgresql"
        self.counted: int | None = None

    def _sql(self, template: str, **order) -> str:
        return template.format(
            request=connection.ops.quote_name(ProductRequest._meta.db_table),
            statement=connection.ops.quote_name(FeeStatement._meta.db_table),
            **order,
        )

    def count(self) -> int:
        if not self.lateral:
            return self.queryset.count()
        with connection.cursor() as cursor:
            cursor.execute(self._sql(_FEE_COUNT_SQL), [self.company.pk])
            self.counted = int(cursor.fetchone()[0])
        return self.counted

    def __getitem__(self, key: slice) -> list[FeeStatement]:
        if not isinstance(key, slice) or key.step is not None or key.stop is None:
            raise TypeError("FeeStatementPages takes slices [start:stop] only")
        start, stop = max(key.start or 0, 0), key.stop
        if self.counted is not None:
            stop = min(stop, self.counted)
        if stop <= start:
            return []
        if not self.lateral:
            return list(self.queryset[start:stop])
        if self.counted is not None and start > self.counted - stop:  # nearer the oldest end
            sql, offset, backward = self._sql(_FEE_PAGE_SQL, order="ASC"), self.counted - stop, True
        else:
            sql, offset, backward = self._sql(_FEE_PAGE_SQL, order="DESC"), start, False
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.company.pk, stop - start, offset])
            ids = [row[0] for row in cursor.fetchall()]
        if backward:
            ids.reverse()
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
