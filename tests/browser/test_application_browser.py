"""A contractor files an application in a real browser: log in, fill the form for both products,
electronic, to 長野支店 for 小谷村, watch the live ratio, confirm, send, see 送信完了 and 申込済 in the
list. axe-core checks every screen on the way."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from common.formats import percent
from netdesk.models import Application, ProductRequest, Status
from tests import factories
from tests.browser.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def otari():
    # 小谷村 starts 電子保証 on 2026-04-01 (seed 000); never later than today, whatever the clock says.
    start = min(datetime.date(2026, 4, 1), timezone.localdate())
    return factories.OrderingBodyFactory(code="204862", name="小谷村", esurety_start=start)


@pytest.fixture
def contractor(otari):
    factories.BranchFactory()  # 長野支店
    factories.BranchFactory(code="09", name="栃木支店", tel="028-639-2388")
    company = factories.CompanyFactory(name="北アルプス建設株式会社")
    return factories.MemberFactory(user__username="alice", company=company).user


def test_contractor_files_an_application_from_login_to_done(page, contractor, otari):
    today = timezone.localdate()
    login(page, "netdesk", "alice", "pw")

    page.get_by_role("link", name="保証申込", exact=True).first.click()
    expect(page.get_by_role("heading", name="保証申込", level=1)).to_be_visible()
    assert_accessible(page, "保証申込 (empty list)")
    page.get_by_role("link", name="申込の作成(新規)").click()

    # 申込作成: the header of the leaflets, the progress bar and the three tabs.
    expect(page.get_by_role("heading", name="申込の作成(新規)")).to_be_visible()
    expect(page.locator(".progress-steps [aria-current=step]")).to_have_text("申込作成")
    expect(page.get_by_role("tab")).to_have_count(3)
    expect(page.get_by_role("tab", name="請負工事の情報")).to_have_attribute("aria-selected", "true")
    assert_accessible(page, "申込作成")

    # 請負工事の情報
    page.get_by_label("工事名").fill("中小谷地区道路改良工事")
    page.get_by_label("工事場所").fill("長野県北安曇郡小谷村大字中小谷地内")
    page.get_by_label("発注者").select_option(label="小谷村（長野県）")
    page.get_by_label("請負金額").fill("50,000,000")
    page.get_by_label("開始日").fill((today + datetime.timedelta(days=10)).isoformat())
    page.get_by_label("終了日").fill((today + datetime.timedelta(days=120)).isoformat())
    page.get_by_label("請負契約日").fill((today + datetime.timedelta(days=5)).isoformat())
    page.get_by_role("group", name="前払金の予定").get_by_label("あり").check()
    expect(page.get_by_label("名称")).to_have_value("北アルプス建設株式会社")  # 保証契約者, prefilled

    # Enter in a text box saves the draft (一時保存), never a クリア button; the draft is resumed.
    page.get_by_label("工事場所").press("Enter")
    expect(page.locator(".messages")).to_contain_text("一時保存しました。")
    expect(page).to_have_url(re.compile(r"/netdesk/applications/\d+/edit/$"))
    expect(page.get_by_label("請負金額")).to_have_value("50,000,000")
    assert Application.objects.get().work_name == "中小谷地区道路改良工事"

    # 保証の申込内容, with the live ratio
    page.get_by_role("tab", name="保証の申込内容").click()
    expect(page.get_by_label("工事名")).to_be_hidden()
    advance = page.get_by_role("group", name="前払金保証")
    advance.get_by_label("前払金保証を申し込む").check()
    advance.get_by_label("電子保証(認証キーを含む)").check()
    ratio = page.locator("#advance_ratio")
    expect(ratio).to_have_text("0.0%")
    advance.get_by_role("textbox", name="前払金保証金額").fill("20,000,000")
    expect(ratio).to_have_text("40.0%")
    advance.get_by_role("textbox", name="今年度対象額").fill("30,000,000")
    expect(ratio).to_have_text("66.7%")
    # The browser's figure is the server's (common.formats.percent), rounding included.
    for base, amount in [
        (3, 1),
        (3, 2),
        (10_000_000, 1_000_500),
        (10_000_000, 1_005_000),
        (7, 9_999_999_999_999),
    ]:
        advance.get_by_role("textbox", name="今年度対象額").fill(f"{base:,}")
        advance.get_by_role("textbox", name="前払金保証金額").fill(str(amount))
        expect(ratio).to_have_text(percent(amount, base))
    advance.get_by_role("textbox", name="今年度対象額").fill("")
    advance.get_by_role("textbox", name="前払金保証金額").fill("20,000,000")
    expect(ratio).to_have_text("40.0%")
    advance.get_by_role("textbox", name="預託金融機関(全角)").fill("ﾊﾁｼﾞｭｳﾆ銀行 ｵﾀﾘ支店")
    advance.get_by_label("再預託を利用しない").check()
    advance.get_by_label("前払金保証料支払方法").select_option(label="一括納付")
    expect(advance.get_by_role("textbox", name="前払金保証料請求先")).to_have_value("北アルプス建設株式会社")
    advance.get_by_role("group", name="保証料計算書(紙)について").get_by_label("希望しない").check()

    performance = page.get_by_role("group", name="契約保証", exact=True)
    performance.get_by_label("契約保証を申し込む").check()
    performance.get_by_label("電子保証(認証キーを含む)").check()
    performance.get_by_role("textbox", name="契約保証金額").fill("５，０００，０００")
    expect(page.locator("#performance_ratio")).to_have_text("10.0%")
    performance.get_by_label("契約保証料支払方法").select_option(label="一括納付")
    performance.get_by_role("group", name="保証料計算書(紙)について").get_by_label("希望しない").check()

    # その他 (インフォメーション): first forget 申込送信先 to see how an error is shown.
    page.get_by_role("tab", name="その他").click()
    page.get_by_role("group", name="電子保証発行完了のお知らせ").get_by_label("希望する", exact=True).check()
    page.get_by_role("textbox", name="メールアドレス").fill("soumu@example.com")
    page.get_by_label("担当者名").fill("見本 三郎")
    page.get_by_role("button", name="申込確認へ").click()

    expect(page.get_by_role("alert")).to_contain_text("申込送信先を選択してください。")
    # The form opens on the section with the error; everything typed is still there.
    expect(page.get_by_role("tab", name="その他")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("申込送信先")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("textbox", name="メールアドレス")).to_have_value("soumu@example.com")
    assert_accessible(page, "申込作成 with an error")
    page.get_by_label("申込送信先").select_option(label="長野支店")
    page.get_by_role("button", name="申込確認へ").click()

    # 申込確認: the server computed the same ratios; the half-width bank name is full-width now.
    expect(page.locator(".progress-steps [aria-current=step]")).to_have_text("申込確認")
    expect(page.locator("#confirm_advance_ratio")).to_contain_text("40.0%")
    expect(page.locator("#confirm_performance_ratio")).to_contain_text("10.0%")
    expect(page.get_by_text("ハチジュウニ銀行\u3000オタリ支店")).to_be_visible()
    assert_accessible(page, "申込確認")
    page.get_by_role("button", name="送信する").dblclick()  # a double click sends it once

    # 送信完了
    expect(page.locator(".progress-steps [aria-current=step]")).to_have_text("送信完了")
    expect(page.get_by_role("heading", name="保証申込を送信しました")).to_be_visible()
    assert_accessible(page, "送信完了")

    application = Application.objects.get()
    assert set(ProductRequest.objects.filter(application=application).values_list("status", flat=True)) == {
        Status.SUBMITTED
    }
    assert ProductRequest.objects.get(application=application, product="advance").deposit_bank == (
        "ハチジュウニ銀行\u3000オタリ支店"
    )

    page.get_by_role("link", name="保証申込の一覧へ").click()
    row = page.get_by_role("row", name=re.compile("中小谷地区道路改良工事"))
    expect(row.get_by_text("申込済")).to_have_count(2)
    assert_accessible(page, "保証申込 (list)")
