"""In a real browser: an official looks a certificate up, finds it in 受領済み電子証書一覧 with its
marks, and a colleague opens it from there without the key. axe-core (WCAG 2.x AA) checks the list; the
`page` fixture fails on any CSP violation."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dsure.models import PostedVersion
from tests import factories
from tests.browser.conftest import browser, login, page  # noqa: F401 (fixtures)
from tests.browser.flows import assert_wcag_aa
from tests.dsure.conftest import BODY_P, KEY_P, NUMBER_P, make_number, post

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_inbox_lists_marks_and_opens_certificates_without_the_key(page, official_p):  # noqa: F811
    # Real time (the browser's cookies live in it): one certificate expiring in 10 days, one amended.
    soon = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    post(NUMBER_P, BODY_P, key=KEY_P, guarantee_deadline=soon)
    other = make_number(2)
    post(other, BODY_P, key="Kq7RtW3mNa9F", work_name="北小谷地区橋梁補修工事")
    factories.OfficialFactory(user__username="pia", body=official_p.official.body)

    login(page, "dsure", "paul", "pw")
    for number, key in ((NUMBER_P, KEY_P), (other, "Kq7RtW3mNa9F")):
        page.goto("/dsure/")
        page.get_by_label("保証契約番号").fill(number)
        page.get_by_label("認証キー").fill(key)
        page.get_by_role("button", name="閲覧する").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("電子証書")
    post(
        other,
        BODY_P,
        sequence=2,
        kind=PostedVersion.Kind.CHANGE,
        change_no=1,
        work_name="北小谷地区橋梁補修工事",
    )

    page.get_by_role("link", name="受領済み電子証書一覧").click()
    expect(page.get_by_role("heading", name="受領済み電子証書一覧", level=1)).to_be_visible()
    rows = page.locator(".inbox-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("更新あり")  # the amended one, posted last, comes first
    expect(rows.nth(1)).to_contain_text("期限切れ間近")
    assert_wcag_aa(page, "受領済み電子証書一覧")

    page.get_by_role("button", name="ログアウト").click()
    login(page, "dsure", "pia", "pw")
    page.get_by_role("link", name="受領済み電子証書一覧").click()
    page.get_by_role("link", name=other).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("電子証書（前払金保証）")
    expect(page.locator(".certificate-summary")).to_contain_text(other)
    page.get_by_role("link", name="受領済み電子証書一覧").click()
    expect(page.locator(".inbox-table tbody tr").nth(0)).not_to_contain_text("更新あり")
