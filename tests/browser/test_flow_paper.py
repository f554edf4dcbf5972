"""The paper path in a real browser: contractor A files both products as 証書(紙) → clerk X issues both in
the admin → 保証契約一覧 lists them as 証書(紙), the 電子保証（認証キー） tab has none, 詳細 has no key and
no history, and the printable certificate PDF downloads. Nothing reaches D-Sure."""

import re

import pytest
from playwright.sync_api import expect

from dsure.models import Certificate
from issuers.models import KeyIssue
from tests.browser.flows import (
    WORK_NAME,
    admin_log_in,
    cast,  # noqa: F401 (fixture)
    check,
    check_admin,
    downloaded,
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


def test_paper_flow_from_application_to_the_certificate_pdf(people, screens, cast):  # noqa: F811
    alice, xavier = people("alice"), people("xavier")

    log_in(alice, screens, "netdesk", "alice")
    file_application(alice, screens, format_label="証書(紙)")

    admin_log_in(xavier, screens, "xavier")
    open_application_in_admin(xavier, screens)
    review = xavier.locator(".review-actions")
    expect(review.get_by_text("証書(紙)")).to_have_count(2)
    check_admin(xavier, screens, "admin-application-review-paper")
    issue_from_review(xavier, screens, "前払金保証")
    issue_from_review(xavier, screens, "契約保証")
    expect(review.get_by_text("発行済（郵送）")).to_have_count(2)
    check_admin(xavier, screens, "admin-application-issued-paper")

    # 保証申込: both 発行済（郵送）, with their numbers.
    alice.get_by_role("link", name="保証申込", exact=True).first.click()
    row = alice.get_by_role("row", name=re.compile(WORK_NAME))
    expect(row.get_by_text("発行済（郵送）")).to_have_count(2)
    expect(row.locator(".contract-number")).to_have_count(2)
    check(alice, screens, "netdesk-application-list-issued")

    # 保証契約一覧: two paper contracts; the electronic tab has none.
    alice.get_by_role("link", name="保証契約一覧", exact=True).first.click()
    rows = alice.locator(".contract-table tbody tr")
    expect(rows).to_have_count(2)
    for index in range(2):
        expect(rows.nth(index)).to_contain_text("証書(紙)")
    expect(alice.get_by_role("columnheader", name="発注者の閲覧")).to_have_count(0)
    check(alice, screens, "netdesk-contract-list-paper")
    alice.get_by_role("link", name="電子保証（認証キー）").click()
    expect(alice.get_by_text("電子保証の保証契約はありません。")).to_be_visible()
    check(alice, screens, "netdesk-contract-list-electronic-empty")

    # 詳細: no key, no history; the certificate PDF.
    alice.get_by_role("link", name="保証契約一覧", exact=True).first.click()
    advance_row = rows.filter(has_text="前払金保証")
    number = advance_row.locator("td").first.inner_text()
    advance_row.get_by_role("link", name=re.compile("の詳細")).click()
    expect(alice.get_by_role("heading", name=re.compile("保証契約概要（前払金保証）"))).to_be_visible()
    expect(alice.get_by_role("heading", name="保証証書（紙）")).to_be_visible()
    expect(alice.get_by_text("認証キー", exact=True)).to_have_count(0)
    expect(alice.locator(".auth-key")).to_have_count(0)
    expect(alice.get_by_text("電子保証情報（履歴情報）")).to_have_count(0)
    expect(alice.get_by_role("link", name="印刷", exact=True)).to_have_count(0)
    check(alice, screens, "netdesk-contract-detail-paper")
    with alice.expect_download() as download_info:
        alice.get_by_role("link", name="保証証書（PDF）").click()
    assert download_info.value.suggested_filename.startswith(f"certificate-{number}-")
    text = squash(pdf_text(downloaded(download_info.value)))
    assert "保証証書（前払金保証）" in text
    assert number in text
    assert "見本" in text
    assert WORK_NAME in text
    assert "電子的な取扱" not in text

    # The certificate window of an electronic contract does not exist for paper.
    advance = alice.url.rstrip("/").rsplit("/", 1)[-1]
    assert alice.request.get(f"/netdesk/contracts/{advance}/key-notice/").status == 404

    # Nothing was posted to D-Sure and no key was made.
    assert not Certificate.objects.exists()
    assert not KeyIssue.objects.exists()
