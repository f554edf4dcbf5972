"""What a newcomer tripped on, in a real browser: 電子保証 for a body that does not accept it yet is
refused next to the choice at once; a keyboard-only application; a phone-width (390 px) pass over
保証契約一覧, 詳細 and D-Sure's inbox without sideways scrolling; the certificate page on one A4 page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import ACTION_TIMEOUT_MS, assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def otari():
    start = min(datetime.date(2026, 4, 1), timezone.localdate())
    return factories.OrderingBodyFactory(code="204862", name="小谷村", esurety_start=start)


@pytest.fixture
def hakuba():
    """白馬村 starts 電子保証 after today."""
    start = timezone.localdate() + datetime.timedelta(days=200)
    return factories.OrderingBodyFactory(
        code="204811", name="白馬村", head_title="白馬村長", esurety_start=start
    )


@pytest.fixture
def contractor(otari, hakuba):
    factories.BranchFactory()  # 長野支店
    company = factories.CompanyFactory(name="北アルプス建設株式会社")
    return factories.MemberFactory(user__username="alice", company=company).user


def test_electronic_for_a_body_not_yet_on_it_is_refused_next_to_the_choice_at_once(page, contractor, hakuba):
    from common.formats import wareki

    login(page, "netdesk", "alice", "pw")
    page.goto("/netdesk/applications/new/")
    page.get_by_label("発注者").select_option(label="白馬村（長野県）")
    page.get_by_role("tab", name="保証の申込内容").click()
    advance = page.get_by_role("group", name="前払金保証")
    warning = page.locator("#advance_format_live")
    expect(warning).to_be_hidden()
    advance.get_by_label("電子保証(認証キーを含む)").check()
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(f"白馬村の電子保証の利用開始日は{wareki(hakuba.esurety_start)}です。")
    assert page.url.endswith("/netdesk/applications/new/")  # nothing was sent
    assert_accessible(page, "電子保証 refused at once")
    advance.get_by_label("証書(紙)").check()
    expect(warning).to_be_hidden()
    # Changing the body while 電子保証 is chosen says it too, and a body on 電子保証 clears it.
    advance.get_by_label("電子保証(認証キーを含む)").check()
    page.get_by_role("tab", name="請負工事の情報").click()
    page.get_by_label("発注者").select_option(label="小谷村（長野県）")
    page.get_by_role("tab", name="保証の申込内容").click()
    expect(warning).to_be_hidden()
    page.get_by_role("tab", name="請負工事の情報").click()
    page.get_by_label("発注者").select_option(label="白馬村（長野県）")
    page.get_by_role("tab", name="保証の申込内容").click()
    expect(warning).to_be_visible(timeout=ACTION_TIMEOUT_MS)
