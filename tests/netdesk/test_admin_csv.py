"""CSV export of the clerk's lists: the columns shown, the filters and search applied, the branch's scope
kept; UTF-8 with a BOM so that Excel opens it."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from netdesk import services
from netdesk.models import Status
from tests import factories

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def application(company, contractor, body, branch, **kwargs):
    return factories.ApplicationFactory(
        company=company,
        created_by=contractor,
        ordering_body=body,
        branch=branch,
        submitted_at=timezone.now(),
        products__status=Status.SUBMITTED,
        **kwargs,
    )


def rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment; filename*=UTF-8''" in response["Content-Disposition"]
    body = response.content
    assert body.startswith("\ufeff".encode())  # the BOM
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def work(
    company_a, contractor_a, body_p, branch_x, company_b, contractor_b, body_q, branch_y, fee_rates, clerk_x
):
    paper = application(
        company_a, contractor_a, body_p, branch_x, work_name="紙の工事", products__format="paper"
    )
    issued = application(company_a, contractor_a, body_p, branch_x, work_name="電子の工事")
    contract = services.product_request_issue(
        product_request=issued.products.get(product="advance"), by=clerk_x
    )
    application(company_b, contractor_b, body_q, branch_y, work_name="栃木の工事")
    return {"paper": paper, "issued": issued, "contract": contract}


def test_the_application_csv_has_the_columns_and_filters_of_the_list(client, clerk_x, work):
    client.force_login(clerk_x)
    table = rows(client.get("/admin/netdesk/application/csv/", {"status": "submitted", "q": "紙"}))
    assert table[0] == ["工事名", "受注者（会社）", "発注者", "商品・形式・手続状況", "申込日"]
    assert table[1:] == [
        [
            "紙の工事",
            "北アルプス建設株式会社",
            "小谷村",
            "前払金保証（紙）: 申込済 / 契約保証（紙）: 申込済",
            "2026/06/01",
        ]
    ]


def test_the_contract_and_fee_statement_csvs(client, clerk_x, work):
    client.force_login(clerk_x)
    contracts = rows(client.get("/admin/issuers/guaranteecontract/csv/"))
    assert contracts[0][:3] == ["保証契約番号", "工事名", "受注者"]
    assert contracts[1][:3] == [work["contract"].number, "電子の工事", "北アルプス建設株式会社"]
    assert "20,000,000 円" in contracts[1]
    fees = rows(client.get("/admin/issuers/feestatement/csv/"))
    assert fees[0][:2] == ["保証契約", "保証金額"]
    assert fees[1][0] == work["contract"].number and "0.250%" in fees[1]


def test_tochigis_clerk_exports_none_of_naganos_work(client, clerk_y, work):
    client.force_login(clerk_y)
    applications = rows(client.get("/admin/netdesk/application/csv/", {"status": "all"}))
    assert [row[0] for row in applications[1:]] == ["栃木の工事"]
    assert rows(client.get("/admin/issuers/guaranteecontract/csv/"))[1:] == []
    assert rows(client.get("/admin/issuers/feestatement/csv/"))[1:] == []


def test_the_list_links_to_its_csv_with_its_filters(client, clerk_x, work):
    client.force_login(clerk_x)
    page = client.get("/admin/netdesk/application/", {"status": "submitted"}).content.decode()
    assert 'href="csv/?status=submitted"' in page


def test_the_csv_runs_a_bounded_number_of_queries(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, django_assert_max_num_queries
):
    for _ in range(40):
        application(company_a, contractor_a, body_p, branch_x)
    client.force_login(clerk_x)
    with django_assert_max_num_queries(12):
        assert len(rows(client.get("/admin/netdesk/application/csv/"))) == 41


def test_a_contractors_formula_is_written_as_text(client, clerk_x, company_a, contractor_a, body_p, branch_x):
    """Found in review: a 工事名 starting with = ran as a formula when the clerk opened the CSV in Excel."""
    application(company_a, contractor_a, body_p, branch_x, work_name='=HYPERLINK("https://evil/","x")')
    client.force_login(clerk_x)
    table = rows(client.get("/admin/netdesk/application/csv/"))
    assert [row[0] for row in table[1:]] == ['\'=HYPERLINK("https://evil/","x")']


@pytest.mark.parametrize(
    "url",
    [
        "/admin/netdesk/application/csv/?submitted_at__gte=x",
        "/admin/issuers/guaranteecontract/csv/?issued_at__year=x",
    ],
)
def test_a_csv_with_a_filter_that_cannot_be_built_is_the_lists_error_redirect(client, clerk_x, url):
    """Found in review: the list answers such a query with its ?e=1 redirect; its CSV was a 500."""
    client.force_login(clerk_x)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
