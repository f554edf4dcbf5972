"""What a newcomer tripped on, in a real browser: 電子保証 for a body that does not accept it yet is
refused next to the choice at once; a keyboard-only application; a phone-width (390 px) pass over
保証契約一覧, 詳細 and D-Sure's inbox without sideways scrolling; the certificate page on one A4 page."""

import datetime
import os
from urllib.parse import urlsplit

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


@pytest.fixture
def issued(fee_rates, clerk_x, otari):
    """小谷村's contract of 北アルプス建設 (both products), looked up once by 小谷村's official."""
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


# -- the keyboard only --------------------------------------------------------------------------------

FOCUSED = """(selector) => {
    const element = document.activeElement;
    if (!element || !element.matches(selector)) return null;
    const style = getComputedStyle(element);
    const visible = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
        || style.boxShadow !== "none";
    return {visible, tag: element.tagName, id: element.id};
}"""


def tab_to(page, selector: str, *, limit: int = 60, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab) until the element matching `selector` has the focus, and check that the
    focus can be seen (an outline or a ring)."""
    page.wait_for_load_state()
    for _ in range(limit):
        found = page.evaluate(FOCUSED, selector)
        if found:
            assert found["visible"], f"the focus on {selector} cannot be seen"
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab")


def choose(page, select: str, label: str) -> None:
    """A <select> with the keyboard: arrow down until the option shows."""
    tab_to(page, select)
    for _ in range(40):
        if page.evaluate("(s) => document.querySelector(s).selectedOptions[0].text", select) == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label} is not an option of {select}")


def type_date(page, day: datetime.date) -> None:
    """Type a date into the focused <input type=date> as a person does. Its fields come in the order
    of chromium's own language (LANG), not the page's: year first in Japanese, month first in US
    English; a full field moves on to the next by itself, except the year (up to six digits)."""
    language = os.environ.get("LC_ALL") or os.environ.get("LANG") or "C"
    if language.startswith("ja"):
        page.keyboard.type(f"{day.year}")
        page.keyboard.press("ArrowRight")
        page.keyboard.type(f"{day.month:02d}{day.day:02d}")
    else:
        page.keyboard.type(f"{day.month:02d}{day.day:02d}{day.year}")


def test_an_application_with_the_keyboard_only(page, contractor, otari):
    from netdesk.models import Application, Status

    today = timezone.localdate()
    page.goto("/netdesk/login/?next=/netdesk/")
    tab_to(page, "#id_username")
    page.keyboard.type("alice")
    tab_to(page, "#id_password")
    page.keyboard.type("pw")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path == "/netdesk/")

    tab_to(page, "a[href='/netdesk/applications/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/netdesk/applications/")
    tab_to(page, "a[href='/netdesk/applications/new/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/netdesk/applications/new/")
    expect(page.get_by_role("heading", name="申込の作成(新規)")).to_be_visible()

    # 請負工事の情報
    for selector, text in [
        ("#id_work_name", "中小谷地区道路改良工事"),
        ("#id_work_location", "長野県北安曇郡小谷村大字中小谷地内"),
    ]:
        tab_to(page, selector)
        page.keyboard.type(text)
    choose(page, "#id_ordering_body", "小谷村（長野県）")
    tab_to(page, "#id_contract_amount")
    page.keyboard.type("50,000,000")
    for selector, day in [
        ("#id_period_start", today + datetime.timedelta(days=10)),
        ("#id_period_end", today + datetime.timedelta(days=120)),
        ("#id_contract_date", today + datetime.timedelta(days=5)),
    ]:
        tab_to(page, selector)
        type_date(page, day)
        expect(page.locator(selector)).to_have_value(day.isoformat())
    tab_to(page, "input[name=advance_planned]")
    page.keyboard.press("Space")
    expect(page.locator("input[name=advance_planned][value=True]")).to_be_checked()

    # 保証の申込内容: the tabs move with the arrow keys, then Tab goes into the section.
    tab_to(page, "[role=tab][aria-selected=true]", backwards=True)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="保証の申込内容")).to_have_attribute("aria-selected", "true")
    tab_to(page, "#id_advance_requested")
    page.keyboard.press("Space")
    tab_to(page, "input[name=advance_format]")
    page.keyboard.press("ArrowRight")  # 証書(紙) → 電子保証(認証キーを含む)
    expect(
        page.get_by_role("group", name="前払金保証").get_by_label("電子保証(認証キーを含む)")
    ).to_be_checked()
    tab_to(page, "#id_advance_guarantee_amount")
    page.keyboard.type("20,000,000")
    expect(page.locator("#advance_ratio")).to_have_text("40.0%")
    tab_to(page, "#id_advance_deposit_bank")
    page.keyboard.type("八十二銀行 小谷支店")
    tab_to(page, "input[name=advance_redeposit]")
    page.keyboard.press("Space")
    choose(page, "#id_advance_payment_method", "一括納付")
    tab_to(page, "input[name=advance_fee_statement_paper]")
    page.keyboard.press("Space")

    # その他
    tab_to(page, "[role=tab][aria-selected=true]", backwards=True)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    choose(page, "#id_branch", "長野支店")
    tab_to(page, "input[name=notify_issued]")
    page.keyboard.press("Space")
    tab_to(page, "#id_email")
    page.keyboard.type("soumu@example.com")
    tab_to(page, "button[value=confirm]")
    page.keyboard.press("Enter")

    expect(page.locator(".progress-steps [aria-current=step]")).to_have_text("申込確認")
    tab_to(page, "form[data-submit-once] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="保証申込を送信しました")).to_be_visible()
    application = Application.objects.get()
    assert application.products.get(product="advance").status == Status.SUBMITTED
    assert application.email == "soumu@example.com"


# -- printing (Ctrl+P) -----------------------------------------------------------------------------------


def test_the_dsure_certificate_page_prints_on_one_a4_page_like_the_print_view(page, issued):
    import io

    from pypdf import PdfReader

    from dsure.models import Certificate

    certificate = Certificate.objects.get(number=issued.number)
    login(page, "dsure", "paul", "pw")
    page.goto(f"/dsure/inbox/{certificate.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    pages = {}
    for name, url in [
        ("certificate page", page.url),
        ("print view", f"/dsure/certificates/{certificate.public_id}/versions/1/print/"),
    ]:
        page.goto(url)
        pdf = page.pdf(format="A4", print_background=True)
        pages[name] = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages == {"certificate page": 1, "print view": 1}
