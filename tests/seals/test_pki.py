"""The demo PKI: one command makes it, keys stay in files (encrypted), the root is published at /trust/."""

import hashlib

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.urls import reverse

from seals import pki
from tests import factories


def _certificate(path) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pem.unarmor(path.read_bytes())[2])


@pytest.fixture
def fresh_pki(settings, tmp_path):
    settings.SEAL_PKI_DIR = tmp_path / "pki"
    return settings.SEAL_PKI_DIR


@pytest.mark.django_db
def test_demo_pki_command_makes_a_root_a_tsa_a_crl_and_one_eseal_per_surety_company(fresh_pki):
    company = factories.SuretyCompanyFactory()

    call_command("demo_pki", stdout=open("/dev/null", "w"))  # noqa: SIM115

    root = _certificate(fresh_pki / "root.cert.pem")
    assert root.ca
    assert root.self_signed == "maybe"  # asn1crypto's word for "issuer and subject match"
    tsa = _certificate(fresh_pki / "tsa.cert.pem")
    assert tsa.extended_key_usage_value.native == ["time_stamping"]
    seal = _certificate(fresh_pki / f"seal-company-{company.pk}.cert.pem")
    assert seal.issuer == root.subject
    # An eシール names the organisation only: country, organisation, and the organisation as its name.
    assert seal.subject.native == {
        "country_name": "JP",
        "organization_name": company.name,
        "common_name": company.name,
    }
    assert set(seal.key_usage_value.native) == {"digital_signature", "non_repudiation"}
    crl = asn1_crl.CertificateList.load((fresh_pki / "root.crl").read_bytes())
    assert crl.issuer == root.subject
    assert seal.crl_distribution_points[0]["distribution_point"].native[0].endswith("/crls/root/latest.crl")


@pytest.mark.django_db
def test_private_keys_are_encrypted_files_readable_by_the_owner_only(fresh_pki):
    factories.SuretyCompanyFactory()
    call_command("demo_pki", stdout=open("/dev/null", "w"))  # noqa: SIM115

    keys = sorted(fresh_pki.glob("*.key.pem"))
    assert len(keys) == 3
    for key in keys:
        assert key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert key.stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_running_the_command_again_keeps_the_published_root(fresh_pki):
    call_command("demo_pki", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = (fresh_pki / "root.cert.pem").read_bytes()
    factories.SuretyCompanyFactory(name="西日本建設業保証株式会社")

    call_command("demo_pki", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (fresh_pki / "root.cert.pem").read_bytes() == first
    assert len(list(fresh_pki.glob("seal-*.cert.pem"))) == 1


@pytest.mark.django_db
def test_seed_demo_makes_the_pki_on_the_first_run(fresh_pki):
    call_command("seed_demo", "--force", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (fresh_pki / "root.cert.pem").exists()
    assert len(list(fresh_pki.glob("seal-*.cert.pem"))) == 1


def test_eseal_keys_are_p256(fresh_pki):
    pki.ensure_seal("x", "見本保証株式会社")

    certificate = x509.load_pem_x509_certificate((fresh_pki / "seal-x.cert.pem").read_bytes())
    assert isinstance(certificate.public_key().curve, ec.SECP256R1)


@pytest.mark.django_db
def test_trust_page_publishes_the_root_and_its_sha256_fingerprint(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        page = client.get(reverse("trust"))
    downloaded = client.get(reverse("trust_root_pem"))

    der = pem.unarmor(downloaded.content)[2]
    fingerprint = ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())
    text = page.content.decode()
    assert fingerprint in text
    assert "見本ルート認証局" in text
    assert downloaded.content.decode() in text
    assert "pyhanko sign adesverify --trust root.pem --trust-replace" in text
    assert downloaded["Content-Type"] == "application/x-pem-file"


def test_crl_is_served_where_the_certificates_say(client):
    response = client.get(reverse("trust_root_crl"))

    assert response.status_code == 200
    assert asn1_crl.CertificateList.load(response.content).issuer == pki.root_certificate().subject
    assert reverse("trust_root_crl") == "/trust/esurety-demo/crls/root/latest.crl"
