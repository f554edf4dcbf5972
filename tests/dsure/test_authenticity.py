"""D-Sure 電子証書の真正性確認: who sealed it and when, intact or altered, and where it stands among the
body's certificates — another body's certificate reads exactly as one that does not exist."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from issuers import services
from issuers.documents import render_certificate
from issuers.documents.samples import sample_content
from issuers.sealing import CERTIFICATE, seal_document
from tests.issuers.helpers import terms

pytestmark = pytest.mark.django_db
URL = reverse("dsure:authenticity")
NOT_FOUND = "この電子証書は、貴団体が閲覧できる電子証書に該当しません。"


def _pdf(version) -> bytes:
    with version.pdf.open("rb") as file:
        return file.read()


def _issue(branch, body, clerk, **overrides):
    today = timezone.localdate()
    return services.contract_issue(
        terms=terms(
            branch=branch,
            body=body,
            contract_date=today,
            period_start=today,
            period_end=today + datetime.timedelta(days=200),
            **overrides,
        ),
        by=clerk,
    )


@pytest.fixture
def contract(fee_rates, branch_x, body_p, clerk_x):
    return _issue(branch_x, body_p, clerk_x)


def _upload(client, data: bytes, name="certificate.pdf"):
    return client.post(URL, {"document": SimpleUploadedFile(name, data, content_type="application/pdf")})


@pytest.fixture
def official(paul):
    return paul


def test_a_genuine_current_certificate_reads_intact_current_and_sealed_by_its_company(
    client, official, contract, branch_x, django_assert_max_num_queries
):
    pdf = _pdf(contract.versions.get())
    # Fixed, whatever the number of certificates: session, official, unread notices, throttle bucket,
    # two reads of the posted versions, the audit entry, the session's idle clock.
    with django_assert_max_num_queries(19):
        page = _upload(client, pdf)

    text = page.content.decode()
    assert page.status_code == 200
    assert "改ざんされていません。" in text
    assert branch_x.company.name in text
    assert f"保証契約番号 {contract.number} の" in text and "現在の版" in text
    assert timezone.localtime().strftime("%Y年%-m月%-d日") in text


def test_one_changed_byte_reads_altered(client, official, contract):
    pdf = bytearray(_pdf(contract.versions.get()))
    pdf[pdf.index(b"stream", len(pdf) // 4) + 20] ^= 0x01

    text = _upload(client, bytes(pdf)).content.decode()

    assert "改ざんされています。" in text
    assert contract.number not in text


def test_an_earlier_version_reads_superseded_by_the_change(client, official, contract, clerk_x):
    first = _pdf(contract.versions.get())
    services.contract_change(
        contract=contract,
        amendment=services.Amendment(work_name="中小谷地区道路改良工事（その2）"),
        by=clerk_x,
    )

    text = _upload(client, first).content.decode()

    assert "改ざんされていません。" in text
    assert "新規です。" in text and "変更一により変更されています" in text


def test_a_withdrawn_contract_reads_revoked(client, official, contract, clerk_x):
    services.contract_revoke(contract=contract, reason="契約解除", by=clerk_x)

    text = _upload(client, _pdf(contract.versions.get())).content.decode()

    assert "取消" in text and "されています" in text


def test_another_bodys_certificate_reads_exactly_as_one_that_does_not_exist(
    client, official, fee_rates, branch_x, body_q, clerk_x
):
    foreign = _issue(branch_x, body_q, clerk_x)
    unknown = seal_document(
        render_certificate(sample_content()), company=branch_x.company, document=CERTIFICATE
    )

    foreign_page = _upload(client, _pdf(foreign.versions.get())).content.decode()
    unknown_page = _upload(client, unknown.data).content.decode()

    assert NOT_FOUND in foreign_page and NOT_FOUND in unknown_page
    assert foreign.number not in foreign_page
    strip = lambda text: text.split('id="seal-check-result"')[1].split("</section>")[0]  # noqa: E731
    # Same words but for the sealing time.
    assert strip(foreign_page).split("封印日時")[0] == strip(unknown_page).split("封印日時")[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not a pdf", "PDFファイルではありません。"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "PDFファイルが壊れているため確認できません。"),
    ],
)
def test_bad_uploads_get_their_message_next_to_the_field(client, official, data, message):
    page = _upload(client, data)

    assert page.status_code == 200
    assert message in page.content.decode()
    assert 'aria-invalid="true"' in page.content.decode()


def test_an_encrypted_pdf_is_refused_with_its_message(client, official):
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)

    assert (
        "パスワードで保護（暗号化）されたPDFは確認できません。"
        in _upload(client, buffer.getvalue()).content.decode()
    )


def test_a_missing_file_asks_for_one(client, official):
    assert "確認する電子証書（PDFファイル）を選択してください。" in client.post(URL, {}).content.decode()


def test_a_too_large_upload_is_refused_without_reading_it(client, official, settings):
    settings.SEAL_CHECK_MAX_BYTES = 100 * 1024

    page = _upload(client, b"%PDF-1.7\n" + b"0" * (300 * 1024))

    assert "ファイルが大きすぎます。" in page.content.decode()


def test_uploads_are_throttled_per_official(client, official, settings):
    settings.SEAL_CHECKS_PER_HOUR = 2
    for _ in range(2):
        assert _upload(client, b"not a pdf").status_code == 200

    refused = _upload(client, b"not a pdf")

    assert refused.status_code == 429
    assert "確認の回数が上限に達しました。" in refused.content.decode()


def test_uploads_are_not_stored(client, official, contract, settings, tmp_path):
    before = sorted(Path(settings.MEDIA_ROOT).rglob("*"))

    _upload(client, _pdf(contract.versions.get()), name="uploaded-copy.pdf")

    assert sorted(Path(settings.MEDIA_ROOT).rglob("*")) == before
