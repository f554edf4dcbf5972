"""The clerk's other screens in a real browser, each checked with axe-core: the bulk 発行 (confirmation,
then the summary), the contract page with its documents, 訂正 opened on the current content, and the
CSV link of the list."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from issuers.models import GuaranteeContract
from netdesk.models import Status
from tests import factories
from tests.browser.flows import (
    admin_log_in,
    admin_message,
    cast,  # noqa: F401 (fixture)
    check_admin,
    people,  # noqa: F401 (fixture)
    screens,  # noqa: F401 (fixture)
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_bulk_issue_then_the_contract_page_and_a_correction(
    people,  # noqa: F811
    screens,  # noqa: F811
    cast,  # noqa: F811
    company_a,
    contractor_a,
    body_p,
    branch_x,
):
    for name in ("一番目の工事", "二番目の工事"):
        factories.ApplicationFactory(
            company=company_a,
            created_by=contractor_a,
            ordering_body=body_p,
            branch=branch_x,
            work_name=name,
            submitted_at=timezone.now(),
            products__status=Status.SUBMITTED,
        )
    xavier = people("xavier")
    admin_log_in(xavier, screens, "xavier")
    expect(xavier.get_by_role("link", name="長野支店 新着（申込済） 2件")).to_be_visible()
    xavier.get_by_role("link", name="長野支店 新着（申込済） 2件").click()
    expect(xavier.get_by_role("heading", name="保証申込一覧")).to_be_visible()
    expect(xavier.get_by_role("link", name=re.compile("^CSV出力"))).to_be_visible()
    xavier.locator("#action-toggle").check()
    xavier.get_by_label("操作:").select_option(label="選択された申込を発行する")
    xavier.get_by_role("button", name="実行").click()

    expect(xavier.get_by_text("次の4件を発行します。")).to_be_visible()
    assert not GuaranteeContract.objects.exists()  # nothing before 発行する
    check_admin(xavier, screens, "admin-bulk-issue-confirm")
    xavier.get_by_role("button", name="発行する").click()
    expect(xavier.get_by_text("4件を発行しました。")).to_be_visible()
    check_admin(xavier, screens, "admin-bulk-issue-summary")
    assert GuaranteeContract.objects.count() == 4

    contract = GuaranteeContract.objects.filter(product="advance").order_by("pk").first()
    xavier.goto(f"/admin/issuers/guaranteecontract/{contract.pk}/change/")
    expect(xavier.get_by_role("link", name="保証証書（現在の版）（PDF）")).to_be_visible()
    check_admin(xavier, screens, "admin-contract-page")
    xavier.get_by_role("link", name="訂正", exact=True).click()
    expect(xavier.get_by_label("工事名")).to_have_value(re.compile("番目の工事"))
    check_admin(xavier, screens, "admin-correction")
    xavier.get_by_label("工事名").fill("一番目の工事（訂正）")
    xavier.get_by_role("button", name="訂正する").click()
    expect(xavier.get_by_text("訂正理由を入力してください。")).to_be_visible()
    check_admin(xavier, screens, "admin-correction-error")
    xavier.get_by_label("訂正理由").fill("工事名の誤記")
    xavier.get_by_role("button", name="訂正する").click()
    expect(admin_message(xavier)).to_contain_text("を訂正しました。")
