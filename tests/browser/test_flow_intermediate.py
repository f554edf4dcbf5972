"""中間前払金保証 in a real browser: contractor A's 前払金保証 is issued (half of its 工期 gone) → from its
詳細 A applies for the 中間前払金保証, first beyond 2/10 of the 請負金額 (refused next to the field, what
was typed kept), then within it → clerk X issues it in the admin → official P verifies it in D-Sure with
its number and key and sees 保証証書（中間前払金保証）."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from issuers import services as issuers_services
from netdesk import services
from netdesk.models import ProductRequest, Status
from tests import factories
from tests.browser.flows import (
    WORK_NAME,
    admin_log_in,
    cast,  # noqa: F401 (fixture)
    check,
    check_certificate,
    dsure_lookup,
    issue_from_review,
    log_in,
    open_application_in_admin,
    people,  # noqa: F401 (fixture)
    screens,  # noqa: F401 (fixture)
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def issued_advance(cast, company_a, contractor_a, body_p, branch_x, clerk_x):  # noqa: F811
    """A's electronic 前払金保証 for 小谷村, issued, its 工期 half gone on the real clock."""
    today = timezone.localdate()
    application = factories.ApplicationFactory(
        company=company_a,
        created_by=contractor_a,
        ordering_body=body_p,
        branch=branch_x,
        period_start=today - datetime.timedelta(days=160),
        period_end=today + datetime.timedelta(days=140),
        contract_date=today - datetime.timedelta(days=167),
        submitted_at=timezone.now(),
        products__status=Status.SUBMITTED,
    )
    application.products.filter(product="performance").update(requested=False, status=Status.DRAFT)
    advance = application.products.get(product="advance")
    return services.product_request_issue(product_request=advance, by=clerk_x)


def test_intermediate_advance_applied_for_issued_and_verified_in_dsure(people, screens, issued_advance):  # noqa: F811
    alice, xavier, paul = people("alice"), people("xavier"), people("paul")
    certified_on = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()

    # Net Desk: 保証契約一覧 → 詳細 of the 前払金保証 → 中間前払金保証の申込.
    log_in(alice, screens, "netdesk", "alice")
    alice.get_by_role("link", name="保証契約一覧", exact=True).first.click()
    alice.get_by_role("row", name=re.compile(issued_advance.number)).get_by_role(
        "link", name=re.compile("の詳細")
    ).click()
    alice.get_by_role("link", name="中間前払金保証の申込").click()
    expect(alice.get_by_role("heading", name="中間前払金保証の申込", level=1)).to_be_visible()
    expect(alice.get_by_label("預託金融機関(全角)")).to_have_value(
        "八十二銀行 小谷支店"
    )  # the first advance's, as it was applied for
    check(alice, screens, "netdesk-intermediate-form")

    alice.get_by_label("認定日").fill(certified_on)
    alice.get_by_label("認定番号").fill("小谷村指令第88号")
    alice.get_by_label("電子保証(認証キーを含む)").check()
    alice.get_by_label("中間前払金保証金額").fill("12,000,000")
    alice.get_by_label("中間前払金保証料支払方法").select_option(label="一括納付")
    alice.get_by_label("希望しない").check()
    alice.get_by_role("button", name="中間前払金保証を申し込む").click()
    expect(
        alice.get_by_text(
            re.compile("20%（10,000,000 円）以内で入力してください（小谷村の中間前払金の割合の上限）")
        )
    ).to_be_visible()
    expect(alice.get_by_label("認定番号")).to_have_value("小谷村指令第88号")
    check(alice, screens, "netdesk-intermediate-refused")

    alice.get_by_label("中間前払金保証金額").fill("10,000,000")
    alice.get_by_role("button", name="中間前払金保証を申し込む").click()
    expect(alice.get_by_text("中間前払金保証を申し込みました。", exact=False)).to_be_visible()
    expect(alice.get_by_role("table", name="中間前払金保証")).to_contain_text("申込済")
    check(alice, screens, "netdesk-intermediate-sent")

    # The branch: the same application, its 中間前払金保証 issued.
    admin_log_in(xavier, screens, "xavier")
    open_application_in_admin(xavier, screens, WORK_NAME)
    issue_from_review(xavier, screens, "中間前払金保証")
    intermediate = ProductRequest.objects.select_related("contract").get(product="intermediate")
    contract = intermediate.contract
    assert contract.number.startswith(f"{issued_advance.number[:2]}3")

    # D-Sure: official P (小谷村) with the number and the key.
    log_in(paul, screens, "dsure", "paul")
    dsure_lookup(paul, contract.number, issuers_services.current_key(contract))
    expect(paul.get_by_role("heading", name="電子証書（中間前払金保証）")).to_be_visible()
    expect(paul.get_by_role("heading", name="保証証書（中間前払金保証）")).to_be_visible()
    expect(paul.locator(".certificate-table")).to_contain_text(issued_advance.number)
    check_certificate(paul, screens, "dsure-intermediate-certificate")
