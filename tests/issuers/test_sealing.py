"""Every issued PDF is sealed as PAdES B-LT and validates offline with the published root as the only
trust anchor (pyHanko's AdES validator, no fetching): the certificate, the key notice, the fee statement."""

import asyncio
import datetime
import io
import subprocess
import sys
from pathlib import Path

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from pypdf import PdfReader

from issuers import services
from issuers.documents import render_certificate
from issuers.documents.samples import sample_content
from issuers.sealing import CERTIFICATE, seal_document
from seals.inspection import SealState, check_seal
from tests.issuers.helpers import terms

pytestmark = pytest.mark.django_db


def _read(field_file) -> bytes:
    with field_file.open("rb") as file:
        return file.read()


@pytest.fixture
def documents(fee_rates, branch_x, body_p, clerk_x):
    """The three PDFs of one electronic issue, at the real clock."""
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
    version = contract.versions.get()
    return {
        "certificate": _read(version.pdf),
        "key notice": _read(contract.keys.get().notice_pdf),
        "fee statement": _read(version.fee_statement.pdf),
    }


@pytest.fixture
def published_root(client) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pem.unarmor(client.get("/trust/root.pem").content)[2])


def _validate_offline(pdf: bytes, root: asn1_x509.Certificate):
    """pyHanko's AdES validation: the root from /trust/root.pem trusted, revocation data required and
    taken only from the file (no fetching)."""
    policy = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=[root]),
                revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_regular_signatures
    return reader, asyncio.run(ades_lta_validation(signature, policy, timing_info=ValidationTimingInfo.now()))


@pytest.mark.parametrize("document", ["certificate", "key notice", "fee statement"])
def test_each_issued_document_validates_offline_as_sealed_by_its_company_and_timestamped(
    documents, published_root, document, branch_x
):
    reader, result = _validate_offline(documents[document], published_root)

    status = result.api_status
    assert status.bottom_line, result.ades_subindic
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["organization_name"] == branch_x.company.name
    assert status.timestamp_validity.trusted
    assert abs(status.timestamp_validity.timestamp - timezone.now()) < datetime.timedelta(minutes=5)
    # PAdES B-LT: the validation data are in the file's DSS (certificates and the root's CRL).
    dss = reader.root["/DSS"]
    assert len(dss["/Certs"]) >= 3 and len(dss["/CRLs"]) == 1


@pytest.mark.parametrize("document", ["certificate", "key notice", "fee statement"])
def test_the_seal_block_is_visible_on_the_first_page_and_the_specimen_mark_stays(documents, document):
    page = PdfReader(io.BytesIO(documents[document])).pages[0]
    widgets = [a.get_object() for a in page.get("/Annots", []) if a.get_object()["/Subtype"] == "/Widget"]

    (seal,) = [w for w in widgets if w.get("/FT") == "/Sig"]
    left, bottom, right, top = (float(v) for v in seal["/Rect"])
    assert right - left > 150 and top - bottom > 30
    assert seal["/AP"]["/N"].get_object().get_data()  # drawn, not an empty box
    assert "見本" in page.extract_text()


def test_one_changed_byte_reads_as_altered(documents):
    pdf = bytearray(documents["certificate"])
    position = pdf.index(b"stream", len(pdf) // 4) + 20  # inside a page's content, covered by the seal
    pdf[position] ^= 0x01

    assert check_seal(bytes(pdf)).state == SealState.ALTERED


def test_a_genuine_document_reads_as_intact(documents, branch_x):
    check = check_seal(documents["certificate"])

    assert check.state == SealState.INTACT
    assert check.organisation == branch_x.company.name
    assert check.sealed_at is not None


def test_a_seal_from_a_key_outside_the_root_is_not_trusted(settings, tmp_path, branch_x):
    genuine_directory = settings.SEAL_PKI_DIR
    settings.SEAL_PKI_DIR = tmp_path / "foreign"  # another PKI: same company name, another root
    forged = seal_document(
        render_certificate(sample_content()), company=branch_x.company, document=CERTIFICATE
    )
    settings.SEAL_PKI_DIR = genuine_directory

    assert check_seal(forged.data).state == SealState.UNTRUSTED


def test_the_documented_command_validates_a_download_offline(documents, tmp_path, client):
    """docs/documents.md's one command, as a user would run it."""
    (tmp_path / "root.pem").write_bytes(client.get("/trust/root.pem").content)
    (tmp_path / "certificate.pdf").write_bytes(documents["certificate"])
    cli = Path(sys.executable).with_name("pyhanko")

    result = subprocess.run(
        [
            cli,
            "sign",
            "adesverify",
            "--trust",
            "root.pem",
            "--trust-replace",
            "--pretty-print",
            "certificate.pdf",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "no_proxy": "*",
            "https_proxy": "http://0.0.0.0:9",
        },
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "The signature is judged VALID." in result.stdout
    assert "The signer's certificate is trusted." in result.stdout
    assert "The TSA certificate is trusted." in result.stdout


def test_without_the_japanese_font_documents_are_still_sealed_without_a_seal_block(settings, branch_x):
    settings.PDF_GOTHIC_FONT_PATH = "/nonexistent/ipaexg.ttf"

    sealed = seal_document(
        render_certificate(sample_content()), company=branch_x.company, document=CERTIFICATE
    )

    assert check_seal(sealed.data).state == SealState.INTACT
    (seal,) = [a.get_object() for a in PdfReader(io.BytesIO(sealed.data)).pages[0]["/Annots"]]
    assert [float(v) for v in seal["/Rect"]] == [0, 0, 0, 0]
