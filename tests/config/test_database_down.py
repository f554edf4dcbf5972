"""If the database fails mid-request, the user gets a clear Japanese page and nothing is lost."""

from unittest import mock

from django.db import OperationalError

from netdesk.models import ProductRequest, Status


def test_a_submission_while_the_database_is_down_says_so_and_keeps_the_draft(
    client, contractor_a, application_a
):
    client.force_login(contractor_a)
    with mock.patch(
        "netdesk.services.application_submit", side_effect=OperationalError("connection refused")
    ):
        response = client.post(f"/netdesk/applications/{application_a.pk}/confirm/")
    page = response.content.decode()
    assert response.status_code == 503
    assert "システムに接続できないため、処理を完了できませんでした。" in page
    assert "見本" in page
    assert "connection refused" not in page
    assert set(ProductRequest.objects.filter(application=application_a).values_list("status", flat=True)) == {
        Status.DRAFT
    }


def test_other_errors_are_not_disguised_as_an_outage(client, contractor_a, application_a):
    client.force_login(contractor_a)
    client.raise_request_exception = False
    with mock.patch("netdesk.services.application_submit", side_effect=ValueError("bug")):
        response = client.post(f"/netdesk/applications/{application_a.pk}/confirm/")
    assert response.status_code == 500
