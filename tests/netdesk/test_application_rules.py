"""Every rule of spec §3, as the contractor meets it: press 「申込確認へ」 with one thing wrong and the
message appears next to that field, what was typed is still in the form, and nothing else is lost."""

import datetime
import html
import re
from decimal import Decimal

import pytest

from common.formats import percent
from netdesk.models import Application, ProductRequest
from tests import factories
from tests.netdesk.application_data import NOW, valid_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def draft(company_a, contractor_a, body_p, branch_x):
    return factories.ApplicationFactory(
        company=company_a, created_by=contractor_a, ordering_body=body_p, branch=branch_x
    )


@pytest.fixture
def logged_in(client, contractor_a):
    client.force_login(contractor_a)
    return client


def confirm(client, draft, body, branch, /, **overrides):
    data = valid_post(body, branch, action="confirm", **overrides)
    return client.post(f"/netdesk/applications/{draft.pk}/edit/", data)


def field_errors(response, field) -> str:
    """The text of the error list rendered next to `field` ("" if none)."""
    page = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))) if match else ""


def input_value(response, field) -> str:
    page = response.content.decode()
    match = re.search(rf'<input[^>]*name="{field}"[^>]*>', page)
    assert match, f"no input {field}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def test_the_valid_form_goes_to_the_confirm_page(logged_in, draft, body_p, branch_x):
    response = confirm(logged_in, draft, body_p, branch_x)
    assert response.status_code == 302
    assert response.url == f"/netdesk/applications/{draft.pk}/confirm/"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        # required fields of 請負工事の情報 and インフォメーション
        ({"work_name": ""}, "work_name", "工事名を入力してください。"),
        ({"work_location": "  "}, "work_location", "工事場所を入力してください。"),
        ({"ordering_body": ""}, "ordering_body", "発注者を選択してください。"),
        ({"contract_amount": ""}, "contract_amount", "請負金額を入力してください。"),
        ({"period_start": ""}, "period_start", "工期の開始日を入力してください。"),
        ({"period_end": ""}, "period_end", "工期の終了日を入力してください。"),
        ({"contract_date": ""}, "contract_date", "請負契約日を入力してください。"),
        ({"advance_planned": None}, "advance_planned", "前払金の予定（あり・なし）を選択してください。"),
        ({"contractor_address": ""}, "contractor_address", "保証契約者の住所を入力してください。"),
        ({"contractor_name": ""}, "contractor_name", "保証契約者の名称を入力してください。"),
        ({"branch": ""}, "branch", "申込送信先を選択してください。"),
        # required fields of each requested product
        ({"advance_format": None}, "advance_format", "前払金保証の保証証書の形式を選択してください。"),
        ({"advance_guarantee_amount": ""}, "advance_guarantee_amount", "前払金保証金額を入力してください。"),
        ({"advance_deposit_bank": ""}, "advance_deposit_bank", "預託金融機関(全角)を入力してください。"),
        ({"advance_redeposit": None}, "advance_redeposit", "再預託利用区分を選択してください。"),
        (
            {"advance_payment_method": ""},
            "advance_payment_method",
            "前払金保証料支払方法を選択してください。",
        ),
        ({"advance_fee_billing_to": ""}, "advance_fee_billing_to", "前払金保証料請求先を入力してください。"),
        ({"advance_fee_statement_paper": None}, "advance_fee_statement_paper", "保証料計算書(紙)について"),
        ({"performance_format": None}, "performance_format", "契約保証の保証証書の形式を選択してください。"),
        (
            {"performance_guarantee_amount": ""},
            "performance_guarantee_amount",
            "契約保証金額を入力してください。",
        ),
        (
            {"performance_payment_method": ""},
            "performance_payment_method",
            "契約保証料支払方法を選択してください。",
        ),
        (
            {"performance_fee_billing_to": ""},
            "performance_fee_billing_to",
            "契約保証料請求先を入力してください。",
        ),
        (
            {"performance_fee_statement_paper": None},
            "performance_fee_statement_paper",
            "契約保証の保証料計算書",
        ),
        # at least one product
        (
            {"advance_requested": None, "performance_requested": None},
            "advance_requested",
            "前払金保証または契約保証の少なくとも一方を申し込んでください。",
        ),
        # amounts: positive whole yen
        ({"contract_amount": "五千万"}, "contract_amount", "金額は円単位の整数"),
        ({"contract_amount": "50000000.5"}, "contract_amount", "金額は円単位の整数"),
        ({"contract_amount": "-50000000"}, "contract_amount", "金額は円単位の整数"),
        ({"contract_amount": "0"}, "contract_amount", "1円以上の金額を入力してください。"),
        (
            {"advance_guarantee_amount": "10000000000000"},
            "advance_guarantee_amount",
            "9,999,999,999,999円以下",
        ),
        # guarantee amounts never exceed 請負金額
        (
            {"performance_guarantee_amount": "60,000,000"},
            "performance_guarantee_amount",
            "契約保証金額は請負金額（50,000,000 円）以下で入力してください。",
        ),
        (
            {"advance_guarantee_amount": "50,000,001"},
            "advance_guarantee_amount",
            "前払金保証金額は請負金額（50,000,000 円）以下で入力してください。",
        ),
        # the ordering body's advance ratio: of 請負金額, or of 今年度対象額 when given
        (
            {"advance_guarantee_amount": "20,000,001"},
            "advance_guarantee_amount",
            "前払金保証金額は請負金額の40%（20,000,000 円）以内で入力してください（小谷村の前払金の割合の上限）。",
        ),
        (
            {"advance_this_year_amount": "30,000,000", "advance_guarantee_amount": "12,000,001"},
            "advance_guarantee_amount",
            "前払金保証金額は今年度対象額の40%（12,000,000 円）以内で入力してください",
        ),
        (
            {"advance_this_year_amount": "50,000,001"},
            "advance_this_year_amount",
            "今年度対象額は請負金額（50,000,000 円）以下で入力してください。",
        ),
        # the ordering body's minimum for 契約保証
        (
            {"performance_guarantee_amount": "4,999,999"},
            "performance_guarantee_amount",
            "契約保証金額は請負金額の10%（5,000,000 円）以上で入力してください（小谷村の契約保証の割合の下限）。",
        ),
        # 契約保証 (a rider of the advance business) and 前払金保証 need a planned advance
        (
            {"advance_planned": "False", "advance_requested": None},
            "performance_requested",
            "前払金の予定が「あり」の工事に限り申し込めます。",
        ),
        (
            {"advance_planned": "False", "performance_requested": None},
            "advance_requested",
            "前払金の予定が「なし」の工事には前払金保証を申し込めません。",
        ),
        # 工期 and 請負契約日
        ({"period_end": "2026-06-14"}, "period_end", "工期の終了日は開始日以降の日付を入力してください。"),
        (
            {"contract_date": "2027-03-20"},
            "contract_date",
            "請負契約日は工期の終了日以前の日付を入力してください。",
        ),
        ({"period_start": "2026-02-30"}, "period_start", "日付を正しく入力してください（例: 2026-05-01）。"),
        ({"period_start": "令和8年6月15日"}, "period_start", "日付を正しく入力してください"),
        ({"contract_date": "1900-01-01"}, "contract_date", "日付は2000年から2099年の間で入力してください。"),
        # e-mail when the notification is wanted
        (
            {"email": ""},
            "email",
            "「電子保証発行完了のお知らせ」を希望する場合は、メールアドレスを入力してください。",
        ),
        ({"email": "soumu@"}, "email", "メールアドレスを正しく入力してください"),
        # phone: digits and hyphens
        (
            {"contact_phone": "026-226-abcd"},
            "contact_phone",
            "連絡先電話番号は数字とハイフンで入力してください",
        ),
        ({"contact_phone": "123"}, "contact_phone", "連絡先電話番号は数字とハイフンで入力してください"),
        # tampered choices
        ({"ordering_body": "999999"}, "ordering_body", "選択肢から選んでください。"),
        ({"advance_format": "fax"}, "advance_format", "選択肢から選んでください。"),
        ({"advance_planned": "maybe"}, "advance_planned", "選択肢から選んでください。"),
        ({"work_name": "工" * 201}, "work_name", "200"),
    ],
)
def test_a_broken_rule_is_reported_next_to_its_field_and_the_typed_text_is_kept(
    logged_in, draft, body_p, branch_x, overrides, field, message
):
    response = confirm(logged_in, draft, body_p, branch_x, **overrides)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    page = response.content.decode()
    assert "入力内容に誤りがあります" in page
    assert f'href="#id_{field}' in page  # the error summary links to the field
    for name, value in overrides.items():
        if value and name in (
            "work_name",
            "contract_amount",
            "advance_guarantee_amount",
            "email",
            "contact_phone",
        ):
            assert input_value(response, name) == value
    # Everything else typed is still there.
    if "work_location" not in overrides:
        assert input_value(response, "work_location") == "長野県北安曇郡小谷村大字中小谷地内"


def test_the_field_in_error_is_marked_invalid_and_described_by_its_message(
    logged_in, draft, body_p, branch_x
):
    response = confirm(logged_in, draft, body_p, branch_x, contract_amount="abc")
    tag = re.search(r'<input[^>]*name="contract_amount"[^>]*>', response.content.decode()).group(0)
    assert 'aria-invalid="true"' in tag
    assert 'aria-describedby="id_contract_amount_error"' in tag


def test_the_ratio_note_describes_the_amount_input(logged_in, draft):
    page = logged_in.get(f"/netdesk/applications/{draft.pk}/edit/").content.decode()
    tag = re.search(r'<input[^>]*name="advance_guarantee_amount"[^>]*>', page).group(0)
    assert 'aria-describedby="advance_ratio_note"' in tag


def test_electronic_is_refused_before_the_ordering_body_starts(logged_in, company_a, contractor_a, branch_x):
    hakuba = factories.OrderingBodyFactory(
        code="204811", name="白馬村", head_title="白馬村長", esurety_start=datetime.date(2027, 4, 1)
    )
    draft = factories.ApplicationFactory(company=company_a, created_by=contractor_a, ordering_body=hakuba)
    response = confirm(logged_in, draft, hakuba, branch_x)
    for field in ("advance_format", "performance_format"):
        errors = field_errors(response, field)
        assert "白馬村の電子保証の利用開始日は令和09年04月01日です。" in errors
        assert "証書(紙)を選択してください。" in errors
    # ... with the link to the public list, in the message itself.
    assert re.search(
        r'id="id_advance_format_error".*?href="/ordering-bodies/"', response.content.decode(), re.S
    )


def test_electronic_is_refused_for_an_ordering_body_without_esurety(
    logged_in, company_a, contractor_a, branch_x, body_paper_only
):
    draft = factories.ApplicationFactory(
        company=company_a, created_by=contractor_a, ordering_body=body_paper_only
    )
    response = confirm(logged_in, draft, body_paper_only, branch_x, performance_format="paper")
    assert "長野県は電子保証に対応していません。" in field_errors(response, "advance_format")
    assert field_errors(response, "performance_format") == ""


def test_paper_is_accepted_for_an_ordering_body_without_esurety(
    logged_in, company_a, contractor_a, branch_x, body_paper_only
):
    draft = factories.ApplicationFactory(
        company=company_a, created_by=contractor_a, ordering_body=body_paper_only
    )
    response = confirm(
        logged_in, draft, body_paper_only, branch_x, advance_format="paper", performance_format="paper"
    )
    assert response.status_code == 302


def test_electronic_is_accepted_from_the_start_date_on(logged_in, draft, body_p, branch_x, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 23, 0, tzinfo=datetime.UTC))  # 2026-04-01 08:00 JST
    assert confirm(logged_in, draft, body_p, branch_x).status_code == 302
    time_machine.move_to(datetime.datetime(2026, 3, 31, 14, 0, tzinfo=datetime.UTC))  # 2026-03-31 23:00 JST
    response = confirm(logged_in, draft, body_p, branch_x)
    assert "小谷村の電子保証の利用開始日は令和08年04月01日です。" in field_errors(response, "advance_format")


def test_the_ratios_are_data_of_the_ordering_body(logged_in, draft, body_p, branch_x):
    body_p.advance_ratio_limit = Decimal("0.333")
    body_p.performance_ratio_min = Decimal("0.300")  # a low bid: 3/10
    body_p.save()
    response = confirm(
        logged_in,
        draft,
        body_p,
        branch_x,
        advance_guarantee_amount="16,650,001",
        performance_guarantee_amount="14,999,999",
    )
    assert "請負金額の33.3%（16,650,000 円）以内" in field_errors(response, "advance_guarantee_amount")
    assert "請負金額の30%（15,000,000 円）以上" in field_errors(response, "performance_guarantee_amount")
    ok = confirm(
        logged_in,
        draft,
        body_p,
        branch_x,
        advance_guarantee_amount="16,650,000",
        performance_guarantee_amount="15,000,000",
    )
    assert ok.status_code == 302


def test_a_product_not_requested_is_not_checked(logged_in, draft, body_p, branch_x):
    response = confirm(
        logged_in,
        draft,
        body_p,
        branch_x,
        performance_requested=None,
        performance_guarantee_amount="",
        performance_format=None,
        performance_fee_statement_paper=None,
    )
    assert response.status_code == 302


def test_no_email_is_needed_without_the_notification(logged_in, draft, body_p, branch_x):
    assert confirm(logged_in, draft, body_p, branch_x, notify_issued="False", email="").status_code == 302


# -- conversions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("50000000", 50_000_000),
        ("50,000,000", 50_000_000),
        ("５０，０００，０００", 50_000_000),
        ("５０００００００", 50_000_000),
        (" 50,000,000円 ", 50_000_000),
        ("５０，０００，０００円", 50_000_000),
    ],
)
def test_amounts_accept_commas_full_width_digits_and_yen(logged_in, draft, body_p, branch_x, typed, stored):
    assert confirm(logged_in, draft, body_p, branch_x, contract_amount=typed).status_code == 302
    draft.refresh_from_db()
    assert draft.contract_amount == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ﾊﾁｼﾞｭｳﾆ銀行 ｵﾀﾘ支店", "ハチジュウニ銀行\u3000オタリ支店"),
        ("82銀行 ABC支店", "８２銀行\u3000ＡＢＣ支店"),
        ("八十二銀行　小谷支店", "八十二銀行\u3000小谷支店"),
    ],
)
def test_deposit_bank_half_width_is_converted_to_full_width_not_rejected(
    logged_in, draft, body_p, branch_x, typed, stored
):
    assert confirm(logged_in, draft, body_p, branch_x, advance_deposit_bank=typed).status_code == 302
    advance = ProductRequest.objects.get(application=draft, product="advance")
    assert advance.deposit_bank == stored


def test_full_width_email_phone_and_dates_are_normalised(logged_in, draft, body_p, branch_x):
    response = confirm(
        logged_in,
        draft,
        body_p,
        branch_x,
        email="ｓｏｕｍｕ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        contact_phone="０２６１ー００ー００００",
        period_start="２０２６／０６／１５",
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.email == "soumu@example.com"
    assert draft.contact_phone == "0261-00-0000"
    assert draft.period_start == datetime.date(2026, 6, 15)


# -- the ratio: one definition, shared with the JavaScript -------------------------------------------


@pytest.mark.parametrize(
    ("amount", "base", "shown"),
    [
        (20_000_000, 50_000_000, "40.0%"),
        (5_000_000, 50_000_000, "10.0%"),
        (1, 3, "33.3%"),
        (2, 3, "66.7%"),
        (1_000_500, 10_000_000, "10.0%"),  # 10.005% rounds half up to 10.0 (tenths: 100.05 -> 100)
        (1_005_000, 10_000_000, "10.1%"),  # 10.05% -> 10.1
        (9_999_999_999_999, 1, "999999999999900.0%"),
        (None, 50_000_000, "0.0%"),
        (20_000_000, None, "0.0%"),
        (20_000_000, 0, "0.0%"),
    ],
)
def test_guarantee_ratio(amount, base, shown):
    assert percent(amount, base) == shown


def test_the_confirm_page_shows_the_server_computed_ratios(logged_in, draft, body_p, branch_x):
    confirm(
        logged_in,
        draft,
        body_p,
        branch_x,
        advance_this_year_amount="30,000,000",
        advance_guarantee_amount="11,999,999",
        performance_guarantee_amount="7,777,777",
    )
    page = logged_in.get(f"/netdesk/applications/{draft.pk}/confirm/").content.decode()
    assert "40.0% (請負金額もしくは今年度対象額に対する前払金保証金額の割合)" in page
    assert "15.6% (請負金額に対する契約保証金額の割合)" in page


def test_the_confirm_page_refuses_a_draft_that_breaks_a_rule(logged_in, draft):
    Application.objects.filter(pk=draft.pk).update(work_name="")
    response = logged_in.get(f"/netdesk/applications/{draft.pk}/confirm/")
    assert response.status_code == 302
    assert response.url == f"/netdesk/applications/{draft.pk}/edit/"
