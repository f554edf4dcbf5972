"""The clerks' queue in the admin: their branch only, review, return, issue per product request."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone
from pypdf import PdfReader
from reportlab.platypus.doctemplate import LayoutError

from dsure.models import Certificate
from issuers.models import GuaranteeContract, OutboundMail
from netdesk.models import ApplicationEvent, ProductRequest, Status
from tests import factories

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)
CONFIRMED = {"confirm_issue": "発行する"}  # the confirmation page's 発行する


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def submitted(company_a, contractor_a, body_p, branch_x, fee_rates):
    application = factories.ApplicationFactory(
        company=company_a,
        created_by=contractor_a,
        ordering_body=body_p,
        branch=branch_x,
        submitted_at=timezone.now(),
        products__status=Status.SUBMITTED,
    )
    return application


def change_url(application):
    return f"/admin/netdesk/application/{application.pk}/change/"


def issue_url(application, product):
    product_request = application.products.get(product=product)
    return f"/admin/netdesk/application/{application.pk}/issue/{product_request.pk}/"


def test_clerk_sees_applications_sent_to_their_branch(client, clerk_x, submitted):
    client.force_login(clerk_x)
    page = client.get("/admin/netdesk/application/").content.decode()
    assert submitted.work_name in page


def test_clerk_of_another_branch_sees_no_row_and_gets_404(client, clerk_y, submitted):
    client.force_login(clerk_y)
    assert submitted.work_name not in client.get("/admin/netdesk/application/").content.decode()
    assert client.get(change_url(submitted)).status_code == 404
    assert client.post(issue_url(submitted, "advance")).status_code == 404
    assert not GuaranteeContract.objects.exists()


def test_drafts_are_not_in_the_queue(client, clerk_x, application_a):
    client.force_login(clerk_x)
    assert application_a.work_name not in client.get("/admin/netdesk/application/").content.decode()
    assert client.get(change_url(application_a)).status_code == 404


def test_review_page_shows_the_whole_application_with_issue_buttons(client, clerk_x, submitted):
    client.force_login(clerk_x)
    page = client.get(change_url(submitted)).content.decode()
    for text in [
        "中小谷地区道路改良工事",
        "北アルプス建設株式会社",
        "前払金保証を発行",
        "契約保証を発行",
        "差戻し",
    ]:
        assert text in page


def test_issue_button_issues_one_product_and_a_second_click_is_refused(client, clerk_x, submitted):
    client.force_login(clerk_x)
    response = client.post(issue_url(submitted, "advance"), CONFIRMED, follow=True)
    advance = ProductRequest.objects.get(application=submitted, product="advance")
    assert advance.status == Status.ISSUED
    assert f"保証契約番号 {advance.contract.number}" in response.content.decode()

    again = client.post(issue_url(submitted, "advance"), CONFIRMED, follow=True).content.decode()
    assert "すでに発行済みです" in again
    assert GuaranteeContract.objects.count() == 1
    assert ProductRequest.objects.get(application=submitted, product="performance").status == Status.SUBMITTED


def test_issue_is_recorded_as_an_application_event(client, clerk_x, submitted):
    client.force_login(clerk_x)
    client.post(issue_url(submitted, "performance"), CONFIRMED)
    event = ApplicationEvent.objects.get(application=submitted, action="issue")
    assert (event.from_status, event.to_status, event.by) == (Status.SUBMITTED, Status.ISSUED, clerk_x)


def test_get_on_the_issue_url_changes_nothing(client, clerk_x, submitted):
    client.force_login(clerk_x)
    client.get(issue_url(submitted, "advance"))
    assert not GuaranteeContract.objects.exists()


def test_batch_action_issues_every_pending_product_once_confirmed(client, clerk_x, submitted):
    client.force_login(clerk_x)
    requests = list(submitted.products.values_list("pk", flat=True))
    client.post(
        "/admin/netdesk/application/",
        {"action": "issue_all", "_selected_action": [submitted.pk], "request": requests, **CONFIRMED},
    )
    assert GuaranteeContract.objects.count() == 2


def test_superuser_sees_every_branch(client, superuser, submitted):
    client.force_login(superuser)
    assert client.get(change_url(submitted)).status_code == 200


def test_contractor_cannot_use_the_admin(client, contractor_a, submitted):
    client.force_login(contractor_a)
    response = client.get(change_url(submitted))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_queue_runs_a_bounded_number_of_queries(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, django_assert_max_num_queries
):
    for _ in range(30):
        factories.ApplicationFactory(
            company=company_a,
            created_by=contractor_a,
            ordering_body=body_p,
            branch=branch_x,
            submitted_at=timezone.now(),
            products__status=Status.SUBMITTED,
        )
    client.force_login(clerk_x)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/netdesk/application/").status_code == 200


def test_return_with_a_message_makes_it_editable_and_shows_the_notice(
    client, clerk_x, contractor_a, submitted
):
    client.force_login(clerk_x)
    url = f"/admin/netdesk/application/{submitted.pk}/return/"
    assert "弊社からお客様へのお知らせ" in client.get(url).content.decode()
    empty = client.post(url, {"message": ""})
    assert empty.status_code == 200  # the message is required; nothing changed
    assert ProductRequest.objects.filter(application=submitted, status=Status.RETURNED).count() == 0
    client.post(url, {"message": "工期の終期をご確認ください。"})
    statuses = set(ProductRequest.objects.filter(application=submitted).values_list("status", flat=True))
    assert statuses == {Status.RETURNED}
    client.force_login(contractor_a)
    page = client.get(f"/netdesk/applications/{submitted.pk}/edit/").content.decode()
    assert "工期の終期をご確認ください。" in page


def test_amounts_are_shown_in_yen_and_labels_in_japanese(client, clerk_x, submitted):
    client.force_login(clerk_x)
    page = client.get(change_url(submitted)).content.decode()
    assert "50,000,000 円" in page
    assert "20,000,000 円" in page
    assert "受注者（会社）" in page
    assert "Company" not in page


def test_review_buttons_disappear_once_nothing_is_open(client, clerk_x, submitted):
    client.force_login(clerk_x)
    client.post(f"/admin/netdesk/application/{submitted.pk}/return/", {"message": "ご確認ください。"})
    page = client.get(change_url(submitted)).content.decode()
    assert "審査中にする" not in page
    assert "差戻す" not in page and f"/application/{submitted.pk}/return/" not in page


def test_an_empty_return_message_says_what_is_missing(client, clerk_x, submitted):
    client.force_login(clerk_x)
    page = client.post(f"/admin/netdesk/application/{submitted.pk}/return/", {"message": ""}).content.decode()
    assert "差戻しの理由（弊社からお客様へのお知らせ）を入力してください。" in page


def test_a_document_that_cannot_be_laid_out_is_a_message_and_nothing_is_issued(client, clerk_x, submitted):
    client.force_login(clerk_x)
    cannot_lay_out = mock.patch(
        "issuers.documents.base.BaseDocTemplate.build", side_effect=LayoutError("too tall")
    )
    with cannot_lay_out:
        response = client.post(issue_url(submitted, "advance"), CONFIRMED, follow=True)
    assert response.status_code == 200
    assert "保証証書（前払金保証）を作成できませんでした" in response.content.decode()
    assert ProductRequest.objects.get(application=submitted, product="advance").status == Status.SUBMITTED
    assert not GuaranteeContract.objects.exists()
    assert not Certificate.objects.exists()
    assert not OutboundMail.objects.exists()


def test_a_draft_with_line_breaks_from_before_the_fix_is_issued_on_one_page(client, clerk_x, submitted):
    """Drafts saved before control characters were refused can still be issued: the layout copes."""
    submitted.work_name = "工\n" * 99 + "工"
    submitted.save(update_fields=["work_name"])
    client.force_login(clerk_x)
    client.post(issue_url(submitted, "advance"), CONFIRMED)
    contract = ProductRequest.objects.get(application=submitted, product="advance").contract
    version = contract.versions.get()
    assert len(PdfReader(version.pdf.open("rb")).pages) == 1
