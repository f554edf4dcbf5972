"""保証契約一覧 and 詳細 stay within a fixed number of queries for a company with 1,000 contracts.

The 1,000 are bulk-created rows (contract, version 1, and for every tenth a 変更 version), copied
from one contract issued through the real services, so the pages read what the service writes."""

import datetime

import pytest
from django.utils import timezone

from issuers import services as issuers_services
from issuers.models import CertificateVersion, GuaranteeContract
from netdesk.models import Application, ProductRequest, Status
from tests.netdesk.contracts_helpers import detail_url

COUNT = 1_000
MAX_QUERIES = 12


@pytest.fixture
def many_contracts(advance_a, company_a, contractor_a, clerk_x, body_p, branch_x):
    template = advance_a.versions.get()
    now = timezone.now()
    contracts = GuaranteeContract.objects.bulk_create(
        GuaranteeContract(
            number=f"20108-9{i:04d}X",
            product="advance",
            format="electronic" if i % 3 else "paper",
            branch=branch_x,
            ordering_body=body_p,
            issued_at=now - datetime.timedelta(minutes=i),
            issued_by=clerk_x,
        )
        for i in range(COUNT)
    )
    versions = []
    for i, contract in enumerate(contracts):
        content = {**template.content, "number": contract.number, "work_name": f"見本工事{i:04d}"}
        versions.append(
            CertificateVersion(
                contract=contract,
                sequence=1,
                kind="new",
                content=content,
                issued_at=now,
                issued_by=clerk_x,
            )
        )
        if i % 10 == 0:
            changed = {**content, "change_no": 1, "guarantee_amount": 18_000_000, "period_end": "2026-05-31"}
            changed["guarantee_deadline"] = changed["period_end"]
            versions.append(
                CertificateVersion(
                    contract=contract,
                    sequence=2,
                    kind="change",
                    change_no=1,
                    content=changed,
                    issued_at=now,
                    issued_by=clerk_x,
                )
            )
    CertificateVersion.objects.bulk_create(versions)
    applications = Application.objects.bulk_create(
        Application(
            company=company_a,
            created_by=contractor_a,
            work_name=f"見本工事{i:04d}",
            ordering_body=body_p,
            branch=branch_x,
            submitted_at=now,
        )
        for i in range(COUNT)
    )
    ProductRequest.objects.bulk_create(
        ProductRequest(
            application=application,
            company=company_a,
            product="advance",
            requested=True,
            status=Status.ISSUED,
            format=contract.format,
            guarantee_amount=20_000_000,
            contract=contract,
        )
        for application, contract in zip(applications, contracts, strict=True)
    )
    return contracts


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"tab": "electronic"},
        {"page": "30"},
        {"product": "advance", "status": "期限切れ"},
        {"tab": "electronic", "status": "有効", "page": "2"},
    ],
    ids=["all", "electronic", "page-30", "filters", "electronic-filters"],
)
def test_list_query_count_is_bounded(
    client, contractor_a, many_contracts, body_p, params, django_assert_max_num_queries
):
    client.force_login(contractor_a)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/netdesk/contracts/", {**params, "ordering_body": body_p.pk})
    assert response.status_code == 200
    assert "詳細" in response.content.decode()


def test_status_filter_is_right_at_scale(client, contractor_a, many_contracts):
    client.force_login(contractor_a)
    # Every tenth contract was changed to end on 2026-05-31: those 100 are 期限切れ on 2026-06-01.
    page = client.get("/netdesk/contracts/", {"status": "期限切れ"}).content.decode()
    assert "100 件中 1–20 件" in page
    page = client.get("/netdesk/contracts/", {"status": "有効"}).content.decode()
    assert f"{COUNT + 2 - 100} 件中" in page


@pytest.mark.parametrize("which", ["issued", "bulk-electronic", "bulk-paper", "bulk-changed"])
def test_detail_query_count_is_bounded(
    client, contractor_a, advance_a, many_contracts, which, django_assert_max_num_queries
):
    contract = {
        "issued": advance_a,
        "bulk-electronic": many_contracts[1],
        "bulk-paper": many_contracts[3],
        "bulk-changed": many_contracts[10],
    }[which]
    client.force_login(contractor_a)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(detail_url(contract))
    assert response.status_code == 200
    assert contract.number in response.content.decode()


def test_fee_statement_list_query_count_is_bounded(
    client, contractor_a, many_contracts, django_assert_max_num_queries
):
    client.force_login(contractor_a)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/netdesk/fee-statements/").status_code == 200


def test_status_filter_pages_through_the_matching_contracts_newest_first(
    client, contractor_a, advance_a, many_contracts, clerk_x
):
    """100 are 期限切れ (every tenth bulk contract): five pages of 20, newest contract first, the last
    ending with the oldest; with a second filter the two combine; a revoked one is 取消 only."""
    client.force_login(contractor_a)
    expired = sorted((c for i, c in enumerate(many_contracts) if i % 10 == 0), key=lambda c: -c.pk)
    shown = []
    for number in range(1, 6):
        page = client.get("/netdesk/contracts/", {"status": "期限切れ", "page": number}).content.decode()
        assert f"{number} / 5 ページ（100件）" in page
        shown += [c.pk for c in expired if c.number in page]
    assert shown == [c.pk for c in expired]
    assert 'status=%E6%9C%9F%E9%99%90%E5%88%87%E3%82%8C&amp;page=4"' in page  # 前へ keeps the filter
    page = client.get(
        "/netdesk/contracts/", {"status": "期限切れ", "product": "performance"}
    ).content.decode()
    assert "該当する保証契約はありません" in page
    revoked = advance_a
    issuers_services.contract_revoke(contract=revoked, by=clerk_x, reason="工事請負契約の解除")
    page = client.get("/netdesk/contracts/", {"status": "取消"}).content.decode()
    assert "1 件中 1–1 件" in page and revoked.number in page
    page = client.get("/netdesk/contracts/", {"status": "有効", "page": "2"}).content.decode()
    assert f"{COUNT + 2 - 100 - 1}件" in page and revoked.number not in page


@pytest.mark.parametrize("value", ["abc", "0", "-1", "9999", "1e2", "9" * 5000])
def test_status_filter_with_a_bad_page_number_shows_a_page(client, contractor_a, many_contracts, value):
    client.force_login(contractor_a)
    response = client.get("/netdesk/contracts/", {"status": "期限切れ", "page": value})
    assert response.status_code == 200
    assert "100 件中" in response.content.decode()
