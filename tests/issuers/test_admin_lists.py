"""The clerk's lists (contracts, applications) cost what the page shows: counted up to a cap and then
「1,000件以上」, and a 発行年度 filter from a fixed list instead of the admin's year drill-down."""

import datetime

import pytest
from django.utils import timezone

from common.admin import CappedCountPaginator
from issuers import services
from issuers.models import CertificateVersion, GuaranteeContract
from netdesk.models import Status
from tests import factories
from tests.issuers.helpers import terms

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)
CONTRACTS = "/admin/issuers/guaranteecontract/"
APPLICATIONS = "/admin/netdesk/application/"


@pytest.fixture
def contract(time_machine, fee_rates, branch_x, body_p, clerk_x):
    time_machine.move_to(NOW, tick=False)
    return services.contract_issue(terms=terms(branch=branch_x, body=body_p), by=clerk_x)


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)


def copies(contract, n, *, issued_at=None):
    """n contracts of the branch shaped like `contract` (bulk rows: contract and its first version)."""
    template = contract.versions.get()
    made = GuaranteeContract.objects.bulk_create(
        GuaranteeContract(
            number=f"20108-8{i:04d}X",
            product=contract.product,
            format=contract.format,
            branch=contract.branch,
            ordering_body=contract.ordering_body,
            issued_at=issued_at or contract.issued_at,
            issued_by=contract.issued_by,
        )
        for i in range(n)
    )
    CertificateVersion.objects.bulk_create(
        CertificateVersion(
            contract=c,
            sequence=1,
            kind="new",
            content={**template.content, "number": c.number},
            issued_at=c.issued_at,
            issued_by=c.issued_by,
        )
        for c in made
    )
    return made


def test_a_list_past_the_cap_says_at_least_and_stops_counting(client, clerk_x, contract, small_cap):
    copies(contract, 4)
    client.force_login(clerk_x)
    page = client.get(CONTRACTS).content.decode()
    assert "3件以上 保証契約" in page
    assert "件数が多いため、絞り込みか検索で探してください" in page


def test_a_list_within_the_cap_shows_its_count(client, clerk_x, contract, small_cap):
    copies(contract, 1)
    client.force_login(clerk_x)
    page = client.get(CONTRACTS).content.decode()
    assert "件以上" not in page
    assert "2 保証契約" in page


def test_the_applications_list_is_capped_too(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, small_cap
):
    for _ in range(4):
        factories.ApplicationFactory(
            company=company_a,
            created_by=contractor_a,
            ordering_body=body_p,
            branch=branch_x,
            submitted_at=timezone.now(),
            products__status=Status.SUBMITTED,
        )
    client.force_login(clerk_x)
    assert "3件以上" in client.get(APPLICATIONS).content.decode()


def test_the_fiscal_year_filter_lists_fixed_years_and_selects_april_to_march(client, clerk_x, contract):
    # 2026-03-31 23:00 in Tokyo belongs to 令和07年度; the contract of 2026-06-01 to 令和08年度.
    last_year = copies(contract, 1, issued_at=datetime.datetime(2026, 3, 31, 14, 0, tzinfo=datetime.UTC))[0]
    client.force_login(clerk_x)
    page = client.get(CONTRACTS).content.decode()
    assert "発行年度" in page and "令和08年度" in page and "平成29年度" in page
    this_year = client.get(CONTRACTS, {"fiscal_year": "2026"}).content.decode()
    assert contract.number in this_year and last_year.number not in this_year
    before = client.get(CONTRACTS, {"fiscal_year": "2025"}).content.decode()
    assert last_year.number in before and contract.number not in before


@pytest.mark.parametrize("value", ["abc", "２０２６", "99999", "2026\x00"])
def test_a_fiscal_year_the_list_cannot_use_is_the_admins_error_page_not_a_500(
    client, clerk_x, contract, value
):
    client.force_login(clerk_x)
    response = client.get(CONTRACTS, {"fiscal_year": value})
    assert response.status_code == 302 and "e=1" in response["Location"]


def test_the_home_s_issued_today_link_still_filters(client, clerk_x, contract):
    client.force_login(clerk_x)
    today = timezone.localdate()
    page = client.get(
        CONTRACTS,
        {"issued_at__year": today.year, "issued_at__month": today.month, "issued_at__day": today.day},
    )
    assert page.status_code == 200 and contract.number in page.content.decode()


def test_the_contracts_list_query_count_does_not_follow_the_branch(
    client, clerk_x, contract, django_assert_max_num_queries
):
    copies(contract, 150)
    client.force_login(clerk_x)
    with django_assert_max_num_queries(12):
        assert client.get(CONTRACTS).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(CONTRACTS, {"fiscal_year": "2026", "p": "2"}).status_code == 200
