"""The demo PKI (見本): a root CA, a timestamp authority and one e-seal certificate per organisation.

certomancer builds the certificates and the CRL from a configuration made here; this module only keeps
the results as files in settings.SEAL_PKI_DIR (never in the database), one folder per deployment:

    root.key.pem  root.cert.pem  root.crl      the 見本 root CA and its (empty) CRL
    tsa.key.pem   tsa.cert.pem                 the RFC 3161 timestamp authority, answered in-process
    seal-<label>.key.pem  seal-<label>.cert.pem  an organisation's e-seal (eシール)

Private keys are PEM files encrypted with settings.SEAL_KEY_PASSWORD. The root and the CRL are made
once: the root is what relying parties trust (/trust/), so it is never replaced; an e-seal certificate
is added for an organisation the first time it is needed. ECDSA P-256 keys: cheap to make and to use.
"""

import contextlib
import datetime
import fcntl
import functools
import hashlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, ServiceLabel
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

ROOT_NAME = "電子保証シミュレーター 見本ルート認証局"
TSA_NAME = "電子保証シミュレーター 見本タイムスタンプ局"
SEAL_SUFFIX = "（見本）"
# A demo PKI lives as long as the simulator's data might: ten years for every certificate and the CRL.
VALIDITY = datetime.timedelta(days=3650)
ARCH = ArchLabel("esurety-demo")


@dataclass(frozen=True)
class SealCredentials:
    """What sealing one organisation's documents needs, loaded once per process."""

    signing_cert: asn1_x509.Certificate
    signing_key: asn1_keys.PrivateKeyInfo
    root_cert: asn1_x509.Certificate
    tsa_cert: asn1_x509.Certificate
    tsa_key: asn1_keys.PrivateKeyInfo
    crl: asn1_crl.CertificateList


def pki_dir() -> Path:
    return Path(settings.SEAL_PKI_DIR)


def ensure_demo_pki() -> bool:
    """Make the root, the TSA and the CRL if this deployment has none yet. True if made now."""
    directory = pki_dir()
    if (directory / "root.cert.pem").exists():
        return False
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory):
        if (directory / "root.cert.pem").exists():
            return False
        for label in ("root", "tsa"):
            _write_new_key(directory / f"{label}.key.pem")
        valid_from = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
        (directory / "valid-from").write_text(valid_from.isoformat())
        arch = _architecture(directory, seal_labels={})
        _write_cert(directory / "root.cert.pem", arch.get_cert(CertLabel("root")))
        _write_cert(directory / "tsa.cert.pem", arch.get_cert(CertLabel("tsa")))
        crl = arch.service_registry.get_crl(ServiceLabel("root"), number=0)
        (directory / "root.crl").write_bytes(crl.dump())
        logger.info("Demo PKI created in %s (root SHA-256 %s)", directory, root_fingerprint())
        return True


def ensure_seal(label: str, organisation: str) -> bool:
    """Issue the e-seal certificate of one organisation if it has none. True if issued now."""
    directory = pki_dir()
    cert_path = directory / f"seal-{label}.cert.pem"
    if cert_path.exists():
        return False
    ensure_demo_pki()
    with _locked(directory):
        if cert_path.exists():
            return False
        _write_new_key(directory / f"seal-{label}.key.pem")
        arch = _architecture(directory, seal_labels={label: organisation})
        _write_cert(cert_path, arch.get_cert(CertLabel(f"seal-{label}")))
        logger.info("Demo e-seal certificate issued for %s (%s)", organisation, label)
        return True


@functools.cache
def credentials(label: str, organisation: str, directory: str) -> SealCredentials:
    ensure_seal(label, organisation)
    path = Path(directory)
    return SealCredentials(
        signing_cert=_read_cert(path / f"seal-{label}.cert.pem"),
        signing_key=_read_key(path / f"seal-{label}.key.pem"),
        root_cert=_read_cert(path / "root.cert.pem"),
        tsa_cert=_read_cert(path / "tsa.cert.pem"),
        tsa_key=_read_key(path / "tsa.key.pem"),
        crl=asn1_crl.CertificateList.load((path / "root.crl").read_bytes()),
    )


def seal_credentials(*, label: str, organisation: str) -> SealCredentials:
    return credentials(label, organisation, str(pki_dir()))


def root_pem() -> bytes:
    ensure_demo_pki()
    return (pki_dir() / "root.cert.pem").read_bytes()


def root_certificate() -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pem.unarmor(root_pem())[2])


def root_fingerprint() -> str:
    """SHA-256 of the root certificate's DER, as colon-separated hex pairs (how browsers show it)."""
    digest = hashlib.sha256(root_certificate().dump()).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def root_crl_der() -> bytes:
    ensure_demo_pki()
    return (pki_dir() / "root.crl").read_bytes()


def _architecture(directory: Path, *, seal_labels: dict[str, str]):
    """A certomancer architecture over the keys in `directory` (its certificates are rebuilt on demand;
    the files written from it are what counts)."""
    valid_from = datetime.datetime.fromisoformat((directory / "valid-from").read_text())
    validity = {
        "valid-from": valid_from.isoformat(),
        "valid-to": (valid_from + VALIDITY).isoformat(),
    }
    leaf_extensions = [
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
        },
    ]
    keys = {"root": {"path": "root.key.pem"}, "tsa": {"path": "tsa.key.pem"}}
    entities = {
        "root": {"common-name": ROOT_NAME},
        "tsa": {"common-name": TSA_NAME},
    }
    certs = {
        "root": {
            "subject": "root",
            "issuer": "root",
            "validity": validity,
            "profiles": ["simple-ca"],
        },
        "tsa": {
            "subject": "tsa",
            "issuer": "root",
            "validity": validity,
            "extensions": [
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                },
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                *leaf_extensions,
            ],
        },
    }
    for label, organisation in seal_labels.items():
        keys[f"seal-{label}"] = {"path": f"seal-{label}.key.pem"}
        # An eシール names the organisation only: no person, no e-mail address.
        entities[f"seal-{label}"] = {"common-name": organisation, "organization-name": organisation}
        certs[f"seal-{label}"] = {
            "subject": f"seal-{label}",
            "issuer": "root",
            "validity": validity,
            "extensions": [
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {
                        "schema": "key-usage",
                        "params": ["digital_signature", "non_repudiation"],
                    },
                },
                *leaf_extensions,
            ],
        }
    for key_label in keys.values():
        key_label["password"] = settings.SEAL_KEY_PASSWORD
    config = {
        # Certificates point at the CRL's address on this site: /trust/esurety-demo/crls/root/latest.crl
        "external-url-prefix": f"{settings.SITE_URL}/trust",
        "keysets": {"demo": {"keys": keys}},
        "pki-architectures": {
            str(ARCH): {
                "keyset": "demo",
                "entity-defaults": {"country-name": "JP", "organization-name": ROOT_NAME},
                "entities": entities,
                "certs": certs,
                "services": {
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": f"P{VALIDITY.days}D",
                        }
                    }
                },
            }
        },
    }
    return CertomancerConfig(config, key_search_dir=str(directory)).get_pki_arch(ARCH)


@contextlib.contextmanager
def _locked(directory: Path):
    """One process at a time makes keys (gunicorn workers, the worker and seed_demo may all start)."""
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _write_new_key(path: Path):
    key = ec.generate_private_key(ec.SECP256R1())
    encryption = serialization.BestAvailableEncryption(settings.SEAL_KEY_PASSWORD.encode())
    _write_private(
        path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )


def _write_private(path: Path, data: bytes):
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
        temporary.write(data)
    Path(temporary.name).chmod(0o600)
    Path(temporary.name).replace(path)


def _write_cert(path: Path, cert: asn1_x509.Certificate):
    path.write_bytes(pem.armor("CERTIFICATE", cert.dump()))


def _read_cert(path: Path) -> asn1_x509.Certificate:
    _, _, der = pem.unarmor(path.read_bytes())
    return asn1_x509.Certificate.load(der)


def _read_key(path: Path) -> asn1_keys.PrivateKeyInfo:
    key = serialization.load_pem_private_key(path.read_bytes(), password=settings.SEAL_KEY_PASSWORD.encode())
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_keys.PrivateKeyInfo.load(der)
