"""The whole electronic flow in a real browser, as the three kinds of users live it.

Contractor A (alice) files both products electronic to 長野支店 for 小谷村 → clerk X (xavier, 長野支店)
reviews (審査中) and issues both in the admin; clerk Y (yuki, 栃木支店) gets a 404 for it → alice opens
保証契約一覧 → 電子保証（認証キー） → 詳細, the certificate window, and downloads the key notice; the number
and key are read out of that PDF → official P (paul, 小谷村) views the certificate in D-Sure with them
(and with a full-width copy), its history and its PDF; official Q (quinn, 栃木県) gets the generic
failure → alice applies for a 変更, xavier issues it, both sides show 新規 + 変更 → five wrong keys
lock the number for paul, with the time. Every screen is checked with axe-core and captured as PNG.
"""

import re

import jaconv
import pytest
from playwright.sync_api import expect

from dsure.forms import FAILURE_MESSAGE, NUMBER_THROTTLE_MESSAGE, retry_phrase
from dsure.models import LookupAttempt
from netdesk.models import Application, ProductRequest, Status
from tests.browser.conftest import close_certificate_window
from tests.browser.flows import (
    WORK_NAME,
    admin_log_in,
    admin_message,
    cast,  # noqa: F401 (fixture)
    check,
    check_admin,
    check_certificate,
    downloaded,
    dsure_lookup,
    file_application,
    issue_from_review,
    log_in,
    open_application_in_admin,
    pdf_text,
    people,  # noqa: F401 (fixture)
    screens,  # noqa: F401 (fixture)
    squash,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

NUMBER_IN_PDF = re.compile(r"保証契約番号：(\d{5}-\d{5}[A-Z])")
KEY_IN_PDF = re.compile(r"認証キー：([A-Za-z0-9]{12})")


def test_electronic_flow_from_application_to_dsure_and_an_amendment(people, screens, cast):  # noqa: F811
    alice, xavier, paul = people("alice"), people("xavier"), people("paul")

    # -- Net Desk: contractor A files both products electronic ---------------------------------------
    log_in(alice, screens, "netdesk", "alice")
    check(alice, screens, "netdesk-top")
    file_application(alice, screens, format_label="電子保証(認証キーを含む)", key_screens=True)
    application = Application.objects.get()

    # -- The clerk of another branch does not see it ------------------------------------------------
    yuki = people("yuki")
    admin_log_in(yuki, screens, "yuki")
    expect(yuki.get_by_role("link", name="栃木支店 新着（申込済） 0件")).to_be_visible()
    yuki.get_by_role("link", name="保証申込", exact=True).first.click()
    expect(yuki.get_by_role("heading", name="保証申込一覧")).to_be_visible()
    expect(yuki.get_by_role("link", name=WORK_NAME)).to_have_count(0)
    assert yuki.goto(f"/admin/netdesk/application/{application.pk}/change/").status == 404

    # -- The admin: clerk X reviews and issues both -------------------------------------------------
    admin_log_in(xavier, screens, "xavier")
    open_application_in_admin(xavier, screens, key="03a-admin-home")
    review = xavier.locator(".review-actions")
    expect(review.get_by_role("row", name=re.compile("前払金保証"))).to_contain_text("申込済")
    xavier.get_by_role("button", name="審査中にする").click()
    expect(admin_message(xavier)).to_contain_text("審査中にしました。")
    expect(review.get_by_role("row", name=re.compile("前払金保証"))).to_contain_text("審査中")
    check_admin(xavier, screens, "admin-application-review", key="03-admin-review")
    issue_from_review(xavier, screens, "前払金保証", key="03b-admin-issue-confirm")
    issue_from_review(xavier, screens, "契約保証")
    # All issued: no 発行, 審査中にする or 差戻し left.
    expect(review.get_by_role("button")).to_have_count(0)
    expect(review.get_by_role("link")).to_have_count(0)
    expect(review.get_by_text("発行済")).to_have_count(2)
    check_admin(xavier, screens, "admin-application-issued")
    advance = ProductRequest.objects.select_related("contract").get(
        application=application, product="advance"
    )
    assert advance.status == Status.ISSUED

    # The contract admin lists both contracts of the branch.
    xavier.goto("/admin/issuers/guaranteecontract/")
    expect(xavier.get_by_role("link", name=advance.contract.number)).to_be_visible()
    check_admin(xavier, screens, "admin-contract-list")

    # -- Net Desk: 保証契約一覧 → 電子保証（認証キー） → 詳細 ------------------------------------------
    alice.get_by_role("link", name="保証契約一覧", exact=True).first.click()
    expect(alice.get_by_role("heading", name="保証契約一覧", level=1)).to_be_visible()
    expect(alice.locator(".contract-table tbody tr")).to_have_count(2)
    check(alice, screens, "netdesk-contract-list")
    alice.get_by_role("link", name="電子保証（認証キー）").click()
    expect(alice.get_by_role("link", name="電子保証（認証キー）")).to_have_attribute("aria-current", "page")
    advance_row = alice.locator(".contract-table tbody tr").filter(has_text="前払金保証")
    expect(advance_row).to_contain_text("未")  # not viewed by the ordering body yet
    check(alice, screens, "netdesk-contract-list-electronic")
    advance_row.get_by_role("link", name=re.compile("の詳細")).click()
    expect(alice.get_by_text("電子保証概要（前払金保証）")).to_be_visible()
    shown_key = alice.locator(".auth-key").inner_text()
    history = alice.locator(".history-table tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("新規")
    check(alice, screens, "netdesk-contract-detail")

    # 選択: the certificate in its own window.
    with alice.expect_popup() as popup:
        alice.get_by_role("link", name=re.compile("No.1 新規の電子保証を選択")).click()
    window = popup.value
    window.wait_for_load_state()
    expect(window.get_by_role("heading", name="保証証書（前払金保証）")).to_be_visible()
    expect(window.get_by_text("保証証書（書面）の発行は行わない電子的な取扱となります")).to_be_visible()
    expect(window.get_by_text(WORK_NAME).first).to_be_visible()
    expect(window.get_by_text("小谷村長").first).to_be_visible()
    expect(window.get_by_text("20,000,000").first).to_be_visible()
    check_certificate(window, screens, "netdesk-certificate-window", key="05-certificate-window")
    close_certificate_window(window)

    # 印刷: the key notice, downloaded; the number and key are read out of its text.
    with alice.expect_download() as download_info:
        alice.get_by_role("link", name="印刷", exact=True).click()
    notice = pdf_text(downloaded(download_info.value))
    text = squash(notice)
    assert "電子保証にかかる「認証キー」のお知らせ" in text
    assert f"工事名：{WORK_NAME}" in text
    assert "商品（保証区分）：前払金保証" in text
    number = NUMBER_IN_PDF.search(text).group(1)
    key = KEY_IN_PDF.search(text).group(1)
    assert number == advance.contract.number
    assert key == shown_key

    # -- D-Sure: official P views it ------------------------------------------------------------------
    log_in(paul, screens, "dsure", "paul")
    expect(paul.get_by_role("heading", name="電子証書の閲覧")).to_be_visible()
    paul.get_by_label("保証契約番号").fill(number)
    paul.get_by_label("認証キー").fill(key)
    check(paul, screens, "dsure-lookup", key="06-dsure-lookup")
    paul.get_by_role("button", name="閲覧する").click()
    expect(paul.get_by_role("heading", name="電子証書（前払金保証）")).to_be_visible()
    summary = paul.locator(".certificate-summary")
    expect(summary).to_contain_text(number)
    expect(summary).to_contain_text("有効")
    expect(paul.locator(".certificate-history tbody tr")).to_have_count(1)
    expect(paul.locator(".certificate-history tbody tr").first).to_contain_text("新規")
    expect(paul.locator(".certificate-document").get_by_text(WORK_NAME).first).to_be_visible()
    assert key not in paul.url
    check_certificate(paul, screens, "dsure-certificate", key="07-dsure-certificate")
    certificate_url = paul.url

    with paul.expect_download() as download_info:
        paul.get_by_role("link", name="PDFをダウンロード").click()
    certificate_pdf = squash(pdf_text(downloaded(download_info.value)))
    assert "保証証書（前払金保証）" in certificate_pdf
    assert number in certificate_pdf
    assert key not in certificate_pdf

    # A full-width copy of number and key (as pasted from a word processor) works as well.
    paul.get_by_role("link", name="別の電子証書を閲覧する").click()
    dsure_lookup(paul, jaconv.h2z(number, ascii=True, digit=True), jaconv.h2z(key, ascii=True, digit=True))
    expect(paul).to_have_url(certificate_url)

    paul.get_by_role("link", name="閲覧履歴").click()
    expect(paul.get_by_role("heading", name="閲覧履歴")).to_be_visible()
    expect(paul.locator("tbody tr").filter(has_text=number).filter(has_text="閲覧")).to_have_count(2)
    check(paul, screens, "dsure-history")

    # The contractor sees that the ordering body has viewed it.
    alice.reload()
    expect(alice.get_by_text(re.compile(r"発注者の閲覧: 済（"))).to_be_visible()

    # -- D-Sure: the official of another body gets the generic failure -------------------------------
    quinn = people("quinn")
    log_in(quinn, screens, "dsure", "quinn")
    dsure_lookup(quinn, number, key)
    expect(quinn.get_by_role("alert")).to_have_text(FAILURE_MESSAGE)
    expect(quinn.get_by_label("認証キー")).to_have_value("")  # the key is never written back
    check(quinn, screens, "dsure-lookup-failure")
    assert quinn.goto(certificate_url).status == 404

    # -- 変更の申込: alice applies, xavier issues, both sides show 新規 + 変更 ------------------------
    alice.get_by_role("link", name="変更の申込").click()
    expect(alice.get_by_role("heading", name="変更の申込（前払金保証）")).to_be_visible()
    alice.get_by_label("保証金額").fill("18,000,000")
    alice.get_by_label("変更の理由").fill("前払金の請求額の変更")
    check(alice, screens, "netdesk-amendment-form")
    alice.get_by_role("button", name="変更を申し込む").click()
    expect(alice.get_by_text("変更の申込を送信しました")).to_be_visible()
    expect(alice.get_by_text("受付中の変更の申込があります")).to_be_visible()

    xavier.goto("/admin/")
    xavier.get_by_role("link", name="変更の申込", exact=True).first.click()
    check_admin(xavier, screens, "admin-amendment-list")
    xavier.get_by_role("link", name=number).click()
    expect(xavier.get_by_role("heading", name="変更の発行（見本）")).to_be_visible()
    check_admin(xavier, screens, "admin-amendment-review")
    xavier.get_by_role("button", name="変更を発行").click()
    expect(admin_message(xavier)).to_contain_text(f"変更一を発行しました（保証契約番号 {number}）。")

    alice.reload()
    history = alice.locator(".history-table tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("新規")
    expect(history.nth(1)).to_contain_text("変更")
    expect(alice.locator(".summary-table")).to_contain_text("18,000,000 円")
    expect(alice.locator(".auth-key")).to_have_text(key)  # same number, same key
    check(
        alice,
        screens,
        "netdesk-contract-detail-amended",
        key="04-contract-detail",
        key_view=alice.get_by_role("heading", name=re.compile("^認証キー")),
    )

    paul.goto(certificate_url)
    rows = paul.locator(".certificate-history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("新規")
    expect(rows.nth(1)).to_contain_text("変更一")
    expect(paul.locator(".certificate-summary")).to_contain_text("No.2 変更一")
    expect(paul.locator(".certificate-document").get_by_text("18,000,000").first).to_be_visible()
    check_certificate(paul, screens, "dsure-certificate-amended")

    # -- Five wrong keys lock the number for this official, with the time to retry ---------------------
    paul.get_by_role("link", name="別の電子証書を閲覧する").click()
    wrong = key[:-1] + ("A" if key[-1] != "A" else "B")
    for attempt in range(1, 6):
        dsure_lookup(paul, number, wrong)
        expect(paul.get_by_role("alert")).to_contain_text(FAILURE_MESSAGE)
        if attempt < 5:
            expect(paul.get_by_role("alert")).not_to_contain_text(NUMBER_THROTTLE_MESSAGE)
    locked_until = LookupAttempt.objects.filter(official__user__username="paul").latest("at").locked_until
    expect(paul.get_by_role("alert")).to_contain_text(NUMBER_THROTTLE_MESSAGE + retry_phrase(locked_until))
    check(paul, screens, "dsure-lookup-locked")
    # Even the right key is refused now, with the same time.
    dsure_lookup(paul, number, key)
    expect(paul.get_by_role("alert")).to_have_text(NUMBER_THROTTLE_MESSAGE + retry_phrase(locked_until))
    results = list(
        LookupAttempt.objects.filter(official__user__username="paul")
        .order_by("at")
        .values_list("result", flat=True)
    )
    assert results[-6:] == [LookupAttempt.Result.FAILURE] * 5 + [LookupAttempt.Result.THROTTLED]
