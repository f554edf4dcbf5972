"""Net Desk's 電子証書の真正性確認: the contractor's same check, for the company's own certificates only."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from issuers import services
from netdesk.models import ProductRequest
from tests.issuers.helpers import terms

pytestmark = pytest.mark.django_db
URL = reverse("netdesk:authenticity")


def _issued_to(application, branch, body, clerk):
    today = timezone.localdate()
    contract = services.contract_issue(
        terms=terms(
            branch=branch,
            body=body,
            contract_date=today,
            period_start=today,
            period_end=today + datetime.timedelta(days=200),
        ),
        by=clerk,
    )
    ProductRequest.objects.filter(pk=application.products.order_by("pk").first().pk).update(contract=contract)
    with contract.versions.get().pdf.open("rb") as file:
        return contract, file.read()


def _upload(client, data):
    return client.post(URL, {"document": SimpleUploadedFile("c.pdf", data, content_type="application/pdf")})


def test_the_contractor_sees_its_own_certificate_as_intact_and_current(
    client, contractor_a, application_a, fee_rates, branch_x, body_p, clerk_x, django_assert_max_num_queries
):
    contract, pdf = _issued_to(application_a, branch_x, body_p, clerk_x)
    client.force_login(contractor_a)

    with django_assert_max_num_queries(16):
        text = _upload(client, pdf).content.decode()

    assert "改ざんされていません。" in text
    assert f"保証契約番号 {contract.number} の" in text and "現在の版" in text


def test_another_companys_certificate_is_not_found(
    client, contractor_b, application_a, fee_rates, branch_x, body_p, clerk_x
):
    contract, pdf = _issued_to(application_a, branch_x, body_p, clerk_x)
    client.force_login(contractor_b)

    text = _upload(client, pdf).content.decode()

    assert "この電子証書は、貴社の保証契約の電子証書に該当しません。" in text
    assert contract.number not in text


def test_bad_uploads_get_their_message(client, contractor_a):
    client.force_login(contractor_a)

    assert "PDFファイルではありません。" in _upload(client, b"hello").content.decode()
