"""In a real browser: 保証契約一覧 → 電子保証（認証キー） → 詳細, the key, the notice download, 選択 opening the
certificate in a new window with 印刷 and 閉じる (static JS under the strict CSP), and 変更の申込 with
the Q5 message. axe-core checks each screen; the `page` fixture fails on any CSP violation."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from issuers import services as issuers_services
from tests import factories
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    assert_accessible,
    browser,
    close_certificate_window,
    login,
    page,
)
from tests.netdesk.contracts_helpers import issue_application

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def assert_accessible_but_watermark(window) -> None:
    """axe on the certificate window, leaving out the decorative 見本 watermark of
    templates/documents/certificate.html (aria-hidden, deliberately faint: axe flags its contrast)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(window, context={"exclude": [[".certificate-watermark"]]})
    violations = [
        v["id"] for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]
    assert not violations, violations


@pytest.fixture
def contract(fee_rates, clerk_x):
    # Real time (the browser's cookies live in it): dates relative to today, 小谷村 already started.
    today = timezone.localdate()
    body = factories.OrderingBodyFactory(esurety_start=min(datetime.date(2026, 4, 1), today))
    company = factories.CompanyFactory(name="北アルプス建設株式会社")
    contractor = factories.MemberFactory(user__username="alice", company=company).user
    advance, _ = issue_application(
        company=company,
        contractor=contractor,
        body=body,
        branch=factories.BranchFactory(),
        clerk=clerk_x,
        contract_date=today,
        period_start=today + datetime.timedelta(days=10),
        period_end=today + datetime.timedelta(days=200),
    )
    return advance.contract


def test_contractor_checks_the_certificate_and_applies_for_a_change(page, contract):  # noqa: F811
    key = issuers_services.current_key(contract)
    login(page, "netdesk", "alice", "pw")

    page.get_by_role("link", name="保証契約一覧", exact=True).first.click()
    expect(page.get_by_role("heading", name="保証契約一覧", level=1)).to_be_visible()
    assert_accessible(page, "保証契約一覧")
    page.get_by_role("link", name="電子保証（認証キー）").click()
    expect(page.get_by_role("link", name="電子保証（認証キー）")).to_have_attribute("aria-current", "page")
    assert_accessible(page, "電子保証（認証キー）")
    page.get_by_role("link", name=f"{contract.number} の詳細").click()

    expect(page.get_by_text("電子保証概要（前払金保証）")).to_be_visible()
    expect(page.locator(".auth-key")).to_have_text(key)
    expect(page.get_by_text("発注者の閲覧: 未")).to_be_visible()
    assert_accessible(page, "詳細")

    with page.expect_download() as download:
        page.get_by_role("link", name="印刷", exact=True).click()
    assert download.value.suggested_filename == f"key-notice-{contract.number}.pdf"
    assert key not in download.value.url

    with page.expect_popup() as popup_info:
        page.get_by_role("link", name=re.compile("No.1 新規の電子保証を選択")).click()
    window = popup_info.value
    window.wait_for_load_state()
    expect(window.get_by_role("heading", name="保証証書（前払金保証）")).to_be_visible()
    expect(window.get_by_text("保証証書（書面）の発行は行わない電子的な取扱となります")).to_be_visible()
    assert_accessible_but_watermark(window)
    window.evaluate("window.print = () => { window.printed = true; }")
    window.get_by_role("button", name="印刷").click()
    assert window.evaluate("window.printed") is True
    close_certificate_window(window)

    page.get_by_role("link", name="変更の申込").click()
    expect(page.get_by_role("heading", name="変更の申込（前払金保証）")).to_be_visible()
    assert_accessible(page, "変更の申込")
    page.get_by_label("保証金額").fill("18,000,000")
    page.get_by_label("証書(紙)").check()
    page.get_by_role("button", name="変更を申し込む").click()
    expect(
        page.get_by_text("同じ保証契約において、電子証書と紙の保証証書は混在できません。").first
    ).to_be_visible()
    expect(page.get_by_label("保証金額")).to_have_value("18,000,000")
    assert_accessible(page, "変更の申込（エラー）")
    page.get_by_label("電子保証(認証キーを含む)").check()
    page.get_by_role("button", name="変更を申し込む").click()
    expect(page.get_by_text("変更の申込を送信しました")).to_be_visible()
    expect(page.get_by_text("受付中の変更の申込があります")).to_be_visible()


def test_close_falls_back_to_the_detail_page_when_the_window_cannot_close(page, contract):  # noqa: F811
    login(page, "netdesk", "alice", "pw")
    page.goto(f"/netdesk/contracts/{contract.pk}/")
    # Opened in the same tab (history length 2): the browser refuses window.close().
    page.goto(f"/netdesk/contracts/{contract.pk}/certificates/{contract.versions.get().pk}/")
    page.get_by_role("link", name="閉じる").click()
    page.wait_for_url(f"**/netdesk/contracts/{contract.pk}/")
    expect(page.get_by_text("電子保証概要（前払金保証）")).to_be_visible()
