"""差戻し → resubmit → issue in a real browser: clerk X returns contractor A's application with a message
(弊社からお客様へのお知らせ); alice sees it on 保証申込 and in the form, fixes the 預託金融機関, sends it
again; xavier issues both, and the contract carries the corrected bank."""

import re

import pytest
from playwright.sync_api import expect

from netdesk.models import ProductRequest, Status
from tests.browser.flows import (
    WORK_NAME,
    admin_log_in,
    admin_message,
    cast,  # noqa: F401 (fixture)
    check,
    check_admin,
    confirm_and_send,
    file_application,
    issue_from_review,
    log_in,
    open_application_in_admin,
    people,  # noqa: F401 (fixture)
    screens,  # noqa: F401 (fixture)
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

NOTICE = "前払金の預託金融機関は、請負契約書に記載の「八十二銀行 白馬支店」に訂正してください。"


def test_returned_application_is_fixed_sent_again_and_issued(people, screens, cast):  # noqa: F811
    alice, xavier = people("alice"), people("xavier")

    log_in(alice, screens, "netdesk", "alice")
    file_application(alice, screens, format_label="電子保証(認証キーを含む)")

    # The clerk returns it with a message.
    admin_log_in(xavier, screens, "xavier")
    open_application_in_admin(xavier, screens)
    xavier.get_by_role("link", name="差戻し", exact=True).click()
    expect(xavier.get_by_role("heading", name=re.compile("差戻し"))).to_be_visible()
    xavier.get_by_role("button", name="差戻す").click()  # without a message: refused, next to the field
    expect(xavier.locator(".errorlist")).to_contain_text(
        "差戻しの理由（弊社からお客様へのお知らせ）を入力してください。"
    )
    check_admin(xavier, screens, "admin-return-error")
    xavier.get_by_label("弊社からお客様へのお知らせ").fill(NOTICE)
    check_admin(xavier, screens, "admin-return")
    xavier.get_by_role("button", name="差戻す").click()
    expect(admin_message(xavier)).to_contain_text("差戻しました。")
    review = xavier.locator(".review-actions")
    expect(review.locator("tbody tr").filter(has_text="差戻し")).to_have_count(2)
    expect(review.get_by_role("link", name=re.compile("を発行"))).to_have_count(0)
    check_admin(xavier, screens, "admin-application-returned")

    # The contractor sees the message, fixes the bank and sends it again.
    alice.get_by_role("link", name="保証申込", exact=True).first.click()
    row = alice.get_by_role("row", name=re.compile(WORK_NAME))
    # The list marks the application itself, and each product's 手続状況 reads 差戻し.
    expect(row.locator(".row-mark.returned")).to_have_text("差戻し")
    expect(row.get_by_text("差戻し")).to_have_count(3)
    check(alice, screens, "netdesk-application-list-returned")
    row.get_by_role("link", name=re.compile("修正して再送信")).click()
    expect(alice.get_by_role("heading", name="申込の修正（差戻し）")).to_be_visible()
    expect(alice.get_by_role("note")).to_contain_text(NOTICE)
    check(alice, screens, "netdesk-application-returned")
    alice.get_by_role("tab", name="その他").click()
    expect(alice.get_by_role("group", name="弊社からお客様へのお知らせ")).to_have_text(NOTICE)
    alice.get_by_role("tab", name="保証の申込内容").click()
    advance = alice.get_by_role("group", name="前払金保証")
    bank = advance.get_by_role("textbox", name="預託金融機関(全角)")
    expect(bank).to_have_value("八十二銀行\u3000小谷支店")
    bank.fill("八十二銀行 白馬支店")
    check(alice, screens, "netdesk-application-fixed")
    alice.get_by_role("button", name="申込確認へ").click()
    expect(alice.get_by_role("cell", name="八十二銀行\u3000白馬支店", exact=True)).to_be_visible()
    confirm_and_send(alice, screens)

    # The clerk finds it sent again and issues both.
    xavier.reload()
    review = xavier.locator(".review-actions")
    expect(review.get_by_text("申込済")).to_have_count(2)
    issue_from_review(xavier, screens, "前払金保証")
    issue_from_review(xavier, screens, "契約保証")
    check_admin(xavier, screens, "admin-application-issued-after-return")

    # The contractor's 詳細 carries the corrected bank; the application's record shows the round trip.
    alice.get_by_role("link", name="保証契約一覧", exact=True).first.click()
    alice.locator(".contract-table tbody tr").filter(has_text="前払金保証").get_by_role(
        "link", name=re.compile("の詳細")
    ).click()
    expect(alice.locator(".summary-table")).to_contain_text("八十二銀行\u3000白馬支店")
    check(alice, screens, "netdesk-contract-detail-after-return")
    alice.get_by_role("link", name="保証申込", exact=True).first.click()
    alice.get_by_role("row", name=re.compile(WORK_NAME)).get_by_role("link", name=re.compile("表示")).click()
    operations = alice.locator("table").filter(has_text="手続の記録").locator("tbody td:nth-child(2)")
    for operation in ["送信", "差戻し", "発行"]:
        expected = 4 if operation == "送信" else 2  # both products, sent twice
        expect(operations.filter(has_text=re.compile(f"^{operation}$"))).to_have_count(expected)
    check(alice, screens, "netdesk-application-detail-after-return")
    assert set(ProductRequest.objects.values_list("status", flat=True)) == {Status.ISSUED}
