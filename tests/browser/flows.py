"""Steps shared by the end-to-end flows of tests/browser/test_flow_*.py: one browser context per person
(contractor, clerk, official), the screens they pass through checked with axe-core and captured as PNG,
and the Net Desk application and the admin review done the way a person does them.

Screenshots: every checked screen goes to the artifacts folder (BROWSER_ARTIFACTS, by default
<tmp>/esurety-browser-artifacts/<test>/NN-name.png). With SCREENSHOT_DIR set (`make screenshots`), the
key screens of the README are also written there under fixed names.
"""

import datetime
import io
import os
import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import ACTION_TIMEOUT_MS, BLOCKING_IMPACTS

ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS") or Path(tempfile.gettempdir()) / "esurety-browser-artifacts"
)
VIEWPORT = {"width": 1280, "height": 900}


def screenshot_dir() -> Path | None:
    value = os.environ.get("SCREENSHOT_DIR")
    return Path(value) if value else None


class Screens:
    """Numbered PNGs of one test's screens, and the README's key screens when SCREENSHOT_DIR is set."""

    def __init__(self, test_name: str):
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def capture(self, page, name: str, *, key: str | None = None, key_view=None) -> None:
        """The screen as the user sees it now; for a key screen, also the README's view of it: the top
        of the page, or `key_view` (a locator) scrolled to the top of the window."""
        self.count += 1
        page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png")
        target = screenshot_dir()
        if key and target:
            target.mkdir(parents=True, exist_ok=True)
            if key_view is None:
                page.evaluate("window.scrollTo(0, 0)")
            else:
                key_view.evaluate("element => element.scrollIntoView({block: 'start'})")
            small_png(page.screenshot(), target / f"{key}.png")


def small_png(png: bytes, path: Path) -> None:
    """A screenshot for the repository: 64 colours (a palette PNG) look the same for these flat pages
    and take a third of the space. Pillow comes with reportlab."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, "PNG", optimize=True
    )


@pytest.fixture
def screens(request) -> Screens:
    return Screens(request.node.name)


@pytest.fixture
def cast(contractor_a, branch_x, clerk_x, clerk_y, official_p, official_q, body_p, fee_rates):
    """The personas of tests/conftest.py the flows need: contractor A (alice), clerk X (xavier, 長野支店)
    and Y (yuki, 栃木支店), official P (paul, 小谷村) and Q (quinn, 栃木県), and the fee rates."""
    # 小谷村 starts 電子保証 on 2026-04-01 (seed 000); never later than today, whatever the clock says.
    body_p.esurety_start = min(datetime.date(2026, 4, 1), timezone.localdate())
    body_p.save(update_fields=["esurety_start"])


@pytest.fixture
def people(browser, live_server):
    """`people(name)`: a fresh browser context and page for one person (own cookies), at 1280×900.
    As with the `page` fixture, any JavaScript error or CSP violation fails the test."""
    contexts, errors = [], []

    def open_page(name: str):
        context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport=VIEWPORT)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()

        def watch(new_page):
            new_page.on("pageerror", lambda error: errors.append(f"{name}: {error}"))
            new_page.on(
                "console",
                lambda message: (
                    errors.append(f"{name}: {message.text}")
                    if message.type == "error" and "Content Security Policy" in message.text
                    else None
                ),
            )

        watch(page)
        context.on("page", watch)  # popups (the certificate window) are watched too
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors or CSP violations in the browser: {errors}"


# The rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA (JIS X 8341-3 adopts WCAG 2.0 AA), and axe's
# best practices. Unlike axe's defaults, this runs the WCAG 2.2 AA rule target-size (24×24 px targets).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def assert_wcag_aa(page, name: str, *, exclude: list[str] = ()) -> None:
    """axe-core on the page as it is now: no serious or critical violation of AXE_TAGS' rules."""
    from axe_playwright_python.sync_playwright import Axe

    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    results = Axe().run(page, context=context, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] if node.get("target") else "?" for node in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe found serious/critical violations on {name}:\n{details}"


def check(page, screens: Screens, name: str, *, key: str | None = None, key_view=None) -> None:
    """A screen the flow passes through: no serious/critical axe violation, and a PNG of it."""
    assert_wcag_aa(page, name)
    screens.capture(page, name, key=key, key_view=key_view)


def check_certificate(page, screens: Screens, name: str, *, key: str | None = None) -> None:
    """`check` for a page showing a certificate, leaving out its decorative 見本 watermark
    (templates/documents/certificate.html: aria-hidden and deliberately faint, so axe flags its
    contrast)."""
    assert_wcag_aa(page, name, exclude=[".certificate-watermark"])
    screens.capture(page, name, key=key)


def log_in(page, screens: Screens, portal: str, username: str) -> None:
    """Log in through the portal's own login page (checked too); every persona's password is "pw"."""
    page.goto(f"/{portal}/login/?next=/{portal}/")
    check(page, screens, f"{portal}-login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill("pw")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"**/{portal}/")


# -- Net Desk: the application ----------------------------------------------------------------------------

WORK_NAME = "中小谷地区道路改良工事"
BODY_LABEL = "小谷村（長野県）"


def work_dates(today: datetime.date | None = None) -> dict:
    """A 工期 in the future of the real clock (the browser's cookies live in real time)."""
    today = today or timezone.localdate()
    return {
        "contract_date": today,
        "period_start": today + datetime.timedelta(days=10),
        "period_end": today + datetime.timedelta(days=200),
    }


def file_application(
    page,
    screens: Screens,
    *,
    format_label: str,
    work_name: str = WORK_NAME,
    advance_amount: str = "20,000,000",
    key_screens: bool = False,
) -> None:
    """From Net Desk's トップ: 保証申込 → 申込の作成(新規), both products in the given format
    (「電子保証(認証キーを含む)」 or 「証書(紙)」), to 長野支店 → 申込確認 → 送信する → 送信完了."""
    dates = work_dates()
    page.get_by_role("link", name="保証申込", exact=True).first.click()
    expect(page.get_by_role("heading", name="保証申込", level=1)).to_be_visible()
    check(page, screens, "netdesk-application-list")
    page.get_by_role("link", name="申込の作成(新規)").click()
    expect(page.get_by_role("heading", name="申込の作成(新規)")).to_be_visible()

    page.get_by_label("工事名").fill(work_name)
    page.get_by_label("工事場所").fill("長野県北安曇郡小谷村大字中小谷地内")
    page.get_by_label("発注者").select_option(label=BODY_LABEL)
    page.get_by_label("請負金額").fill("50,000,000")
    page.get_by_label("開始日").fill(dates["period_start"].isoformat())
    page.get_by_label("終了日").fill(dates["period_end"].isoformat())
    page.get_by_label("請負契約日").fill(dates["contract_date"].isoformat())
    page.get_by_role("group", name="前払金の予定").get_by_label("あり").check()
    check(page, screens, "netdesk-application-work")

    page.get_by_role("tab", name="保証の申込内容").click()
    advance = page.get_by_role("group", name="前払金保証")
    advance.get_by_label("前払金保証を申し込む").check()
    advance.get_by_label(format_label).check()
    advance.get_by_role("textbox", name="前払金保証金額").fill(advance_amount)
    advance.get_by_role("textbox", name="預託金融機関(全角)").fill("八十二銀行 小谷支店")
    advance.get_by_label("再預託を利用しない").check()
    advance.get_by_label("前払金保証料支払方法").select_option(label="一括納付")
    advance.get_by_role("group", name="保証料計算書(紙)について").get_by_label("希望しない").check()
    performance = page.get_by_role("group", name="契約保証", exact=True)
    performance.get_by_label("契約保証を申し込む").check()
    performance.get_by_label(format_label).check()
    performance.get_by_role("textbox", name="契約保証金額").fill("5,000,000")
    expect(page.locator("#performance_ratio")).to_have_text("10.0%")
    performance.get_by_label("契約保証料支払方法").select_option(label="一括納付")
    performance.get_by_role("group", name="保証料計算書(紙)について").get_by_label("希望しない").check()
    check(page, screens, "netdesk-application-products", key="01-application-form" if key_screens else None)

    page.get_by_role("tab", name="その他").click()
    page.get_by_label("申込送信先").select_option(label="長野支店")
    page.get_by_role("group", name="電子保証発行完了のお知らせ").get_by_label("希望する", exact=True).check()
    page.get_by_role("textbox", name="メールアドレス").fill("soumu@example.com")
    page.get_by_label("担当者名").fill("見本 三郎")
    check(page, screens, "netdesk-application-other")
    page.get_by_role("button", name="申込確認へ").click()
    confirm_and_send(page, screens, key_screens=key_screens)


def confirm_and_send(page, screens: Screens, *, key_screens: bool = False) -> None:
    """申込確認 → 送信する → 送信完了."""
    expect(page.locator(".progress-steps [aria-current=step]")).to_have_text("申込確認")
    check(page, screens, "netdesk-application-confirm", key="02-application-confirm" if key_screens else None)
    page.get_by_role("button", name="送信する").click()
    expect(page.get_by_role("heading", name="保証申込を送信しました")).to_be_visible()
    check(page, screens, "netdesk-application-done")


# -- The admin (branch clerks) ----------------------------------------------------------------------------


def admin_log_in(page, screens: Screens, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    check_admin(page, screens, "admin-login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill("pw")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="保証申込の審査と発行")).to_be_visible()
    check_admin(page, screens, "admin-index")


def check_admin(page, screens: Screens, name: str, *, key: str | None = None) -> None:
    """A Django admin screen, checked like any other. The admin's own markup passes, except that its
    changelist filter links were below the 24px target size of WCAG 2.2: static/css/admin.css."""
    check(page, screens, name, key=key)


def open_application_in_admin(
    page, screens: Screens, work_name: str = WORK_NAME, *, key: str | None = None
) -> None:
    """The clerk's home (長野支店の受付状況) → the count of 新着（申込済） → the list → the review page."""
    expect(page.get_by_role("heading", name="長野支店の受付状況")).to_be_visible()
    new = page.get_by_role("link", name=re.compile("^長野支店 新着（申込済） "))
    expect(new).to_have_text("1件")
    check_admin(page, screens, "admin-home", key=key)
    new.click()
    expect(page.get_by_role("heading", name="保証申込一覧")).to_be_visible()
    check_admin(page, screens, "admin-application-list")
    page.get_by_role("link", name=work_name).click()
    expect(page.get_by_role("heading", name="審査・発行（見本）")).to_be_visible()


def issue_from_review(page, screens: Screens, product: str, *, key: str | None = None) -> None:
    """On the review page: 「<product>を発行」 opens the confirmation page, which shows the certificate as
    it will read; 発行する issues and returns to the review page with the number."""
    page.get_by_role("link", name=f"{product}を発行").click()
    expect(page.get_by_role("heading", name=f"{product}の発行の確認")).to_be_visible()
    expect(page.get_by_role("heading", name=f"保証証書（{product}）")).to_be_visible()
    check_certificate(page, screens, f"admin-issue-confirm-{product}", key=key)
    page.get_by_role("button", name="発行する").click()
    expect(admin_message(page)).to_contain_text(f"{product}を発行しました（保証契約番号 ")


def admin_message(page):
    return page.locator("ul.messagelist")


# -- D-Sure ------------------------------------------------------------------------------------------------


def dsure_lookup(page, number: str, key: str) -> None:
    """保証契約番号 + 認証キー → 閲覧する, waiting for the answer: a failure re-renders the same page, so
    waiting on a locator alone could read the previous answer."""
    page.get_by_label("保証契約番号").fill(number)
    page.get_by_label("認証キー").fill(key)
    with page.expect_navigation():
        page.get_by_role("button", name="閲覧する").click()


# -- PDFs ----------------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squash(text: str) -> str:
    """Without whitespace: PDF lines break where the layout wraps, not where the sentence does."""
    return re.sub(r"\s+", "", text)


def downloaded(download) -> bytes:
    return Path(download.path()).read_bytes()
