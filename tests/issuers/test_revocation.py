"""取消: a clerk withdraws a whole guarantee contract. Its documents stay as issued; the status reads 取消
on Net Desk, in D-Sure (page, inbox, API) and nothing more can be done to it."""

import datetime
import uuid

import pytest

from audit.models import AuditEntry
from dsure.models import Certificate
from dsure.services import api_client_create
from issuers import services
from issuers.amendments import Amendment
from issuers.models import CertificateVersion, ContractEvent
from netdesk import services as netdesk_services
from tests.netdesk.contracts_helpers import NOW, detail_url, issue_application

REASON = "請負契約の解除による"


@pytest.fixture
def issued(time_machine, fee_rates, company_a, contractor_a, body_p, branch_x, clerk_x):
    time_machine.move_to(NOW, tick=False)
    return issue_application(
        company=company_a, contractor=contractor_a, body=body_p, branch=branch_x, clerk=clerk_x
    )


@pytest.fixture
def advance(issued):
    return issued[0].contract


def revoke_url(contract):
    return f"/admin/issuers/guaranteecontract/{contract.pk}/revoke/"


def test_the_clerk_withdraws_a_contract_with_a_reason(client, clerk_x, advance):
    versions = list(CertificateVersion.objects.filter(contract=advance).values_list("pk", "content"))
    client.force_login(clerk_x)
    assert (
        "保証契約の取消"
        in client.get(f"/admin/issuers/guaranteecontract/{advance.pk}/change/").content.decode()
    )

    response = client.post(revoke_url(advance), {"reason": REASON}, follow=True)

    assert f"{advance.number} を取消しました" in response.content.decode()
    advance.refresh_from_db()
    assert advance.revoked_at == NOW and advance.revoked_by == clerk_x
    assert advance.revocation_reason == REASON
    # Nothing issued changes: the versions are the same rows with the same content.
    assert list(CertificateVersion.objects.filter(contract=advance).values_list("pk", "content")) == versions
    assert Certificate.objects.get(number=advance.number).revoked_at == NOW
    actions = list(advance.events.order_by("pk").values_list("action", "detail"))
    assert (ContractEvent.Action.REVOCATION, f"取消：{REASON}") in actions
    assert (ContractEvent.Action.POST, "取消をD-Sureに掲載") in actions
    entry = AuditEntry.objects.get(action="contract.revoke")
    assert entry.detail == {"number": advance.number, "reason": REASON, "posted_to_dsure": True}
    assert entry.actor == clerk_x


def test_a_reason_is_required_and_a_second_withdrawal_is_refused(client, clerk_x, advance):
    client.force_login(clerk_x)
    response = client.post(revoke_url(advance), {"reason": "  "})
    assert response.status_code == 200
    assert "このフィールドは必須です。" in response.content.decode()
    advance.refresh_from_db()
    assert advance.revoked_at is None

    assert client.post(revoke_url(advance), {"reason": REASON}).status_code == 302
    again = client.post(revoke_url(advance), {"reason": "二度目"})
    assert again.status_code == 200
    assert "取消済みのため、この操作はできません" in again.content.decode()
    assert ContractEvent.objects.filter(contract=advance, action=ContractEvent.Action.REVOCATION).count() == 1


def test_another_branchs_clerk_cannot_withdraw_it(client, clerk_y, advance):
    client.force_login(clerk_y)
    assert client.post(revoke_url(advance), {"reason": REASON}).status_code == 404
    advance.refresh_from_db()
    assert advance.revoked_at is None


def test_a_withdrawn_contract_takes_no_change_correction_cancellation_or_new_key(clerk_x, advance):
    services.contract_change(
        contract=advance, amendment=services.Amendment(guarantee_amount=18_000_000), by=clerk_x
    )
    services.contract_revoke(contract=advance, by=clerk_x, reason=REASON)
    amendment = services.Amendment(guarantee_amount=17_000_000)
    for operation in [
        lambda: services.contract_change(contract=advance, amendment=amendment, by=clerk_x),
        lambda: services.contract_correct(contract=advance, amendment=amendment, by=clerk_x),
        lambda: services.contract_cancel_change(contract=advance, by=clerk_x, reason="x"),
        lambda: services.key_reissue(contract=advance, by=clerk_x, reason="x"),
    ]:
        with pytest.raises(services.IssueError, match="取消済み"):
            operation()
    assert advance.versions.count() == 2 and advance.keys.count() == 1


def test_net_desk_shows_the_status_and_takes_no_amendment(client, clerk_x, contractor_a, issued, advance):
    services.contract_revoke(contract=advance, by=clerk_x, reason=REASON)
    client.force_login(contractor_a)

    page = client.get(detail_url(advance)).content.decode()
    assert "状態 取消" in page
    assert "この保証契約は取消済みのため、変更を申し込めません。" in page
    assert f'href="/netdesk/contracts/{advance.pk}/amendments/new/"' not in page

    revoked = client.get("/netdesk/contracts/", {"status": "取消"}).content.decode()
    valid = client.get("/netdesk/contracts/", {"status": "有効"}).content.decode()
    performance = issued[1].contract
    assert advance.number in revoked and performance.number not in revoked
    assert advance.number not in valid and performance.number in valid

    with pytest.raises(netdesk_services.AmendmentRefused, match="取消済み"):
        netdesk_services.amendment_submit(
            product_request=issued[0],
            by=contractor_a,
            client_token=uuid.uuid4(),
            format="electronic",
            terms=Amendment(guarantee_amount=18_000_000),
        )


def test_d_sure_shows_it_as_revoked_to_its_body_with_the_key(client, clerk_x, official_p, issued, advance):
    key = services.current_key(advance)
    client.force_login(official_p)
    assert client.post("/dsure/", {"number": advance.number, "key": key}).status_code == 302
    services.contract_revoke(contract=advance, by=clerk_x, reason=REASON)

    response = client.post("/dsure/", {"number": advance.number, "key": key}, follow=True)
    page = response.content.decode()
    assert advance.number in page and "取消" in page and "有効" not in page
    inbox = client.get("/dsure/inbox/").content.decode()
    assert "取消" in inbox

    _, token = api_client_create(body=Certificate.objects.get(number=advance.number).body, name="電子契約")
    answer = client.post(
        "/dsure/api/v1/verify",
        {"number": advance.number, "key": key},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "revoked"


def test_a_paper_contract_is_withdrawn_without_d_sure(
    time_machine, fee_rates, company_a, contractor_a, body_p, branch_x, clerk_x
):
    time_machine.move_to(NOW, tick=False)
    paper, _ = issue_application(
        company=company_a,
        contractor=contractor_a,
        body=body_p,
        branch=branch_x,
        clerk=clerk_x,
        format="paper",
    )
    contract = services.contract_revoke(contract=paper.contract, by=clerk_x, reason=REASON)
    assert contract.revoked_at is not None
    assert not contract.events.filter(action=ContractEvent.Action.POST).exists()
    assert AuditEntry.objects.get(action="contract.revoke").detail["posted_to_dsure"] is False
    assert not Certificate.objects.filter(number=contract.number).exists()


def test_the_status_rule_puts_revocation_before_the_deadline():
    from issuers.selectors import contract_status

    past = {"guarantee_deadline": "2026-01-31"}
    today = datetime.date(2026, 6, 1)
    assert contract_status(past, today=today, revoked=False) == "期限切れ"
    assert contract_status(past, today=today, revoked=True) == "取消"
    assert contract_status({"guarantee_deadline": "2027-03-19"}, today=today, revoked=False) == "有効"


def test_an_open_amendment_of_a_withdrawn_contract_cannot_be_issued(
    client, clerk_x, contractor_a, issued, advance
):
    amendment = netdesk_services.amendment_submit(
        product_request=issued[0],
        by=contractor_a,
        client_token=uuid.uuid4(),
        format="electronic",
        terms=Amendment(guarantee_amount=18_000_000),
    )
    services.contract_revoke(contract=advance, by=clerk_x, reason=REASON)

    client.force_login(clerk_x)
    response = client.post(f"/admin/netdesk/amendmentrequest/{amendment.pk}/issue/", follow=True)
    assert "取消済みのため、この操作はできません" in response.content.decode()
    assert advance.versions.count() == 1
    client.force_login(contractor_a)
    page = client.get(detail_url(advance)).content.decode()
    assert "この保証契約は取消済みのため、変更を申し込めません。" in page
    assert "受付中の変更の申込があります" not in page
