"""保証料計算書一覧 lists the company's fee statements only, newest contract first and, within a contract,
its newest statement (a 変更's 追加保証料) first."""

import datetime
import re
from html import unescape

import pytest
from django.utils import timezone

from issuers.models import CertificateVersion, FeeStatement, GuaranteeContract
from netdesk import selectors as netdesk_selectors
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


def walk(client, path="/netdesk/fee-statements/"):
    """Follow 次へ from `path` to the end: the statements of each page, and the pages' HTML."""
    statements = FeeStatement.objects.all()
    pages = []
    while path:
        response = client.get(path)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append((pdf_links(html, statements), html))
        path = link(html, "next")
    return pages


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)" rel="{rel}">', html)
    return "/netdesk/fee-statements/" + unescape(found.group(1)) if found else None


def test_next_visits_every_statement_once_in_order_and_previous_walks_back(
    client, contractor_a, many_statements, issued_b
):
    client.force_login(contractor_a)
    pages = walk(client)
    seen = [pk for shown, _ in pages for pk in shown]
    assert seen == many_statements
    assert [len(shown) for shown, _ in pages] == [PER_PAGE, PER_PAGE, len(many_statements) - 2 * PER_PAGE]
    first, last = pages[0][1], pages[-1][1]
    assert 'rel="prev"' not in first and 'rel="next"' not in last
    assert f"全{len(many_statements)}件" in first
    theirs = FeeStatement.objects.filter(contract__in=[r.contract for r in issued_b])
    assert theirs.exists() and not set(seen) & {s.pk for s in theirs}
    # The company's first contract's first statement, at the bottom of the last page.
    oldest = min(
        FeeStatement.objects.filter(pk__in=many_statements), key=lambda s: (s.contract_id, s.issued_at)
    )
    assert seen[-1] == oldest.pk
    # 前へ from the last page walks back through the same pages, and ends on the first (no 前へ).
    html, back = last, []
    while path := link(html, "prev"):
        html = client.get(path).content.decode()
        back.append(pdf_links(html, FeeStatement.objects.all()))
    assert back == [shown for shown, _ in reversed(pages[:-1])]
    assert 'rel="prev"' not in html and 'rel="next"' in html


def test_the_links_keep_the_pages_other_parameters(client, contractor_a, many_statements):
    client.force_login(contractor_a)
    html = client.get("/netdesk/fee-statements/", {"x": "1"}).content.decode()
    assert "x=1" in link(html, "next")


def test_one_page_of_statements_has_neither_link(client, contractor_a, issued_a):
    client.force_login(contractor_a)
    html = client.get("/netdesk/fee-statements/").content.decode()
    assert 'rel="next"' not in html and 'rel="prev"' not in html and "全2件" in html


@pytest.fixture
def bad_positions(issued_b, many_statements):
    theirs = FeeStatement.objects.filter(contract__in=[r.contract for r in issued_b]).first()
    own = FeeStatement.objects.get(pk=many_statements[25])
    return {
        "garbage": "abc",
        "empty": "",
        "negative": "-3.-5",
        "zero": "0.0",
        "huge": "9" * 19 + "." + "9" * 19,
        "bigint": f"{2**63}.{2**63}",
        "long": "1." + "9" * 5000,
        "nul": "1.\x00",
        "wide digits": "１.２",
        "spaces": f" {own.contract_id}.{own.pk}",
        "another company's": f"{theirs.contract_id}.{theirs.pk}",
        "another contract": f"{own.contract_id + 1}.{own.pk}",
        "gone": f"{own.contract_id}.{FeeStatement.objects.order_by('-pk').first().pk + 1000}",
    }


@pytest.mark.parametrize("direction", ["after", "before"])
@pytest.mark.parametrize(
    "kind",
    ["garbage", "empty", "negative", "zero", "huge", "bigint", "long", "nul", "wide digits", "spaces",
     "another company's", "another contract", "gone"],
)  # fmt: skip
def test_a_bad_position_shows_the_first_page_never_an_error_nor_another_companys(
    client, contractor_a, many_statements, bad_positions, direction, kind
):
    client.force_login(contractor_a)
    response = client.get("/netdesk/fee-statements/", {direction: bad_positions[kind]})
    assert response.status_code == 200
    html = response.content.decode()
    assert pdf_links(html, FeeStatement.objects.all()) == many_statements[:PER_PAGE]
    assert 'rel="prev"' not in html


def test_after_the_oldest_statement_shows_the_first_page_before_it_the_rows_above(
    client, contractor_a, many_statements
):
    client.force_login(contractor_a)
    oldest = FeeStatement.objects.get(pk=many_statements[-1])
    position = f"{oldest.contract_id}.{oldest.pk}"
    html = client.get("/netdesk/fee-statements/", {"after": position}).content.decode()
    assert pdf_links(html, FeeStatement.objects.all()) == many_statements[:PER_PAGE]
    html = client.get("/netdesk/fee-statements/", {"before": position}).content.decode()
    assert pdf_links(html, FeeStatement.objects.all()) == many_statements[-PER_PAGE - 1 : -1]
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_an_old_page_number_shows_the_first_page(client, contractor_a, many_statements):
    client.force_login(contractor_a)
    html = client.get("/netdesk/fee-statements/", {"page": "250"}).content.decode()
    assert pdf_links(html, FeeStatement.objects.all()) == many_statements[:PER_PAGE]


def test_past_the_cap_the_total_says_so_rather_than_counting(
    client, contractor_a, many_statements, monkeypatch
):
    client.force_login(contractor_a)
    monkeypatch.setattr(netdesk_selectors, "COUNT_CAP", len(many_statements) - 1)
    html = client.get("/netdesk/fee-statements/").content.decode()
    assert f"{len(many_statements) - 1:,}件以上" in html and f"全{len(many_statements)}件" not in html
    monkeypatch.setattr(netdesk_selectors, "COUNT_CAP", len(many_statements))
    assert f"全{len(many_statements)}件" in client.get("/netdesk/fee-statements/").content.decode()


def test_a_deep_page_makes_a_bounded_number_of_queries(
    client, contractor_a, many_statements, django_assert_max_num_queries
):
    client.force_login(contractor_a)
    deep = FeeStatement.objects.get(pk=many_statements[39])
    for direction in ("after", "before"):
        with django_assert_max_num_queries(12):
            response = client.get("/netdesk/fee-statements/", {direction: f"{deep.contract_id}.{deep.pk}"})
        assert response.status_code == 200
    assert pdf_links(response.content.decode(), FeeStatement.objects.all()) == many_statements[19:39]
