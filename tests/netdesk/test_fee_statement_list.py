"""保証料計算書一覧 lists the company's fee statements only, newest contract first and, within a contract,
its newest statement (a 変更's 追加保証料) first."""

import datetime

import pytest
from django.utils import timezone

from issuers.models import CertificateVersion, FeeStatement, GuaranteeContract
from netdesk.models import Application, ProductRequest, Status
from tests.netdesk.contracts_helpers import change, issue_application

CHANGE_DAY = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))


@pytest.fixture
def issued_b(issue_day, fee_rates, company_b, contractor_b, body_p, branch_x, clerk_x):
    return issue_application(
        company=company_b, contractor=contractor_b, body=body_p, branch=branch_x, clerk=clerk_x
    )


def pdf_links(page: str, statements) -> list[int]:
    """The statements' positions in the page, in the order of the page."""
    found = {s.pk: page.find(f"/netdesk/fee-statements/{s.pk}/pdf/") for s in statements}
    return [pk for pk, at in sorted(found.items(), key=lambda item: item[1]) if at >= 0]


def test_another_companys_statements_are_never_listed(client, contractor_a, issued_a, issued_b):
    client.force_login(contractor_a)
    page = client.get("/netdesk/fee-statements/").content.decode()
    own = FeeStatement.objects.filter(contract__in=[r.contract for r in issued_a])
    theirs = FeeStatement.objects.filter(contract__in=[r.contract for r in issued_b])
    assert own.exists() and theirs.exists()
    assert set(pdf_links(page, own)) == {s.pk for s in own}
    assert pdf_links(page, theirs) == []
    assert client.get(f"/netdesk/fee-statements/{theirs.first().pk}/pdf/").status_code == 404


def test_newest_contract_first_and_its_additional_fee_above_its_first(
    client, contractor_a, issued_a, clerk_x, time_machine
):
    advance, performance = (r.contract for r in issued_a)
    time_machine.move_to(CHANGE_DAY, tick=False)
    change(advance, clerk_x, guarantee_amount=25_000_000)
    statements = FeeStatement.objects.filter(contract__in=[advance, performance])
    newest_contract, older_contract = sorted([advance, performance], key=lambda c: -c.pk)
    expected = [
        s.pk
        for contract in (newest_contract, older_contract)
        for s in sorted(contract.fee_statements.all(), key=lambda s: (s.issued_at, s.pk), reverse=True)
    ]
    client.force_login(contractor_a)
    page = client.get("/netdesk/fee-statements/").content.decode()
    assert pdf_links(page, statements) == expected


# -- many statements: pages, the last one, bad page numbers ------------------------------------------

CONTRACTS = 45  # bulk-created after issued_a's two; every fifth with a 変更's 追加保証料: 56 statements
PER_PAGE = 20


@pytest.fixture
def many_statements(issued_a, issued_b, company_a, contractor_a, body_p, branch_x, clerk_x):
    """Company A's 47 contracts and their 56 statements, as the page must list them: newest contract
    first, within one its newest statement first. Company B's are there too, and must never show."""
    template = FeeStatement.objects.get(contract=issued_a[0].contract)
    now = timezone.now()
    contracts = GuaranteeContract.objects.bulk_create(
        GuaranteeContract(number=f"20108-8{i:04d}X", product="advance", format="electronic",
                          branch=branch_x, ordering_body=body_p, issued_at=now, issued_by=clerk_x)
        for i in range(CONTRACTS)
    )  # fmt: skip
    versions, statements = [], []
    for i, contract in enumerate(contracts):
        for sequence in (1, 2) if i % 5 == 0 else (1,):
            content = {**template.version.content, "number": contract.number, "work_name": f"見本工事{i:04d}"}
            versions.append(
                CertificateVersion(contract=contract, sequence=sequence, kind="new" if sequence == 1 else "change",
                                   change_no=sequence - 1, content=content, issued_at=now, issued_by=clerk_x)
            )  # fmt: skip
    CertificateVersion.objects.bulk_create(versions)
    for version in CertificateVersion.objects.filter(contract__in=contracts):
        statements.append(
            FeeStatement(contract=version.contract, version=version, guarantee_amount=template.guarantee_amount,
                         days=template.days, annual_rate=template.annual_rate, minimum_fee=template.minimum_fee,
                         fee=template.fee, pdf=template.pdf.name,
                         issued_at=now + datetime.timedelta(days=version.sequence))
        )  # fmt: skip
    FeeStatement.objects.bulk_create(statements)
    applications = Application.objects.bulk_create(
        Application(company=company_a, created_by=contractor_a, work_name=f"見本工事{i:04d}",
                    ordering_body=body_p, branch=branch_x, submitted_at=now)
        for i in range(CONTRACTS)
    )  # fmt: skip
    ProductRequest.objects.bulk_create(
        ProductRequest(application=application, company=company_a, product="advance", requested=True,
                       status=Status.ISSUED, format="electronic", guarantee_amount=20_000_000, contract=contract)
        for application, contract in zip(applications, contracts, strict=True)
    )  # fmt: skip
    own = FeeStatement.objects.filter(contract__in=[*contracts, *(r.contract for r in issued_a)])
    expected = [s.pk for s in sorted(own, key=lambda s: (s.contract_id, s.issued_at, s.pk), reverse=True)]
    assert len(expected) == CONTRACTS + CONTRACTS // 5 + 2
    return expected


def test_every_page_in_order_and_the_last_ends_with_the_oldest(
    client, contractor_a, many_statements, issued_b
):
    client.force_login(contractor_a)
    statements = FeeStatement.objects.all()
    seen = []
    pages = -(-len(many_statements) // PER_PAGE)
    for number in range(1, pages + 1):
        page = client.get("/netdesk/fee-statements/", {"page": number}).content.decode()
        seen += pdf_links(page, statements)
        assert f"{number} / {pages} ページ（{len(many_statements)}件）" in page
    assert seen == many_statements
    theirs = FeeStatement.objects.filter(contract__in=[r.contract for r in issued_b])
    assert theirs.exists() and not set(seen) & {s.pk for s in theirs}
    oldest = min(
        FeeStatement.objects.filter(pk__in=many_statements), key=lambda s: (s.contract_id, s.issued_at)
    )
    # The company's first contract's first statement, at the bottom of the last page.
    assert seen[-1] == oldest.pk


def test_page_two_starts_where_page_one_stopped(client, contractor_a, many_statements):
    client.force_login(contractor_a)
    first = client.get("/netdesk/fee-statements/").content.decode()
    second = client.get("/netdesk/fee-statements/?page=2").content.decode()
    statements = FeeStatement.objects.all()
    assert pdf_links(first, statements) == many_statements[:PER_PAGE]
    assert pdf_links(second, statements) == many_statements[PER_PAGE : 2 * PER_PAGE]
    assert 'rel="next"' in first and 'rel="prev"' in second


@pytest.mark.parametrize("value", ["abc", "0", "-3", "99999", "1e3", "2.5", "9" * 5000, "\x00", "", "３"])
def test_a_bad_page_number_shows_a_page_never_an_error(client, contractor_a, many_statements, value):
    client.force_login(contractor_a)
    response = client.get("/netdesk/fee-statements/", {"page": value})
    assert response.status_code == 200
    shown = pdf_links(response.content.decode(), FeeStatement.objects.all())
    # Django's Paginator: not a number → the first page; past the end → the last.
    assert shown in (many_statements[:PER_PAGE], many_statements[-(len(many_statements) % PER_PAGE) :])


@pytest.mark.parametrize("number", ["1", "3"])
def test_a_page_deep_or_not_makes_a_bounded_number_of_queries(
    client, contractor_a, many_statements, number, django_assert_max_num_queries
):
    client.force_login(contractor_a)
    with django_assert_max_num_queries(12):
        response = client.get("/netdesk/fee-statements/", {"page": number})
    assert response.status_code == 200
