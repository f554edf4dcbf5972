"""発行 cannot happen by accident: the button opens a confirmation page that shows what will be issued
(the certificate from the same content as the PDF, the fee, the ordering body, the e-mail), and only
its 発行する issues. The bulk action confirms the same way and issues each row in its own transaction,
then lists what was issued and what failed, with the reason."""

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from dsure.models import Certificate
from issuers.models import GuaranteeContract, KeyIssue, OutboundMail
from netdesk import services
from netdesk.models import ProductRequest, Status
from tests import factories

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)
CONFIRMED = {"confirm_issue": "発行する"}
QUEUE = "/admin/netdesk/application/"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def submitted_application(company, contractor, body, branch, **kwargs):
    return factories.ApplicationFactory(
        company=company,
        created_by=contractor,
        ordering_body=body,
        branch=branch,
        submitted_at=timezone.now(),
        products__status=Status.SUBMITTED,
        **kwargs,
    )


@pytest.fixture
def submitted(company_a, contractor_a, body_p, branch_x, fee_rates):
    return submitted_application(company_a, contractor_a, body_p, branch_x)


def issue_url(application, product):
    request = application.products.get(product=product)
    return f"/admin/netdesk/application/{application.pk}/issue/{request.pk}/"


def nothing_issued():
    return (
        not GuaranteeContract.objects.exists()
        and not KeyIssue.objects.exists()
        and not Certificate.objects.exists()
        and not OutboundMail.objects.exists()
    )


def test_the_review_page_links_to_the_confirmation_instead_of_issuing(client, clerk_x, submitted):
    client.force_login(clerk_x)
    page = client.get(f"/admin/netdesk/application/{submitted.pk}/change/").content.decode()
    assert f'<a class="button" href="{issue_url(submitted, "advance")}">前払金保証を発行</a>' in page


def test_the_confirmation_shows_what_will_be_issued_and_issues_nothing(client, clerk_x, submitted):
    client.force_login(clerk_x)
    page = client.get(issue_url(submitted, "advance")).content.decode()
    for text in [
        "前払金保証の発行の確認",
        # the certificate as it will read, from the same content as the PDF
        "保証証書（前払金保証）",
        "保証証書（書面）の発行は行わない電子的な取扱となります",
        "中小谷地区道路改良工事",
        "小谷村長",
        "20,000,000 円",
        "令和09年03月19日",  # 保証期限 = the end of the 工期
        "発行時に採番します",
        # the ordering body, D-Sure and the e-mail
        "小谷村（小谷村長）",
        "掲載します",
        "soumu@example.com に送信します（認証キーは記載しません）",
        # the 保証料計算書 figures: 2026-06-01 to 2027-03-19, 292 days at 0.250%
        "保証料計算書",
        "0.250%",
        "20,000,000 円 × 0.250% × 292日 ÷ 365 = 40,000 円 → 40,000 円",
        'value="発行する"',
        "戻る",
    ]:
        assert text in page, text
    assert nothing_issued()


def test_a_paper_request_says_nothing_is_posted_or_mailed(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, fee_rates
):
    paper = submitted_application(company_a, contractor_a, body_p, branch_x, products__format="paper")
    client.force_login(clerk_x)
    page = client.get(issue_url(paper, "performance")).content.decode()
    assert "掲載しません（証書(紙)を郵送します）" in page
    assert "送信しません（証書(紙)）" in page
    assert "認証キー</th>" not in page


def test_a_contractor_who_wants_no_email_is_told_so(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, fee_rates
):
    quiet = submitted_application(company_a, contractor_a, body_p, branch_x, notify_issued=False, email="")
    client.force_login(clerk_x)
    assert (
        "送信しません（お客様が希望していません）" in client.get(issue_url(quiet, "advance")).content.decode()
    )


def test_a_post_without_the_confirmation_button_only_shows_the_confirmation(client, clerk_x, submitted):
    """An old form, a replayed request or a stray script posting to the URL issues nothing."""
    client.force_login(clerk_x)
    response = client.post(issue_url(submitted, "advance"))
    assert response.status_code == 200
    assert "前払金保証の発行の確認" in response.content.decode()
    assert nothing_issued()


def test_issuing_from_the_confirmation(client, clerk_x, submitted):
    client.force_login(clerk_x)
    response = client.post(issue_url(submitted, "advance"), CONFIRMED)
    assert response.status_code == 302
    assert response.url == f"/admin/netdesk/application/{submitted.pk}/change/"
    contract = GuaranteeContract.objects.get()
    assert ProductRequest.objects.get(application=submitted, product="advance").contract == contract
    assert OutboundMail.objects.get().to == "soumu@example.com"


def test_the_confirmation_of_an_issued_request_says_so_and_offers_no_button(client, clerk_x, submitted):
    client.force_login(clerk_x)
    client.post(issue_url(submitted, "advance"), CONFIRMED)
    number = GuaranteeContract.objects.get().number
    page = client.get(issue_url(submitted, "advance")).content.decode()
    assert f"前払金保証はすでに発行済みです（保証契約番号 {number}）。" in page
    assert 'value="発行する"' not in page


def test_a_guarantee_already_expired_is_refused_on_the_confirmation(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, fee_rates
):
    late = submitted_application(
        company_a,
        contractor_a,
        body_p,
        branch_x,
        period_start=datetime.date(2026, 1, 5),
        period_end=datetime.date(2026, 5, 29),
        contract_date=datetime.date(2026, 1, 5),
    )
    client.force_login(clerk_x)
    page = client.get(issue_url(late, "advance")).content.decode()
    assert "保証期限（工期の終期）を過ぎているため発行できません。" in page
    assert 'value="発行する"' not in page


def test_the_preview_reads_as_the_issued_certificate(clerk_x, submitted):
    """The confirmation renders the very content contract_issue freezes, except the number."""
    advance = submitted.products.get(product="advance")
    preview = services.product_request_preview(product_request=advance)
    contract = services.product_request_issue(product_request=advance, by=clerk_x)
    issued = dict(contract.versions.get().content)
    assert {**preview.content, "number": contract.number} == issued
    assert preview.fee.quote.fee == contract.fee_statements.get().fee


# -- the bulk action ------------------------------------------------------------------------------------


def test_the_bulk_action_confirms_first_and_issues_nothing(client, clerk_x, submitted):
    client.force_login(clerk_x)
    response = client.post(QUEUE, {"action": "issue_all", "_selected_action": [submitted.pk]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "次の2件を発行します。" in page
    assert page.count('name="request"') == 2
    assert "40,000 円" in page  # the advance's fee
    assert nothing_issued()


def test_the_bulk_action_issues_only_what_was_confirmed(client, clerk_x, submitted):
    client.force_login(clerk_x)
    advance = submitted.products.get(product="advance")
    client.post(
        QUEUE,
        {"action": "issue_all", "_selected_action": [submitted.pk], "request": [advance.pk], **CONFIRMED},
    )
    assert list(GuaranteeContract.objects.values_list("product", flat=True)) == ["advance"]


def test_one_failure_in_a_bulk_issue_stops_nothing_else_and_is_listed_with_its_reason(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, fee_rates
):
    first, broken, last = (
        submitted_application(company_a, contractor_a, body_p, branch_x, work_name=name)
        for name in ("一番目の工事", "壊れた工事", "三番目の工事")
    )
    requests = ProductRequest.objects.filter(product="advance").order_by("application__work_name")
    real_issue = services.product_request_issue

    def issue_or_fail(*, product_request, by):
        if product_request.application.work_name == "壊れた工事":
            raise RuntimeError("PDF renderer crashed")
        return real_issue(product_request=product_request, by=by)

    client.force_login(clerk_x)
    with mock.patch.object(services, "product_request_issue", issue_or_fail):
        response = client.post(
            QUEUE,
            {
                "action": "issue_all",
                "_selected_action": [first.pk, broken.pk, last.pk],
                "request": [r.pk for r in requests],
                **CONFIRMED,
            },
        )
    page = response.content.decode()
    assert "2件を発行しました。1件は発行できませんでした" in page
    assert "発行できませんでした：システムの障害のため発行できませんでした。" in page
    for contract in GuaranteeContract.objects.all():
        assert f"発行しました（保証契約番号 {contract.number}）" in page
    issued = set(
        ProductRequest.objects.filter(status=Status.ISSUED).values_list("application__work_name", flat=True)
    )
    assert issued == {"一番目の工事", "三番目の工事"}
    assert ProductRequest.objects.get(application=broken, product="advance").status == Status.SUBMITTED


def test_a_refused_row_of_a_bulk_issue_is_listed_with_the_services_reason(client, clerk_x, submitted):
    """Issued by another clerk between the confirmation and 発行する: that row says so, and the next goes on."""
    advance, performance = submitted.products.order_by("product")
    services.product_request_issue(product_request=advance, by=clerk_x)
    client.force_login(clerk_x)
    page = client.post(
        QUEUE,
        {
            "action": "issue_all",
            "_selected_action": [submitted.pk],
            "request": [advance.pk, performance.pk],
            **CONFIRMED,
        },
    ).content.decode()
    assert "前払金保証はすでに発行済みです" in page
    assert GuaranteeContract.objects.count() == 2


def test_the_bulk_confirmation_runs_a_bounded_number_of_queries(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, fee_rates, django_assert_max_num_queries
):
    applications = [submitted_application(company_a, contractor_a, body_p, branch_x) for _ in range(30)]
    client.force_login(clerk_x)
    with django_assert_max_num_queries(12):
        response = client.post(
            QUEUE, {"action": "issue_all", "_selected_action": [a.pk for a in applications]}
        )
    assert response.content.decode().count('name="request"') == 60


def test_another_branchs_clerk_can_neither_confirm_nor_issue(client, clerk_y, submitted):
    client.force_login(clerk_y)
    assert client.get(issue_url(submitted, "advance")).status_code == 404
    assert client.post(issue_url(submitted, "advance"), CONFIRMED).status_code == 404
    requests = list(submitted.products.values_list("pk", flat=True))
    page = client.post(
        QUEUE, {"action": "issue_all", "_selected_action": [submitted.pk], "request": requests, **CONFIRMED}
    )
    assert submitted.work_name not in page.content.decode()
    assert nothing_issued()
    assert not mail.outbox


def test_the_confirmation_of_a_returned_request_with_gaps_says_why_it_cannot_be_issued(
    client, clerk_x, submitted, contractor_a
):
    """Found in review: a stale tab's 発行 on a request sent back (差戻し) and saved by the contractor with
    gaps was a 500 — the preview was built before the refusal was known."""
    services.application_return(application=submitted, by=clerk_x, message="工期をご確認ください。")
    services.application_save_draft(
        application=submitted, data={"period_end": None, "contract_date": None}, by=contractor_a
    )
    client.force_login(clerk_x)
    response = client.get(issue_url(submitted, "advance"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "「差戻し」のため発行できません" in page
    assert 'value="発行する"' not in page
    assert not GuaranteeContract.objects.exists() and not Certificate.objects.exists()
