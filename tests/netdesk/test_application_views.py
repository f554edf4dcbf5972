"""The 保証申込 pages, per persona: create (idempotent), save a draft, clear a section, confirm, submit
(once, whatever the clicks), 送信完了, the list, view and withdraw. Another company gets 404s."""

import re

import pytest
from django.utils import timezone

from netdesk.models import Application, ApplicationEvent, ProductRequest, Status
from tests import factories
from tests.netdesk.application_data import NOW, valid_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def alice(client, contractor_a):
    client.force_login(contractor_a)
    return client


@pytest.fixture
def bob(client, contractor_b):
    client.force_login(contractor_b)
    return client


def new_form_token(client) -> str:
    page = client.get("/netdesk/applications/new/").content.decode()
    return re.search(r'name="client_token" value="([0-9a-f-]{36})"', page).group(1)


def url(application, step=""):
    return f"/netdesk/applications/{application.pk}/{step + '/' if step else ''}"


def statuses(application):
    return dict(ProductRequest.objects.filter(application=application).values_list("product", "status"))


# -- the new-application page ------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login(client):
    response = client.get("/netdesk/applications/new/")
    assert response.status_code == 302
    assert response.url.startswith("/netdesk/login/")


def test_an_official_is_refused(client, official_p):
    client.force_login(official_p)
    assert client.get("/netdesk/applications/").status_code == 403
    assert client.post("/netdesk/applications/new/", {}).status_code == 403


def test_the_new_form_has_the_leaflets_header_tabs_and_labels(alice, company_a):
    page = alice.get("/netdesk/applications/new/").content.decode()
    for text in [
        "保証申込",
        "申込の作成(新規)",
        "北アルプス建設株式会社 様",
        "全体トップへ",
        "ログアウト",
        "保証申込のヘルプ",
        "ご不明な点は申込先の<strong>営業部・支店</strong>までお気軽にお問い合わせください。",
        'href="#section-work"',
        "請負工事の情報",
        "保証の申込内容",
        "その他",
        "インフォメーション",
        "保証の申込内容をクリア",
        "インフォメーションをクリア",
        "前払金保証を申し込む",
        "契約保証を申し込む",
        "証書(紙)",
        "電子保証(認証キーを含む)",
        "※電子保証を希望される場合は、発注者が電子保証に対応していることを確認してください。",
        "0.0%</output> (請負金額もしくは今年度対象額に対する前払金保証金額の割合)",
        "(請負金額に対する契約保証金額の割合)",
        "円 (出来高予定額または支払限度額)",
        "預託金融機関(全角)",
        "再預託を利用しない",
        "再預託を利用する",
        "一括納付",
        "前払金保証料請求先",
        "契約保証料請求先",
        "※保証料計算書は弊社手続き完了後、保証料計算書一覧メニューからご確認いただけます。",
        "申込送信先、保証証書受取",
        "※「希望する」場合、弊社手続き完了後にメールを送信します。",
        "連絡先",
        "担当部署",
        "役職",
        "担当者名",
        "連絡先電話番号",
        "お客様から弊社への連絡事項",
        "弊社からお客様へのお知らせ",
        "一時保存",
        "申込確認へ",
    ]:
        assert text in page, text
    # 保証契約者 prefilled from the company
    assert 'value="長野県北安曇郡小谷村大字中小谷1-2-3"' in page
    assert 'value="北アルプス建設株式会社"' in page
    # the progress bar marks the current step
    assert '<li aria-current="step" class="current">申込作成</li>' in page
    # 「電子保証対応の発注者はこちらです。」 links to the public list
    assert re.search(r'電子保証対応の発注者は<a href="/ordering-bodies/"[^>]*>こちら', page)
    # the 「?」 links go to anchors of the help page and have an accessible name
    for anchor in ["help-format", "help-this-year", "help-advance-amount", "help-deposit-bank", "help-email"]:
        assert f'href="/netdesk/help/#{anchor}"' in page
    assert 'aria-label="前払金保証金額のヘルプ（新しいウィンドウで開きます）"' in page


def test_every_input_has_a_label(alice):
    page = alice.get("/netdesk/applications/new/").content.decode()
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', page)
    assert len(ids) > 30
    for input_id in ids:
        assert f'for="{input_id}"' in page, input_id


def test_radio_groups_are_fieldsets_with_a_legend(alice):
    page = alice.get("/netdesk/applications/new/").content.decode()
    for legend in [
        "保証証書の形式について",
        "再預託利用区分",
        "保証料計算書(紙)について",
        "電子保証発行完了のお知らせ",
        "前払金の予定",
    ]:
        assert re.search(rf"<fieldset[^>]*>\s*<legend[^>]*>{re.escape(legend)}", page), legend


def test_the_help_page_has_the_anchors_the_form_links_to(alice):
    page = alice.get("/netdesk/help/").content.decode()
    form = alice.get("/netdesk/applications/new/").content.decode()
    for anchor in set(re.findall(r'href="/netdesk/help/#([\w-]+)"', form)):
        assert f'id="{anchor}"' in page, anchor


def test_first_save_creates_one_draft_and_a_double_post_finds_the_same(alice, company_a, body_p, branch_x):
    token = new_form_token(alice)
    data = valid_post(body_p, branch_x, client_token=token)
    first = alice.post("/netdesk/applications/new/", data)
    second = alice.post("/netdesk/applications/new/", data)
    assert Application.objects.filter(company=company_a).count() == 1
    application = Application.objects.get(company=company_a)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == url(application, "edit")
    assert ProductRequest.objects.filter(application=application).count() == 2
    assert ApplicationEvent.objects.filter(application=application, action="create").count() == 1
    assert application.created_by.username == "alice"
    assert application.work_name == "中小谷地区道路改良工事"


def test_two_new_forms_make_two_drafts(alice, company_a, body_p, branch_x):
    for _ in range(2):
        alice.post(
            "/netdesk/applications/new/", valid_post(body_p, branch_x, client_token=new_form_token(alice))
        )
    assert Application.objects.filter(company=company_a).count() == 2


def test_another_companys_client_token_is_a_404(
    alice, bob, contractor_a, contractor_b, application_a, body_p, branch_x
):
    bob.force_login(contractor_b)
    data = valid_post(body_p, branch_x, client_token=str(application_a.client_token), work_name="乗っ取り")
    assert bob.post("/netdesk/applications/new/", data).status_code == 404
    application_a.refresh_from_db()
    assert application_a.work_name == "中小谷地区道路改良工事"


def test_a_mangled_client_token_still_saves_the_draft(alice, company_a, body_p, branch_x):
    response = alice.post(
        "/netdesk/applications/new/", valid_post(body_p, branch_x, client_token="not-a-uuid")
    )
    assert response.status_code == 302
    assert Application.objects.filter(company=company_a).count() == 1


def test_the_new_form_after_sending_shows_the_sent_application(alice, company_a, body_p, branch_x):
    token = new_form_token(alice)
    alice.post(
        "/netdesk/applications/new/", valid_post(body_p, branch_x, client_token=token, action="confirm")
    )
    application = Application.objects.get(company=company_a)
    alice.post(url(application, "confirm"))
    # The back button brings the filled-in new form back; pressing 一時保存 again changes nothing.
    response = alice.post(
        "/netdesk/applications/new/", valid_post(body_p, branch_x, client_token=token, work_name="別")
    )
    assert response.status_code == 302
    assert response.url == url(application)
    application.refresh_from_db()
    assert application.work_name == "中小谷地区道路改良工事"
    assert Application.objects.filter(company=company_a).count() == 1


# -- drafts --------------------------------------------------------------------------------------------


def test_a_draft_is_saved_without_the_rules_and_resumed_later(alice, company_a, body_p, branch_x):
    data = valid_post(body_p, branch_x, client_token=new_form_token(alice), work_location="", branch="")
    alice.post("/netdesk/applications/new/", data)
    application = Application.objects.get(company=company_a)
    assert application.work_location == "" and application.branch is None
    alice.logout()
    alice.force_login(application.created_by)
    page = alice.get("/netdesk/applications/").content.decode()
    assert f'href="{url(application, "edit")}"' in page
    assert "作成を再開" in page
    form = alice.get(url(application, "edit")).content.decode()
    assert 'value="中小谷地区道路改良工事"' in form
    assert 'value="20,000,000"' in form


def test_a_draft_with_a_bad_amount_keeps_everything_else_and_the_typed_text(
    alice, application_a, body_p, branch_x
):
    data = valid_post(body_p, branch_x, contract_amount="５千万円", work_name="新しい工事名")
    response = alice.post(url(application_a, "edit"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="５千万円"' in page
    assert "誤りのある項目は保存されていません" in page
    application_a.refresh_from_db()
    assert application_a.work_name == "新しい工事名"
    assert application_a.contract_amount == 50_000_000  # the bad input did not overwrite the draft


CRAFTED_WORK_NAME = "工\n" * 99 + "工"  # 199 characters: within the limit, sent by a crafted POST


@pytest.mark.parametrize(
    "field", ["work_name", "work_location", "jv_name", "contractor_address", "contractor_name"]
)
@pytest.mark.parametrize("control", ["\n", "\r", "\t", "\x1b", "\u2028", "\u202e"])
def test_control_characters_in_a_text_field_are_refused_next_to_it(
    alice, application_a, body_p, branch_x, field, control
):
    before = getattr(application_a, field)
    data = valid_post(body_p, branch_x, **{field: f"見本{control}工事", "contact_person": "新しい担当者"})
    response = alice.post(url(application_a, "edit"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        f'<ul class="errorlist" id="id_{field}_error"><li>改行・タブなどの制御文字は入力できません。' in page
    )
    application_a.refresh_from_db()
    assert getattr(application_a, field) == before
    assert application_a.contact_person == "新しい担当者"  # the rest of the form is kept


def test_the_crafted_work_name_of_the_attack_never_reaches_a_draft(alice, application_a, body_p, branch_x):
    alice.post(url(application_a, "edit"), valid_post(body_p, branch_x, work_name=CRAFTED_WORK_NAME))
    application_a.refresh_from_db()
    assert "\n" not in application_a.work_name


def test_the_edit_page_shows_status_and_contract_number_read_only(alice, application_a):
    page = alice.get(url(application_a, "edit")).content.decode()
    assert page.count("<dt>手続状況</dt><dd>作成中</dd>") == 2
    assert page.count("<dt>保証契約番号</dt><dd>—</dd>") == 2


def test_clearing_the_products_section_keeps_everything_else(alice, application_a, body_p, branch_x):
    data = valid_post(
        body_p, branch_x, action="clear_products", work_name="入力中の工事名", contract_amount="abc"
    )
    response = alice.post(url(application_a, "edit"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "保証の申込内容をクリアしました。" in page
    assert 'value="入力中の工事名"' in page and 'value="abc"' in page  # typed elsewhere: still there
    assert 'name="advance_guarantee_amount"' in page and 'value="20,000,000"' not in page
    assert 'value="soumu@example.com"' in page  # インフォメーション untouched
    for request in ProductRequest.objects.filter(application=application_a):
        assert request.requested is False
        assert request.guarantee_amount is None
        assert request.format == ""
        assert request.fee_statement_paper is None
    application_a.refresh_from_db()
    assert application_a.work_name == "入力中の工事名"
    assert application_a.email == "soumu@example.com"


def test_clearing_the_information_section_keeps_the_products(alice, application_a, body_p, branch_x):
    response = alice.post(
        url(application_a, "edit"), valid_post(body_p, branch_x, action="clear_information")
    )
    assert "インフォメーションをクリアしました。" in response.content.decode()
    application_a.refresh_from_db()
    assert (application_a.branch, application_a.notify_issued, application_a.email) == (None, None, "")
    assert (application_a.contact_person, application_a.contact_phone) == ("", "")
    assert (
        ProductRequest.objects.get(application=application_a, product="advance").guarantee_amount
        == 20_000_000
    )
    assert application_a.work_name == "中小谷地区道路改良工事"


def test_enter_in_a_text_box_saves_rather_than_clears(alice, application_a):
    """The first submit button of the form is the browser's default (implicit submission)."""
    page = alice.get(url(application_a, "edit")).content.decode()
    form = page[page.index('<form method="post" action="/netdesk/applications/') :]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'value="save"' in first_button


# -- confirm, submit, 送信完了 --------------------------------------------------------------------------


def test_the_whole_flow_sends_both_products_once(alice, company_a, body_p, branch_x):
    token = new_form_token(alice)
    response = alice.post(
        "/netdesk/applications/new/", valid_post(body_p, branch_x, client_token=token, action="confirm")
    )
    application = Application.objects.get(company=company_a)
    assert response.url == url(application, "confirm")
    confirm_page = alice.get(response.url).content.decode()
    assert '<li aria-current="step" class="current">申込確認</li>' in confirm_page
    assert "修正する" in confirm_page and "送信する" in confirm_page
    assert "40.0% (請負金額もしくは今年度対象額に対する前払金保証金額の割合)" in confirm_page

    sent = alice.post(url(application, "confirm"))
    assert sent.url == url(application, "done")
    done = alice.get(sent.url).content.decode()
    assert '<li aria-current="step" class="current">送信完了</li>' in done
    assert "保証申込を送信しました" in done
    assert statuses(application) == {"advance": Status.SUBMITTED, "performance": Status.SUBMITTED}
    application.refresh_from_db()
    assert application.submitted_at == timezone.now()
    events = ApplicationEvent.objects.filter(application=application, action="submit")
    assert sorted(events.values_list("from_status", "to_status")) == [(Status.DRAFT, Status.SUBMITTED)] * 2

    page = alice.get("/netdesk/applications/").content.decode()
    assert page.count("申込済") == 2


def test_submitting_twice_is_one_application_and_shows_done_both_times(alice, application_a):
    first = alice.post(url(application_a, "confirm"))
    second = alice.post(url(application_a, "confirm"))
    assert first.url == second.url == url(application_a, "done")
    assert alice.get(second.url).status_code == 200
    assert (
        ApplicationEvent.objects.filter(application=application_a, action="submit").count() == 2
    )  # 2 products
    assert Application.objects.count() == 1


def test_after_sending_the_back_button_pages_lead_to_done(alice, application_a):
    alice.post(url(application_a, "confirm"))
    assert alice.get(url(application_a, "confirm")).url == url(application_a, "done")
    edit = alice.get(url(application_a, "edit"))
    assert edit.url == url(application_a)
    # A stale tab still showing the form cannot change the sent application.
    response = alice.post(url(application_a, "edit"), {"work_name": "後から変更", "action": "save"})
    assert response.url == url(application_a)
    application_a.refresh_from_db()
    assert application_a.work_name == "中小谷地区道路改良工事"


def test_submitting_an_incomplete_draft_goes_back_to_the_form(alice, application_a):
    Application.objects.filter(pk=application_a.pk).update(branch=None)
    response = alice.post(url(application_a, "confirm"))
    assert response.url == url(application_a, "edit")
    assert statuses(application_a) == {"advance": Status.DRAFT, "performance": Status.DRAFT}


def test_done_for_an_unsent_draft_goes_to_the_form(alice, application_a):
    assert alice.get(url(application_a, "done")).url == url(application_a, "edit")


def test_only_requested_products_are_sent(alice, application_a):
    ProductRequest.objects.filter(application=application_a, product="performance").update(requested=False)
    alice.post(url(application_a, "confirm"))
    assert statuses(application_a) == {"advance": Status.SUBMITTED, "performance": Status.DRAFT}
    page = alice.get("/netdesk/applications/").content.decode()
    assert page.count("申込済") == 1


# -- returned (差戻し) drafts ------------------------------------------------------------------------


def test_a_returned_application_shows_the_notice_and_can_be_sent_again(
    alice, application_a, clerk_x, body_p, branch_x
):
    from netdesk import services

    services.application_submit(application=application_a, by=application_a.created_by)
    services.application_return(application=application_a, by=clerk_x, message="請負契約日をご確認ください。")
    page = alice.get(url(application_a, "edit")).content.decode()
    assert "申込の修正（差戻し）" in page
    assert "請負契約日をご確認ください。" in page
    assert page.count("<dt>手続状況</dt><dd>差戻し</dd>") == 2
    response = alice.post(
        url(application_a, "edit"), valid_post(body_p, branch_x, contract_date="2026-06-11", action="confirm")
    )
    assert response.url == url(application_a, "confirm")
    alice.post(url(application_a, "confirm"))
    assert statuses(application_a) == {"advance": Status.SUBMITTED, "performance": Status.SUBMITTED}


# -- list ----------------------------------------------------------------------------------------------


def test_the_list_shows_only_the_companys_applications(alice, application_a, company_b, contractor_b):
    other = factories.ApplicationFactory(company=company_b, created_by=contractor_b, work_name="那須野の工事")
    page = alice.get("/netdesk/applications/").content.decode()
    assert "中小谷地区道路改良工事" in page
    assert "那須野の工事" not in page
    assert url(other) not in page
    assert "申込の作成(新規)" in page and 'href="/netdesk/applications/new/"' in page
    for header in ["工事名", "発注者", "前払金保証", "契約保証", "更新日"]:
        assert f'<th scope="col">{header}</th>' in page


def test_the_list_shows_the_contract_number_once_issued(alice, application_a, clerk_x, fee_rates):
    from netdesk import services

    services.application_submit(application=application_a, by=application_a.created_by)
    advance = ProductRequest.objects.get(application=application_a, product="advance")
    contract = services.product_request_issue(product_request=advance, by=clerk_x)
    page = alice.get("/netdesk/applications/").content.decode()
    assert "発行済" in page and contract.number in page
    assert "発行済（郵送）" not in page  # electronic: nothing goes by post
    detail = alice.get(url(application_a)).content.decode()
    assert contract.number in detail


def test_the_list_is_paginated_with_a_bounded_number_of_queries(
    alice, company_a, contractor_a, body_p, branch_x, django_assert_max_num_queries
):
    for i in range(45):
        factories.ApplicationFactory(
            company=company_a,
            created_by=contractor_a,
            ordering_body=body_p,
            branch=branch_x,
            work_name=f"工事{i:02d}",
        )
    with django_assert_max_num_queries(8):
        first = alice.get("/netdesk/applications/")
    assert first.content.decode().count("作成を再開") == 20
    with django_assert_max_num_queries(8):
        last = alice.get("/netdesk/applications/?page=3")
    assert last.content.decode().count("作成を再開") == 5
    assert alice.get("/netdesk/applications/?page=abc").status_code == 200


def test_the_list_is_empty_with_a_hint(alice):
    assert "保証申込はまだありません" in alice.get("/netdesk/applications/").content.decode()


# -- another company: 404 everywhere ------------------------------------------------------------------


@pytest.mark.parametrize("step", ["", "edit", "confirm", "done", "withdraw"])
def test_another_company_gets_404_on_every_page(bob, application_a, step):
    assert bob.get(url(application_a, step)).status_code == 404


@pytest.mark.parametrize("step", ["edit", "confirm", "withdraw"])
def test_another_company_cannot_post_to_it(bob, application_a, body_p, branch_x, step):
    response = bob.post(url(application_a, step), valid_post(body_p, branch_x, work_name="乗っ取り"))
    assert response.status_code == 404
    application_a.refresh_from_db()
    assert application_a.work_name == "中小谷地区道路改良工事"
    assert statuses(application_a) == {"advance": Status.DRAFT, "performance": Status.DRAFT}


def test_a_404_says_nothing_about_the_application(bob, application_a):
    assert "中小谷" not in bob.get(url(application_a, "edit")).content.decode()


# -- withdrawal ----------------------------------------------------------------------------------------


def test_withdrawal_before_review(alice, application_a):
    alice.post(url(application_a, "confirm"))
    detail = alice.get(url(application_a)).content.decode()
    assert f'href="{url(application_a, "withdraw")}"' in detail
    page = alice.get(url(application_a, "withdraw")).content.decode()
    assert "取り下げますか" in page
    assert statuses(application_a)["advance"] == Status.SUBMITTED  # GET changes nothing
    response = alice.post(url(application_a, "withdraw"), follow=True)
    assert "申込を取り下げました。" in response.content.decode()
    assert statuses(application_a) == {"advance": Status.WITHDRAWN, "performance": Status.WITHDRAWN}
    assert ApplicationEvent.objects.filter(application=application_a, action="withdraw").count() == 2
    # withdrawing twice is a message, not an error page
    again = alice.post(url(application_a, "withdraw"), follow=True)
    assert again.status_code == 200
    assert "すでに取り下げられています" in again.content.decode()
    # and a withdrawn application is not "sent" any more
    assert alice.get(url(application_a, "done")).url == url(application_a)
    assert alice.post(url(application_a, "confirm"), follow=True).status_code == 200
    assert statuses(application_a)["advance"] == Status.WITHDRAWN


def test_no_withdrawal_once_the_review_has_started(alice, application_a, clerk_x):
    from netdesk import services

    alice.post(url(application_a, "confirm"))
    services.application_review_start(application=application_a, by=clerk_x)
    assert f'href="{url(application_a, "withdraw")}"' not in alice.get(url(application_a)).content.decode()
    assert alice.get(url(application_a, "withdraw")).url == url(application_a)
    response = alice.post(url(application_a, "withdraw"), follow=True)
    assert "審査が始まっているため取り下げできません" in response.content.decode()
    assert statuses(application_a) == {"advance": Status.REVIEWING, "performance": Status.REVIEWING}


def test_a_draft_cannot_be_withdrawn(alice, application_a):
    alice.post(url(application_a, "withdraw"))
    assert statuses(application_a) == {"advance": Status.DRAFT, "performance": Status.DRAFT}


def test_the_detail_page_lists_the_events(alice, application_a):
    alice.post(url(application_a, "confirm"))
    page = alice.get(url(application_a)).content.decode()
    assert "手続の記録" in page
    assert "作成中 → 申込済" in page


def test_the_error_summary_names_the_product_only_for_product_fields(alice, application_a, body_p, branch_x):
    data = valid_post(body_p, branch_x, action="confirm", advance_planned=None, advance_guarantee_amount="")
    page = alice.post(url(application_a, "edit"), data).content.decode()
    assert '<a href="#id_advance_planned_0">前払金の予定</a>' in page
    assert '<a href="#id_advance_guarantee_amount">前払金保証: 前払金保証金額</a>' in page


def test_the_edit_and_confirm_pages_run_a_bounded_number_of_queries(
    alice, application_a, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert alice.get(url(application_a, "edit")).status_code == 200
    with django_assert_max_num_queries(10):
        assert alice.get(url(application_a, "confirm")).status_code == 200


def test_a_paper_certificate_is_issued_by_post(
    alice, company_a, contractor_a, body_p, branch_x, clerk_x, fee_rates
):
    from tests.netdesk.contracts_helpers import issue_application

    advance, _ = issue_application(
        company=company_a,
        contractor=contractor_a,
        body=body_p,
        branch=branch_x,
        clerk=clerk_x,
        format="paper",
    )
    page = alice.get("/netdesk/applications/").content.decode()
    assert page.count("発行済（郵送）") == 2
    detail = alice.get(url(advance.application)).content.decode()
    assert "発行済（郵送）" in detail
