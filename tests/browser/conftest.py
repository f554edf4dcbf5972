"""Browser tests: Playwright's sync API driving Debian's chromium against pytest-django's live_server.

Fixtures for every portal's browser tests:
- `browser`: one headless chromium per session (skipped, with the reason, where /usr/bin/chromium is
  missing; a failure instead when REQUIRE_BROWSER=1, as in CI);
- `page`: a fresh context and page per test, with the live server's URL as base_url;
- `login(page, portal, username, password)`: logs in through a portal's own login page;
- `assert_accessible(page, name)`: axe-core on the current page, failing on serious/critical violations.

Mark browser tests `@pytest.mark.browser` and use `transactional_db` (the server runs in a thread).
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM, called by fixtures and the
# live server in the same process, must not refuse to run because of it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCKING_IMPACTS = ("serious", "critical")
ACTION_TIMEOUT_MS = 15_000


def _browser_unavailable_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def browser(request):
    """One chromium for the whole run. Kept on the pytest config, not in this module, so that a test
    module elsewhere that imports this fixture shares it: Playwright's sync API can run only once per
    thread, and a second instance fails with "using Playwright Sync API inside the asyncio loop"."""
    reason = _browser_unavailable_reason()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but the browser cannot run: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    shared = getattr(request.config, "_shared_chromium", None)
    if shared is None:
        from playwright.sync_api import expect, sync_playwright

        # Assertions wait as long as actions do (15 s, below): their own default of 5 s failed now and
        # then on a loaded 2-core machine (PDF rendering in the live server), never on an idle one.
        expect.set_options(timeout=ACTION_TIMEOUT_MS)

        playwright = sync_playwright().start()
        shared = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        request.config._shared_chromium = shared

        def stop():
            shared.close()
            playwright.stop()

        request.config.add_cleanup(stop)
    return shared


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations in the browser: {errors}"


def login(page, portal: str, username: str, password: str) -> None:
    """Log in through `/{portal}/login/` and wait for the portal's top page."""
    page.goto(f"/{portal}/login/?next=/{portal}/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"**/{portal}/")


def assert_accessible(page, name: str = "") -> None:
    """Run axe-core on the page as it is now; fail on any serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] if node.get("target") else "?" for node in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe found serious/critical violations on {name or page.url}:\n{details}"


@pytest.fixture
def accessible():
    """`assert_accessible` as a fixture, for tests that prefer not to import from conftest."""
    return assert_accessible


@pytest.fixture
def browser_login():
    return login


def close_certificate_window(window) -> None:
    """Click 閉じる in a certificate window and wait until it has closed. The window closes itself in
    the click handler, so the click may lose its page halfway (Playwright's TargetClosedError); that is
    the outcome wanted, and `expect_event("close")` still fails the test if the window stays open."""
    from playwright.sync_api import Error

    with window.expect_event("close"):
        try:
            window.get_by_role("link", name="閉じる").click()
        except Error:
            if not window.is_closed():
                raise
    assert window.is_closed()
