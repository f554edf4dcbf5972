"""変更の申込: the contractor applies from 詳細 (Q5, note (注)2, validation, idempotency), the clerk
issues it in the admin as 変更N or returns it."""

import datetime
import re
import uuid

import pytest

from dsure.models import Certificate
from issuers import services as issuers_services
from issuers.amendments import Amendment
from netdesk import services
from netdesk.models import AmendmentRequest, ApplicationEvent, ProductRequest, Status
from tests.netdesk.contracts_helpers import detail_url, history_rows

MIXED = "同じ保証契約において、電子証書と紙の保証証書は混在できません。"
NOTE_2 = "請負金額のみの変更の場合は、この保証契約の効力に影響を及ぼさないので、保証契約変更の手続きをとる必要はありません。"


def new_url(contract):
    return f"/netdesk/contracts/{contract.pk}/amendments/new/"


def form_data(client, contract, **changes) -> dict:
    """The form as the page prefills it (the current certificate), with `changes` typed over it."""
    page = client.get(new_url(contract)).content.decode()
    data = {}
    for name in [
        "client_token",
        "guarantee_amount",
        "contract_amount",
        "period_start",
        "period_end",
        "work_name",
        "deposit_bank",
        "contract_date",
        "contractor_address",
        "contractor_name",
    ]:
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
            rf'value="([^"]*)"[^>]*name="{name}"', page
        )
        if match:
            data[name] = match.group(1)
    checked = re.search(r'name="format" value="(\w+)"[^>]*checked', page)
    data["format"] = checked.group(1)
    data.update(changes)
    return data


def field_error(page: str, field: str) -> str:
    """The text of the error list rendered next to a field (Django's id="id_<field>_error")."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def request_of(contract) -> ProductRequest:
    return ProductRequest.objects.get(contract=contract)


# -- the contractor's form -------------------------------------------------------------------------


def test_detail_links_to_the_amendment_form(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    page = client.get(detail_url(advance_a)).content.decode()
    assert f'href="{new_url(advance_a)}"' in page and ">変更の申込<" in page


def test_form_is_prefilled_with_the_current_certificate_and_the_contracts_format(
    client, contractor_a, advance_a
):
    client.force_login(contractor_a)
    data = form_data(client, advance_a)
    assert data["guarantee_amount"] == "20,000,000"
    assert data["contract_amount"] == "50,000,000"
    assert data["period_end"] == "2027-03-19"
    assert data["deposit_bank"] == "八十二銀行 小谷支店"
    assert data["format"] == "electronic"
    page = client.get(new_url(advance_a)).content.decode()
    for label in ["保証金額", "請負金額", "工期（開始日）", "工期（終了日）", "工事名", "預託金融機関(全角)"]:
        assert re.search(rf'<label for="id_\w+">{re.escape(label)}</label>', page), label


def test_performance_form_has_no_deposit_bank(client, contractor_a, issued_a):
    client.force_login(contractor_a)
    page = client.get(new_url(issued_a[1].contract)).content.decode()
    assert 'name="deposit_bank"' not in page


def test_submitting_a_change_records_only_what_changed(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    data = form_data(client, advance_a, guarantee_amount="18,000,000", reason="変更契約による減額")
    response = client.post(new_url(advance_a), data, follow=True)
    assert response.redirect_chain[-1][0] == detail_url(advance_a)
    page = response.content.decode()
    assert "変更の申込を送信しました" in page
    assert "受付中の変更の申込があります" in page
    amendment = AmendmentRequest.objects.get()
    assert amendment.status == Status.SUBMITTED
    assert amendment.guarantee_amount == 18_000_000
    assert amendment.contract_amount is None and amendment.period_end is None and amendment.work_name == ""
    assert amendment.format == "electronic"
    assert ApplicationEvent.objects.filter(
        action="amendment_submit", product_request=request_of(advance_a)
    ).exists()
    # Nothing is issued until the branch does it.
    assert [kind for _, _, kind, _ in history_rows(page)] == ["新規"]


def test_control_characters_in_a_change_are_refused_next_to_the_field(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    data = form_data(client, advance_a, work_name="工\n" * 99 + "工")
    response = client.post(new_url(advance_a), data)
    assert response.status_code == 200
    assert field_error(response.content.decode(), "work_name") == "改行・タブなどの制御文字は入力できません。"
    assert not AmendmentRequest.objects.exists()


def test_a_double_submit_creates_one_request(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    data = form_data(client, advance_a, guarantee_amount="18,000,000")
    first = client.post(new_url(advance_a), data)
    second = client.post(new_url(advance_a), data)
    assert first.status_code == second.status_code == 302
    assert AmendmentRequest.objects.count() == 1


def test_q5_an_electronic_contract_cannot_be_amended_on_paper(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    data = form_data(client, advance_a, guarantee_amount="18,000,000", format="paper")
    page = client.post(new_url(advance_a), data).content.decode()
    assert MIXED in field_error(page, "format")
    assert not AmendmentRequest.objects.exists()
    # What the user typed is kept.
    assert 'value="18,000,000"' in page


def test_q5_a_paper_contract_cannot_be_amended_electronically(client, contractor_a, paper_a):
    client.force_login(contractor_a)
    data = form_data(client, paper_a, guarantee_amount="18,000,000")
    assert data["format"] == "paper"
    data["format"] = "electronic"
    page = client.post(new_url(paper_a), data).content.decode()
    assert MIXED in field_error(page, "format")
    assert not AmendmentRequest.objects.exists()


def test_note_2_a_change_of_the_contract_amount_alone_needs_no_amendment(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    data = form_data(client, advance_a, contract_amount="60,000,000")
    page = client.post(new_url(advance_a), data).content.decode()
    assert NOTE_2 in field_error(page, "contract_amount")
    assert 'aria-invalid="true"' in page
    assert not AmendmentRequest.objects.exists()


def test_a_contract_amount_change_with_another_change_is_accepted(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    data = form_data(client, advance_a, contract_amount="60,000,000", guarantee_amount="24,000,000")
    assert client.post(new_url(advance_a), data).status_code == 302
    amendment = AmendmentRequest.objects.get()
    assert (amendment.contract_amount, amendment.guarantee_amount) == (60_000_000, 24_000_000)


def test_nothing_changed_is_refused_with_a_message(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    page = client.post(new_url(advance_a), form_data(client, advance_a)).content.decode()
    assert "変更する項目がありません" in page
    assert not AmendmentRequest.objects.exists()


def test_guarantee_above_the_contract_amount_is_refused_next_to_the_field(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    data = form_data(client, advance_a, guarantee_amount="60,000,000")
    page = client.post(new_url(advance_a), data).content.decode()
    assert "保証金額は請負金額（50,000,000 円）以下で入力してください。" in field_error(
        page, "guarantee_amount"
    )
    assert not AmendmentRequest.objects.exists()


def test_period_end_before_start_is_refused(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    data = form_data(client, advance_a, period_end="2026-04-30")
    page = client.post(new_url(advance_a), data).content.decode()
    assert "工期の終了日は開始日以降の日付を入力してください。" in field_error(page, "period_end")
    assert not AmendmentRequest.objects.exists()


def test_half_width_deposit_bank_is_converted_to_full_width(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    data = form_data(client, advance_a, deposit_bank="ｵﾀﾘ信用金庫 本店")
    assert client.post(new_url(advance_a), data).status_code == 302
    assert AmendmentRequest.objects.get().deposit_bank == "オタリ信用金庫　本店"


def test_the_contractor_and_the_contract_date_on_the_certificate_can_be_changed(
    client, contractor_a, clerk_x, advance_a
):
    client.force_login(contractor_a)
    data = form_data(
        client,
        advance_a,
        contractor_name="北アルプス建設ホールディングス株式会社",
        contractor_address="長野県北安曇郡小谷村大字中小谷9-9-9",
        contract_date="2026-04-30",
    )
    assert client.post(new_url(advance_a), data).status_code == 302
    amendment = AmendmentRequest.objects.get()
    assert amendment.contract_date == datetime.date(2026, 4, 30)
    assert amendment.guarantee_amount is None and amendment.work_name == ""

    version = services.amendment_issue(amendment=amendment, by=clerk_x)
    window = client.get(history_rows(client.get(detail_url(advance_a)).content.decode())[1][3])
    page = window.content.decode()
    assert "北アルプス建設ホールディングス株式会社" in page
    assert "長野県北安曇郡小谷村大字中小谷9-9-9" in page
    assert "令和08年04月30日" in page
    assert version.content["contract_date"] == "2026-04-30"


def test_a_second_request_while_one_is_open_is_refused(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    client.post(new_url(advance_a), form_data(client, advance_a, guarantee_amount="18,000,000"))
    page = client.post(new_url(advance_a), form_data(client, advance_a, guarantee_amount="17,000,000"))
    assert "受付中の変更の申込があります" in page.content.decode()
    assert AmendmentRequest.objects.count() == 1


def test_a_token_of_another_contract_is_404(client, contractor_a, issued_a):
    advance, performance = (r.contract for r in issued_a)
    client.force_login(contractor_a)
    data = form_data(client, advance, guarantee_amount="18,000,000")
    client.post(new_url(advance), data)
    other = form_data(client, performance, guarantee_amount="4,000,000", client_token=data["client_token"])
    assert client.post(new_url(performance), other).status_code == 404


# -- the clerk's admin -----------------------------------------------------------------------------


@pytest.fixture
def submitted_amendment(advance_a, contractor_a):
    return services.amendment_submit(
        product_request=request_of(advance_a),
        by=contractor_a,
        client_token=uuid.uuid4(),
        format="electronic",
        terms=Amendment(guarantee_amount=18_000_000, period_end=datetime.date(2027, 6, 30)),
    )


def admin_url(amendment, action=""):
    if action:
        return f"/admin/netdesk/amendmentrequest/{amendment.pk}/{action}/"
    return f"/admin/netdesk/amendmentrequest/{amendment.pk}/change/"


def test_clerk_sees_the_request_with_current_and_new_values(client, clerk_x, submitted_amendment, advance_a):
    client.force_login(clerk_x)
    assert advance_a.number in client.get("/admin/netdesk/amendmentrequest/").content.decode()
    page = client.get(admin_url(submitted_amendment)).content.decode()
    assert "20,000,000 円" in page and "18,000,000 円" in page
    assert "令和09年03月19日" in page and "令和09年06月30日" in page
    assert 'value="変更を発行"' in page and ">差戻し<" in page


def test_clerk_issues_it_as_henkou_ichi_under_the_same_number_and_key(
    client, clerk_x, contractor_a, submitted_amendment, advance_a
):
    key = issuers_services.current_key(advance_a)
    client.force_login(clerk_x)
    response = client.post(admin_url(submitted_amendment, "issue"), follow=True)
    assert "変更一を発行しました" in response.content.decode()
    submitted_amendment.refresh_from_db()
    assert submitted_amendment.status == Status.ISSUED
    assert submitted_amendment.version.change_no == 1
    assert submitted_amendment.version.content["number"] == advance_a.number
    assert issuers_services.current_key(advance_a) == key
    assert Certificate.objects.get(number=advance_a.number).versions.count() == 2
    assert ApplicationEvent.objects.filter(action="amendment_issue").count() == 1

    client.force_login(contractor_a)
    page = client.get(detail_url(advance_a)).content.decode()
    rows = history_rows(page)
    assert [kind for _, _, kind, _ in rows] == ["新規", "変更"]
    assert "18,000,000 円" in page  # the 概要 shows the latest
    assert "発行済（変更一）" in page
    window = client.get(rows[1][3]).content.decode()
    assert "変更一　変更の発生番号：1" in window
    assert "令和09年06月30日" in window


def test_a_cancelled_change_is_no_longer_shown_as_issued(
    client, clerk_x, contractor_a, submitted_amendment, advance_a
):
    services.amendment_issue(amendment=submitted_amendment, by=clerk_x)
    issuers_services.contract_cancel_change(contract=advance_a, by=clerk_x, reason="発注者の指示")
    client.force_login(contractor_a)
    page = client.get(detail_url(advance_a)).content.decode()
    assert [kind for _, _, kind, _ in history_rows(page)] == ["新規"]
    assert "変更取消（変更一）" in page
    assert "発行済（変更一）" not in page
    client.force_login(clerk_x)
    assert "変更一" in client.get(admin_url(submitted_amendment)).content.decode()
    assert "変更取消済" in client.get(admin_url(submitted_amendment)).content.decode()


def test_a_second_issue_is_refused_with_a_message(client, clerk_x, submitted_amendment, advance_a):
    client.force_login(clerk_x)
    client.post(admin_url(submitted_amendment, "issue"))
    response = client.post(admin_url(submitted_amendment, "issue"), follow=True)
    assert "この変更の申込はすでに発行済みです（変更一）。" in response.content.decode()
    assert advance_a.versions.filter(kind="change").count() == 1


def test_issue_twice_through_the_service_is_refused(clerk_x, submitted_amendment, advance_a):
    services.amendment_issue(amendment=submitted_amendment, by=clerk_x)
    with pytest.raises(services.TransitionError, match="すでに発行済み"):
        services.amendment_issue(amendment=submitted_amendment, by=clerk_x)
    assert advance_a.versions.count() == 2


def test_clerk_of_another_branch_gets_404(client, clerk_y, submitted_amendment, advance_a):
    client.force_login(clerk_y)
    assert advance_a.number not in client.get("/admin/netdesk/amendmentrequest/").content.decode()
    assert client.get(admin_url(submitted_amendment)).status_code == 404
    assert client.post(admin_url(submitted_amendment, "issue")).status_code == 404
    assert client.post(admin_url(submitted_amendment, "return"), {"message": "x"}).status_code == 404
    assert advance_a.versions.count() == 1


def test_return_shows_the_message_and_the_contractor_may_apply_again(
    client, clerk_x, contractor_a, submitted_amendment, advance_a
):
    client.force_login(clerk_x)
    response = client.post(
        admin_url(submitted_amendment, "return"), {"message": "変更契約書の写しをお送りください。"}
    )
    assert response.status_code == 302
    submitted_amendment.refresh_from_db()
    assert submitted_amendment.status == Status.RETURNED
    assert client.post(admin_url(submitted_amendment, "issue"), follow=True).status_code == 200
    assert advance_a.versions.count() == 1

    client.force_login(contractor_a)
    page = client.get(detail_url(advance_a)).content.decode()
    assert "変更契約書の写しをお送りください。" in page and "差戻し" in page
    assert f'href="{new_url(advance_a)}"' in page
    data = form_data(client, advance_a, guarantee_amount="18,000,000")
    assert client.post(new_url(advance_a), data).status_code == 302
    assert AmendmentRequest.objects.count() == 2


def test_a_paper_amendment_is_issued_on_paper_and_not_posted(client, clerk_x, contractor_a, paper_a):
    amendment = services.amendment_submit(
        product_request=request_of(paper_a),
        by=contractor_a,
        client_token=uuid.uuid4(),
        format="paper",
        terms=Amendment(work_name="県道見本線舗装工事（変更）"),
    )
    version = services.amendment_issue(amendment=amendment, by=clerk_x)
    assert version.change_no == 1 and version.posted_at is None
    assert version.content["format"] == "paper"
    assert not Certificate.objects.filter(number=paper_a.number).exists()


def test_the_issue_service_refuses_a_request_of_the_other_format(clerk_x, contractor_a, advance_a):
    amendment = AmendmentRequest.objects.create(
        product_request=request_of(advance_a),
        format="paper",
        guarantee_amount=18_000_000,
        requested_by=contractor_a,
    )
    with pytest.raises(services.TransitionError, match=MIXED):
        services.amendment_issue(amendment=amendment, by=clerk_x)
    assert advance_a.versions.count() == 1
