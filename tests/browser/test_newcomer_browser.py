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


# -- phones: 390 px wide, no sideways scrolling of the page ------------------------------------------

PHONE = {"width": 390, "height": 844}


def off_the_browser_thread(function):
    """Run `function` in a thread of its own: Playwright's sync API keeps an event loop running in
    this one, and issuing (pyHanko's sealing) calls asyncio.run()."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run():
        try:
            return function()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def issued(fee_rates, clerk_x, otari):
    """小谷村's contract of 北アルプス建設 (both products), looked up once by 小谷村's official."""
    return off_the_browser_thread(lambda: _issue_and_look_up(clerk_x, otari))


def _issue_and_look_up(clerk_x, otari):
    from dsure.models import Body, Official
    from dsure.services import certificate_lookup
    from issuers import services as issuers_services
    from tests.netdesk.contracts_helpers import issue_application

    today = timezone.localdate()
    company = factories.CompanyFactory(name="北アルプス建設株式会社")
    contractor = factories.MemberFactory(user__username="alice", company=company).user
    advance, performance = issue_application(
        company=company,
        contractor=contractor,
        body=otari,
        branch=factories.BranchFactory(),
        clerk=clerk_x,
        work_name="中小谷地区道路改良工事（その２）北小谷工区舗装補修及び排水施設整備",
        contract_date=today,
        period_start=today + datetime.timedelta(days=10),
        period_end=today + datetime.timedelta(days=200),
    )
    official = factories.OfficialFactory(
        user__username="paul",
        user__last_name="中谷",
        user__first_name="美咲",
        body=Body.objects.get(code=otari.code),
    )
    for request in (advance, performance):
        outcome = certificate_lookup(
            official=Official.objects.get(pk=official.pk),
            number_typed=request.contract.number,
            key=issuers_services.current_key(request.contract),
            ip_address="127.0.0.1",
        )
        assert outcome.succeeded
    return advance.contract


def assert_no_sideways_scrolling(page, name: str) -> None:
    overflow = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const wide = [...document.querySelectorAll("body *")]
                .filter(e => e.getBoundingClientRect().right > width + 1 && e.getClientRects().length)
                .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
            return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
        }"""
    )
    assert overflow["scroll"] <= overflow["width"], f"{name} scrolls sideways: {overflow}"


def test_a_phone_needs_no_sideways_scrolling(browser, live_server, issued):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport=PHONE)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        page = context.new_page()
        login(page, "netdesk", "alice", "pw")
        for url, name in [
            ("/netdesk/contracts/", "保証契約一覧"),
            ("/netdesk/contracts/?tab=electronic", "保証契約一覧（電子保証）"),
            (f"/netdesk/contracts/{issued.pk}/", "詳細"),
        ]:
            page.goto(url)
            assert_no_sideways_scrolling(page, name)
        expect(page.locator(".auth-key")).to_be_visible()
        page.context.clear_cookies()
        login(page, "dsure", "paul", "pw")
        page.goto("/dsure/inbox/")
        expect(page.get_by_text(issued.number)).to_be_visible()
        assert_no_sideways_scrolling(page, "受領済み電子証書一覧")
        assert_accessible(page, "受領済み電子証書一覧 (390 px)")
    finally:
        context.close()
