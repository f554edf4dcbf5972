"""Each ordering body's submission rules (spec §10): how it takes the 「認証キー」のお知らせ, where to per
product, whether paper is still accepted, notes — reference data edited in the admin, shown on the public
list (searchable by prefecture and name, with 電子保証開始日), to the contractor applying to the body and
on 詳細 beside the key."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from issuers.models import OrderingBody
from netdesk.models import Application
from tests import factories
from tests.netdesk.application_data import NOW, valid_post

LIST = "/ordering-bodies/"


@pytest.fixture
def kakuda(db):
    """角田市 as its leaflet describes it: e-mail or the 電子申請システム, paper still a choice."""
    return factories.OrderingBodyFactory(
        code="042081",
        name="角田市",
        head_title="角田市長",
        prefecture="宮城県",
        esurety_start=datetime.date(2026, 3, 1),
        key_notice_by_email=True,
        key_notice_by_eapplication=True,
        advance_recipient="会計課",
        performance_recipient="財政課 契約検査係",
        submission_notes="電子保証は受注者の選択肢の拡大です。",
    )


def test_the_public_list_shows_each_bodys_rules_and_searches_by_prefecture_and_name(
    client, body_p, body_q, body_paper_only, kakuda, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        page = client.get(LIST).content.decode()
    assert "電子メール・電子申請システム" in page and "前払金保証: 会計課" in page
    assert "契約保証: 財政課 契約検査係" in page and "電子保証は受注者の選択肢の拡大です。" in page
    assert "前払金保証: 工事の担当課" in page  # 小谷村 named no section
    assert "2026年3月1日" in page and "長野県知事" not in page
    assert '<label for="id_prefecture">都道府県</label>' in page and '<label for="id_q">' in page

    by_prefecture = client.get(LIST, {"prefecture": "宮城県"}).content.decode()
    assert "角田市" in by_prefecture and "小谷村" not in by_prefecture and "栃木県知事" not in by_prefecture
    assert '<option value="宮城県" selected>' in by_prefecture
    by_name = client.get(LIST, {"q": "小谷"}).content.decode()
    assert "小谷村" in by_name and "角田市" not in by_name
    nothing = client.get(LIST, {"prefecture": "宮城県", "q": "小谷"}).content.decode()
    assert "該当する発注者はありません。" in nothing
    # A prefecture not in the list (or none on 電子保証) is no filter, never an error.
    assert "角田市" in client.get(LIST, {"prefecture": "長野県\x00"}).content.decode()


def test_a_body_that_stopped_taking_paper_says_so(client, kakuda):
    OrderingBody.objects.filter(pk=kakuda.pk).update(paper_accepted=False)
    assert "受付なし（電子保証のみ）" in client.get(LIST).content.decode()


def test_the_rules_are_edited_in_the_admin_and_a_body_without_a_channel_is_refused(client, superuser, kakuda):
    client.force_login(superuser)
    change = f"/admin/issuers/orderingbody/{kakuda.pk}/change/"
    form = client.get(change).content.decode()
    assert "提出のルール（「認証キー」のお知らせ）" in form and 'for="id_key_notice_by_econtract"' in form
    data = {
        "code": kakuda.code,
        "name": kakuda.name,
        "head_title": kakuda.head_title,
        "prefecture": kakuda.prefecture,
        "esurety_start": "2026-03-01",
        "advance_ratio_limit": "0.400",
        "performance_ratio_min": "0.100",
        "advance_recipient": "会計課",
        "performance_recipient": "",
        "submission_notes": "",
        "intermediate_paid": "on",
        "intermediate_ratio_limit": "0.200",
        "advance_total_ratio_limit": "0.600",
        "intermediate_min_contract_amount": "0",
        "intermediate_min_period_days": "0",
    }
    refused = client.post(change, data).content.decode()  # no channel ticked, e-surety on
    assert "「認証キー」のお知らせの提出方法を一つ以上選んでください。" in refused
    assert client.post(change, {**data, "key_notice_by_econtract": "on"}).status_code == 302

    client.logout()
    page = client.get(LIST).content.decode()
    assert (
        '<td data-label="「認証キー」のお知らせの提出方法">電子契約システム</td>' in page
        and "契約保証: 工事の担当課" in page
    )


def test_the_database_holds_the_rules_together(body_paper_only, kakuda):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderingBody.objects.filter(pk=body_paper_only.pk).update(paper_accepted=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderingBody.objects.filter(pk=kakuda.pk).update(
            key_notice_by_email=False, key_notice_by_eapplication=False
        )


def test_the_contractor_applying_to_the_body_sees_where_to_send_the_key_notice(
    client, time_machine, contractor_a, company_a, kakuda, branch_x
):
    time_machine.move_to(NOW, tick=False)
    client.force_login(contractor_a)
    page = client.get("/netdesk/applications/new/").content.decode()
    token = page.split('name="client_token" value="', 1)[1][:36]
    client.post(
        "/netdesk/applications/new/", valid_post(kakuda, branch_x, client_token=token, action="confirm")
    )
    application = Application.objects.get(company=company_a)
    confirm = client.get(f"/netdesk/applications/{application.pk}/confirm/").content.decode()
    assert "角田市への提出" in confirm
    assert (
        "（PDF）を電子メールか電子申請システムを利用し、その他の必要書類と合わせて角田市にご提出ください。"
        in confirm
    )
    assert "前払金保証: 会計課" in confirm and "契約保証: 財政課 契約検査係" in confirm


def test_a_body_that_takes_no_more_paper_refuses_a_paper_application_next_to_the_field(
    client, time_machine, contractor_a, company_a, kakuda, branch_x
):
    OrderingBody.objects.filter(pk=kakuda.pk).update(paper_accepted=False)
    time_machine.move_to(NOW, tick=False)
    client.force_login(contractor_a)
    page = client.get("/netdesk/applications/new/").content.decode()
    token = page.split('name="client_token" value="', 1)[1][:36]
    data = valid_post(kakuda, branch_x, client_token=token, action="confirm", advance_format="paper")
    refused = client.post("/netdesk/applications/new/", data).content.decode()
    assert "角田市は紙の保証証書を受け付けていません。電子保証(認証キーを含む)を選択してください。" in refused
    assert data["work_name"] in refused  # nothing typed is lost
    assert not Application.objects.filter(company=company_a, submitted_at__isnull=False).exists()
