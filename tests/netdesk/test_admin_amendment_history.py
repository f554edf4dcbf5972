"""Amendments keep their history: the clerk reads 変更前 → 変更後 of every changed term as it was when
the contractor applied — before the 変更 is issued, after, and after a later 訂正 — and 訂正 opens on the
current content and asks for a 訂正理由."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from issuers import services as issuers_services
from issuers.amendments import Amendment
from issuers.models import ContractEvent
from netdesk import services
from netdesk.models import Status
from tests import factories

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def contract(time_machine, company_a, contractor_a, body_p, branch_x, fee_rates, clerk_x):
    time_machine.move_to(NOW, tick=False)
    application = factories.ApplicationFactory(
        company=company_a,
        created_by=contractor_a,
        ordering_body=body_p,
        branch=branch_x,
        submitted_at=timezone.now(),
        products__status=Status.SUBMITTED,
    )
    advance = application.products.get(product="advance")
    return services.product_request_issue(product_request=advance, by=clerk_x)


@pytest.fixture
def amendment(contract, contractor_a):
    request = contract_request(contract)
    return services.amendment_submit(
        product_request=request,
        by=contractor_a,
        client_token=uuid.uuid4(),
        format="electronic",
        terms=Amendment(guarantee_amount=18_000_000, period_end=datetime.date(2027, 9, 30)),
    )


def contract_request(contract):
    from netdesk.models import ProductRequest

    return ProductRequest.objects.get(contract=contract)


def changes_table(client, amendment) -> str:
    page = client.get(f"/admin/netdesk/amendmentrequest/{amendment.pk}/change/").content.decode()
    table = re.search(r'<table class="amendment-changes">.*?</table>', page, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table)).strip()


EXPECTED = "項目 変更前 変更後 保証金額 20,000,000 円 → 18,000,000 円 工期（終了日） 令和09年03月19日 → 令和09年09月30日"


def test_the_request_shows_before_and_after_of_every_changed_term(client, clerk_x, amendment):
    assert amendment.before == {"guarantee_amount": 20_000_000, "period_end": "2027-03-19"}
    client.force_login(clerk_x)
    assert changes_table(client, amendment) == EXPECTED


def test_before_stays_as_it_was_once_issued_and_after_a_later_correction(
    client, clerk_x, amendment, contract
):
    services.amendment_issue(amendment=amendment, by=clerk_x)
    issuers_services.contract_correct(
        contract=contract,
        amendment=issuers_services.Amendment(guarantee_amount=17_000_000),
        by=clerk_x,
        reason="金額の誤記",
    )
    client.force_login(clerk_x)
    assert changes_table(client, amendment) == EXPECTED


def test_correction_opens_on_the_current_content(client, clerk_x, contract):
    client.force_login(clerk_x)
    page = client.get(f"/admin/issuers/guaranteecontract/{contract.pk}/correct/").content.decode()
    assert 'value="中小谷地区道路改良工事"' in page
    assert 'value="20,000,000"' in page
    assert 'value="2027-03-19"' in page
    assert "訂正理由" in page
    assert "戻る" in page


def test_correction_requires_a_reason_and_keeps_what_was_typed(client, clerk_x, contract):
    client.force_login(clerk_x)
    url = f"/admin/issuers/guaranteecontract/{contract.pk}/correct/"
    page = client.post(url, {"work_name": "中小谷地区道路改良工事（その2）", "reason": ""}).content.decode()
    assert "訂正理由を入力してください。" in page
    assert 'value="中小谷地区道路改良工事（その2）"' in page
    assert contract.versions.count() == 1


def test_a_correction_that_changes_nothing_is_refused(client, clerk_x, contract):
    client.force_login(clerk_x)
    url = f"/admin/issuers/guaranteecontract/{contract.pk}/correct/"
    current = issuers_services.current_content(contract)
    unchanged = {name: current[name] for name in ("work_name", "contractor_name", "period_end")}
    page = client.post(
        url, {**unchanged, "guarantee_amount": "20,000,000", "reason": "確認"}
    ).content.decode()
    assert "訂正する項目がありません。" in page
    assert contract.versions.count() == 1


def test_the_reason_is_kept_in_the_contracts_record(client, clerk_x, contract):
    client.force_login(clerk_x)
    url = f"/admin/issuers/guaranteecontract/{contract.pk}/correct/"
    current = issuers_services.current_content(contract)
    response = client.post(
        url,
        {
            "work_name": "中小谷地区道路改良工事（その2）",
            "period_end": current["period_end"],
            "reason": "工事名の誤記",
        },
    )
    assert response.status_code == 302
    event = contract.events.get(action=ContractEvent.Action.CORRECTION)
    assert event.detail.endswith("：工事名の誤記")
    assert issuers_services.current_content(contract)["work_name"] == "中小谷地区道路改良工事（その2）"
    assert issuers_services.current_content(contract)["period_end"] == current["period_end"]
