"""The contract admin: scoped to the clerk's branch, read-only documents, 訂正 / 変更取消 / 認証キー再発行."""

import datetime

import pytest

from audit.models import AuditEntry
from dsure import digest
from dsure.models import Certificate
from issuers import services
from issuers.models import ContractEvent
from tests import factories
from tests.issuers.helpers import terms

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def contract(time_machine, fee_rates, branch_x, body_p, clerk_x):
    time_machine.move_to(NOW, tick=False)
    return services.contract_issue(terms=terms(branch=branch_x, body=body_p), by=clerk_x)


def url(contract, suffix=""):
    return f"/admin/issuers/guaranteecontract/{contract.pk}/{suffix}"


def test_clerk_sees_their_branchs_contract_with_operations_but_never_the_key(client, clerk_x, contract):
    client.force_login(clerk_x)
    page = client.get(url(contract, "change/")).content.decode()
    assert contract.number in page
    for operation in ["訂正", "変更取消", "認証キー再発行"]:
        assert operation in page
    assert services.current_key(contract) not in page


def test_another_branchs_clerk_gets_404_everywhere(client, clerk_y, contract):
    client.force_login(clerk_y)
    assert contract.number not in client.get("/admin/issuers/guaranteecontract/").content.decode()
    for suffix in ["change/", "correct/", "cancel-change/", "reissue-key/"]:
        assert client.get(url(contract, suffix)).status_code == 404
    assert client.post(url(contract, "reissue-key/"), {"reason": "x"}).status_code == 404
    assert contract.keys.count() == 1


def test_the_body_filter_offers_only_bodies_of_the_branch_s_own_contracts(
    client, clerk_x, contract, branch_x, body_q, branch_y, clerk_y
):
    others = factories.OrderingBodyFactory(
        code="100005", name="見本市", head_title="見本市長", prefecture="群馬県"
    )
    services.contract_issue(terms=terms(branch=branch_x, body=body_q), by=clerk_x)
    services.contract_issue(terms=terms(branch=branch_y, body=others), by=clerk_y)
    client.force_login(clerk_x)

    page = client.get("/admin/issuers/guaranteecontract/").content.decode()

    assert f"ordering_body__id__exact={contract.ordering_body_id}" in page
    assert f"ordering_body__id__exact={body_q.pk}" in page
    assert f"ordering_body__id__exact={others.pk}" not in page


def test_contracts_cannot_be_added_or_deleted_in_the_admin(client, superuser, contract):
    client.force_login(superuser)
    assert client.get("/admin/issuers/guaranteecontract/add/").status_code == 403
    assert client.get(url(contract, "delete/")).status_code == 403
    assert client.get("/admin/issuers/certificateversion/add/").status_code == 403


def test_correction_through_the_admin(client, clerk_x, contract):
    client.force_login(clerk_x)
    response = client.post(
        url(contract, "correct/"), {"reason": "誤記の訂正", "work_name": "中小谷地区道路改良工事（その2）"}
    )
    assert response.status_code == 302
    assert services.current_content(contract)["work_name"] == "中小谷地区道路改良工事（その2）"
    assert contract.versions.count() == 2


def test_a_corrected_deposit_bank_is_stored_full_width(client, clerk_x, contract):
    client.force_login(clerk_x)
    response = client.post(
        url(contract, "correct/"), {"reason": "誤記の訂正", "deposit_bank": "ｵﾀﾘ信用金庫 本店"}
    )
    assert response.status_code == 302
    assert services.current_content(contract)["deposit_bank"] == "オタリ信用金庫　本店"


def test_correction_with_a_bad_amount_keeps_the_input_and_says_why(client, clerk_x, contract):
    client.force_login(clerk_x)
    response = client.post(
        url(contract, "correct/"),
        {"reason": "誤記の訂正", "guarantee_amount": "90000000", "work_name": "新工事名"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "保証金額は請負金額以下にしてください。" in page
    assert 'value="新工事名"' in page
    assert contract.versions.count() == 1


@pytest.mark.parametrize(
    ("field", "typed"),
    [("guarantee_amount", "10000000000000000000000000"), ("contract_amount", "10,000,000,000,000")],
)
def test_correction_takes_amounts_within_net_desks_limits_only(client, clerk_x, contract, field, typed):
    client.force_login(clerk_x)
    response = client.post(
        url(contract, "correct/"), {"reason": "誤記の訂正", field: typed, "work_name": "新工事名"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "金額は9,999,999,999,999円以下で入力してください。" in page
    assert f'value="{typed}"' in page and 'value="新工事名"' in page
    assert contract.versions.count() == 1
    assert Certificate.objects.get(number=contract.number).versions.count() == 1  # nothing posted


def test_correction_reads_amounts_as_net_desk_does(client, clerk_x, contract):
    client.force_login(clerk_x)
    response = client.post(
        url(contract, "correct/"), {"reason": "誤記の訂正", "contract_amount": "６０，０００，０００円"}
    )
    assert response.status_code == 302
    assert services.current_content(contract)["contract_amount"] == 60_000_000


def test_the_services_refuse_amounts_beyond_the_limit_whoever_calls_them(contract, clerk_x, branch_x, body_p):
    with pytest.raises(services.IssueError, match="9,999,999,999,999円以下"):
        services.contract_correct(
            contract=contract, amendment=services.Amendment(contract_amount=10**25), by=clerk_x
        )
    with pytest.raises(services.IssueError, match="9,999,999,999,999円以下"):
        services.contract_issue(
            terms=terms(branch=branch_x, body=body_p, contract_amount=10**13, guarantee_amount=10**13),
            by=clerk_x,
        )
    assert contract.versions.count() == 1


def test_a_correction_with_a_control_character_is_refused_with_a_message(client, clerk_x, contract):
    client.force_login(clerk_x)
    response = client.post(
        url(contract, "correct/"), {"reason": "誤記の訂正", "work_name": "工\n" * 99 + "工"}
    )
    assert response.status_code == 200
    assert "改行・タブなどの制御文字は入力できません。" in response.content.decode()
    assert contract.versions.count() == 1


def test_cancelling_the_first_certificate_is_refused_with_a_message(client, clerk_x, contract):
    client.force_login(clerk_x)
    response = client.post(url(contract, "cancel-change/"), {"reason": "誤り"})
    assert "取り消せる変更がありません" in response.content.decode()


def test_cancelling_a_change_through_the_admin_keeps_the_clerks_reason(client, clerk_x, contract):
    services.contract_change(
        contract=contract, amendment=services.Amendment(guarantee_amount=18_000_000), by=clerk_x
    )
    client.force_login(clerk_x)
    response = client.post(url(contract, "cancel-change/"), {"reason": "受注者の申出による取消"}, follow=True)
    assert "直近の変更を取り消しました" in response.content.decode()
    assert services.current_content(contract)["guarantee_amount"] == 20_000_000
    event = contract.events.get(action=ContractEvent.Action.CANCELLATION)
    assert "受注者の申出による取消" in event.detail
    entry = AuditEntry.objects.get(action="contract.cancel_change")
    assert entry.detail["reason"] == "受注者の申出による取消"


def test_cancelling_a_change_needs_a_reason(client, clerk_x, contract):
    services.contract_change(
        contract=contract, amendment=services.Amendment(guarantee_amount=18_000_000), by=clerk_x
    )
    client.force_login(clerk_x)
    response = client.post(url(contract, "cancel-change/"), {"reason": ""})
    assert response.status_code == 200
    assert "このフィールドは必須です。" in response.content.decode()
    assert services.current_content(contract)["guarantee_amount"] == 18_000_000


def test_key_reissue_through_the_admin_kills_the_old_key(client, clerk_x, contract):
    old_key = services.current_key(contract)
    client.force_login(clerk_x)
    response = client.post(url(contract, "reissue-key/"), {"reason": "漏えいの疑い"}, follow=True)
    assert "認証キーを再発行しました" in response.content.decode()
    new_key = services.current_key(contract)
    assert new_key not in response.content.decode()
    posted = Certificate.objects.get(number=contract.number)
    assert not digest.key_matches(
        contract.number, old_key, version=posted.digest_version, digest=posted.key_digest
    )
    assert digest.key_matches(
        contract.number, new_key, version=posted.digest_version, digest=posted.key_digest
    )


def test_version_pdf_is_served_through_the_scoped_admin_view(client, clerk_x, clerk_y, contract):
    version = contract.versions.get()
    pdf_url = f"/admin/issuers/guaranteecontract/{contract.pk}/versions/{version.pk}/pdf/"
    client.force_login(clerk_x)
    assert pdf_url in client.get(url(contract, "change/")).content.decode()
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(clerk_y)
    assert client.get(pdf_url).status_code == 404
