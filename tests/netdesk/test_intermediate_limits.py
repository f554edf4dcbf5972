"""The 中間前払金保証's limits hold whichever of the two guarantees moves: a 変更 of the first advance
cannot push the pair past 6/10 of the 請負金額 nor leave the issued intermediate above 2/10, and the
intermediate is checked again at 発行 against the first advance as it reads then."""

import datetime
import uuid

import pytest

from issuers.amendments import Amendment
from issuers.models import GuaranteeContract
from netdesk import services
from netdesk.models import AmendmentRequest, ProductRequest
from tests.netdesk.test_amendments import field_error, form_data, new_url
from tests.netdesk.test_intermediate import LATER, apply, intermediate_of

CONFIRMED = {"confirm_issue": "発行する"}


@pytest.fixture
def later(advance_a, time_machine):
    """小谷村's 前払金保証: 請負金額 50,000,000, 前払金保証金額 20,000,000; half of its 工期 gone."""
    time_machine.move_to(LATER, tick=False)
    return advance_a


@pytest.fixture
def intermediate_submitted(client, contractor_a, later):
    apply(client, contractor_a, later, guarantee_amount="8,000,000")
    return intermediate_of(later)


@pytest.fixture
def intermediate_issued(clerk_x, intermediate_submitted):
    return services.product_request_issue(product_request=intermediate_submitted, by=clerk_x)


def advance_change(contractor, advance, **fields):
    return services.amendment_submit(
        product_request=ProductRequest.objects.get(contract=advance),
        by=contractor,
        client_token=uuid.uuid4(),
        format="electronic",
        terms=Amendment(**fields),
    )


# -- 変更 of the first advance while an intermediate is issued ------------------------------------------


def test_an_advance_change_past_six_tenths_with_the_intermediate_is_refused_next_to_the_field(
    client, contractor_a, later, intermediate_issued
):
    client.force_login(contractor_a)
    page = client.post(new_url(later), form_data(client, later, guarantee_amount="30,000,000")).content
    message = field_error(page.decode(), "guarantee_amount")
    assert "前払金保証金額（30,000,000 円）と発行済みの中間前払金保証金額（8,000,000 円" in message
    assert "請負金額の60%（30,000,000 円）以内" in message and "22,000,000 円まで" in message
    assert 'value="30,000,000"' in page.decode()  # what was typed stays
    assert not AmendmentRequest.objects.exists()
    # Up to the limit it goes through.
    assert (
        client.post(new_url(later), form_data(client, later, guarantee_amount="22,000,000")).status_code
        == 302
    )


def test_an_advance_change_lowering_the_contract_amount_under_the_intermediate_is_refused(
    client, contractor_a, later, intermediate_issued
):
    client.force_login(contractor_a)
    data = form_data(client, later, contract_amount="35,000,000", guarantee_amount="12,000,000")
    message = field_error(client.post(new_url(later), data).content.decode(), "contract_amount")
    assert "中間前払金保証（保証契約番号" in message and "8,000,000 円" in message
    assert "請負金額は40,000,000 円以上で入力してください" in message
    assert not AmendmentRequest.objects.exists()


def test_a_revoked_intermediate_no_longer_limits_the_advance(
    client, contractor_a, clerk_x, later, intermediate_issued
):
    from issuers import services as issuers_services

    issuers_services.contract_revoke(contract=intermediate_issued, by=clerk_x, reason="請負契約の解除")
    advance_change(contractor_a, later, guarantee_amount=30_000_000)
    assert AmendmentRequest.objects.count() == 1


def test_the_clerk_cannot_issue_an_advance_change_that_the_intermediate_issued_since_breaks(
    client, contractor_a, clerk_x, later, intermediate_submitted
):
    # Applied for while the intermediate was still only requested…
    amendment = advance_change(contractor_a, later, guarantee_amount=25_000_000)
    # …which is then issued against the advance as it reads (20M + 8M ≤ 30M).
    services.product_request_issue(product_request=intermediate_submitted, by=clerk_x)
    client.force_login(clerk_x)
    page = client.post(f"/admin/netdesk/amendmentrequest/{amendment.pk}/issue/", follow=True).content
    assert "前払金保証金額（25,000,000 円）と発行済みの中間前払金保証金額（8,000,000 円" in page.decode()
    assert GuaranteeContract.objects.get(pk=later.pk).versions.count() == 1
    assert AmendmentRequest.objects.get(pk=amendment.pk).is_open


# -- the intermediate at 発行, against the first advance as it now reads ----------------------------------


def issue_url(product_request):
    return f"/admin/netdesk/application/{product_request.application_id}/issue/{product_request.pk}/"


def test_an_intermediate_above_two_tenths_of_the_changed_contract_amount_is_not_issued(
    client, contractor_a, clerk_x, later
):
    apply(client, contractor_a, later, guarantee_amount="10,000,000")
    change = advance_change(contractor_a, later, contract_amount=40_000_000, guarantee_amount=16_000_000)
    services.amendment_issue(amendment=change, by=clerk_x)
    request = intermediate_of(later)
    refusal = services.product_request_issue_refusal(request)
    assert "中間前払金保証金額（10,000,000 円）" in refusal
    assert "現在の請負金額（40,000,000 円）の20%（8,000,000 円）" in refusal

    client.force_login(clerk_x)
    page = client.get(issue_url(request)).content.decode()
    assert refusal in page and 'value="発行する"' not in page
    client.post(issue_url(request), CONFIRMED)
    with pytest.raises(services.TransitionError):
        services.product_request_issue(product_request=request, by=clerk_x)
    assert not GuaranteeContract.objects.filter(product="intermediate").exists()


def test_an_intermediate_past_six_tenths_with_the_changed_advance_is_refused_in_the_bulk_issue(
    client, contractor_a, clerk_x, later
):
    apply(client, contractor_a, later, guarantee_amount="10,000,000")
    services.amendment_issue(
        amendment=advance_change(contractor_a, later, guarantee_amount=25_000_000), by=clerk_x
    )
    request = intermediate_of(later)
    client.force_login(clerk_x)
    page = client.post(
        "/admin/netdesk/application/", {"action": "issue_all", "_selected_action": [request.application_id]}
    ).content.decode()
    assert "発行できません：" in page
    assert "現在の前払金保証金額（25,000,000 円）と中間前払金保証金額（10,000,000 円）の合計" in page
    assert "請負金額（50,000,000 円）の60%（30,000,000 円）を超えるため発行できません" in page
    assert not GuaranteeContract.objects.filter(product="intermediate").exists()


def test_within_both_limits_of_the_changed_advance_it_is_issued(client, contractor_a, clerk_x, later):
    apply(client, contractor_a, later, guarantee_amount="8,000,000")
    services.amendment_issue(
        amendment=advance_change(
            contractor_a,
            later,
            contract_amount=40_000_000,
            guarantee_amount=16_000_000,
            period_end=datetime.date(2027, 3, 31),
        ),
        by=clerk_x,
    )
    request = intermediate_of(later)
    assert services.product_request_issue_refusal(request) == ""
    assert services.product_request_issue(product_request=request, by=clerk_x).product == "intermediate"


# -- 取下げ of the 中間前払金保証 request on its own ---------------------------------------------------------


def withdraw_url(product_request):
    return f"/netdesk/applications/{product_request.application_id}/intermediate/withdraw/"


def test_the_contractor_withdraws_the_intermediate_alone_and_may_apply_again(
    client, contractor_a, later, intermediate_submitted
):
    detail = f"/netdesk/applications/{intermediate_submitted.application_id}/"
    page = client.get(detail).content.decode()
    assert f'href="{withdraw_url(intermediate_submitted)}">中間前払金保証の申込を取り下げる</a>' in page
    confirm = client.get(withdraw_url(intermediate_submitted)).content.decode()
    assert "中間前払金保証の申込を取り下げますか" in confirm and "取り下げる</button>" in confirm

    response = client.post(withdraw_url(intermediate_submitted), follow=True)
    page = response.content.decode()
    assert "中間前払金保証の申込を取り下げました。" in page
    assert "中間前払金保証の取下げ" in page  # 手続の記録
    assert intermediate_of(later).status == "withdrawn"
    advance = ProductRequest.objects.select_related("contract").get(contract=later)
    assert advance.status == "issued" and advance.contract.revoked_at is None
    assert withdraw_url(intermediate_submitted) not in page
    # Withdrawn, it may be applied for anew from 詳細 of the advance.
    assert apply(client, contractor_a, later, guarantee_amount="7,000,000").status_code == 302
    assert intermediate_of(later).status == "submitted"
    assert intermediate_of(later).guarantee_amount == 7_000_000


def test_once_the_review_started_it_cannot_be_withdrawn(
    client, contractor_a, clerk_x, intermediate_submitted
):
    services.application_review_start(application=intermediate_submitted.application, by=clerk_x)
    client.force_login(contractor_a)
    page = client.get(f"/netdesk/applications/{intermediate_submitted.application_id}/").content.decode()
    assert withdraw_url(intermediate_submitted) not in page
    page = client.post(withdraw_url(intermediate_submitted), follow=True).content.decode()
    assert "審査が始まっているため取り下げできません。" in page
    assert ProductRequest.objects.get(pk=intermediate_submitted.pk).status == "reviewing"


def test_another_companys_intermediate_cannot_be_withdrawn(client, contractor_b, intermediate_submitted):
    client.force_login(contractor_b)
    assert client.get(withdraw_url(intermediate_submitted)).status_code == 404
    assert client.post(withdraw_url(intermediate_submitted)).status_code == 404
    assert ProductRequest.objects.get(pk=intermediate_submitted.pk).status == "submitted"
