"""In a real browser: an official uploads a genuine certificate PDF and an altered copy to
電子証書の真正性確認 and reads the two answers. axe-core (WCAG 2.x AA) checks the page; the `page`
fixture fails on any CSP violation."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from issuers import services
from tests.browser.conftest import browser, login, page  # noqa: F401 (fixtures)
from tests.browser.flows import assert_wcag_aa
from tests.issuers.helpers import terms

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_an_official_tells_a_genuine_certificate_from_an_altered_copy(
    page,  # noqa: F811
    official_p,
    fee_rates,
    branch_x,
    body_p,
    clerk_x,
    tmp_path,
):
    today = timezone.localdate()
    contract = services.contract_issue(
        terms=terms(
            branch=branch_x,
            body=body_p,
            contract_date=today,
            period_start=today,
            period_end=today + datetime.timedelta(days=200),
        ),
        by=clerk_x,
    )
    with contract.versions.get().pdf.open("rb") as file:
        genuine = file.read()
    altered = bytearray(genuine)
    altered[altered.index(b"stream", len(altered) // 4) + 20] ^= 0x01
    (tmp_path / "genuine.pdf").write_bytes(genuine)
    (tmp_path / "altered.pdf").write_bytes(bytes(altered))

    login(page, "dsure", "paul", "pw")
    page.get_by_role("link", name="電子証書の真正性確認").click()
    expect(page.get_by_role("heading", name="電子証書の真正性確認", level=1)).to_be_visible()

    page.get_by_label("電子証書（PDF）").set_input_files(tmp_path / "genuine.pdf")
    page.get_by_role("button", name="確認する").click()
    result = page.locator("#seal-check-result")
    expect(result).to_contain_text("改ざんされていません。")
    expect(result).to_contain_text(branch_x.company.name)
    expect(result).to_contain_text(f"保証契約番号 {contract.number} の現在の版（新規）です。")
    assert_wcag_aa(page, "電子証書の真正性確認")

    page.get_by_label("電子証書（PDF）").set_input_files(tmp_path / "altered.pdf")
    page.get_by_role("button", name="確認する").click()
    expect(result).to_contain_text("改ざんされています。")
    expect(result).not_to_contain_text(contract.number)
