"""Checking an uploaded PDF's e-seal offline: pyHanko's AdES validation (PAdES B-LT: the validation
data come from the file's own DSS, nothing is fetched) against the published root as the only trust
anchor. Used by D-Sure's 電子証書の真正性確認 and Net Desk's check of the contractor's own certificates.
"""

import asyncio
import datetime
import enum
import io
import logging
from dataclasses import dataclass

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
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
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    FreshnessReqType,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from seals.pki import root_certificate
from seals.sealing import outside_event_loop

logger = logging.getLogger(__name__)


class Unreadable(enum.Enum):
    """Why an upload could not be checked at all; the form shows each as its own message."""

    NOT_PDF = "not_pdf"
    ENCRYPTED = "encrypted"
    MALFORMED = "malformed"


class SealState(enum.Enum):
    INTACT = "intact"  # sealed under the root, unchanged since, timestamped
    ALTERED = "altered"  # the seal no longer matches the bytes, or bytes were added after it
    UNTRUSTED = "untrusted"  # a sound signature, but not by a key under the published root
    UNSEALED = "unsealed"  # no signature at all


@dataclass(frozen=True)
class SealCheck:
    state: SealState
    organisation: str = ""
    sealed_at: datetime.datetime | None = None
    # The document digest the seal claims (CMS messageDigest, hex); identifies the issued document.
    seal_digest: str = ""


class UnreadablePdf(Exception):
    def __init__(self, reason: Unreadable):
        super().__init__(reason.value)
        self.reason = reason


def check_seal(data: bytes) -> SealCheck:
    """Validate the first e-seal of `data`. Raises UnreadablePdf for what is not a readable PDF."""
    if not data.lstrip()[:5] == b"%PDF-":
        raise UnreadablePdf(Unreadable.NOT_PDF)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise UnreadablePdf(Unreadable.ENCRYPTED)
        signatures = reader.embedded_regular_signatures
    except UnreadablePdf:
        raise
    except Exception as error:  # noqa: BLE001 — a hostile file may break the parser anywhere: "malformed"
        logger.info("Uploaded PDF unreadable: %s", type(error).__name__)
        raise UnreadablePdf(Unreadable.MALFORMED) from error
    if not signatures:
        return SealCheck(state=SealState.UNSEALED)
    signature = signatures[0]
    try:
        digest = _message_digest(signature)
        organisation = _organisation(signature)
        result = outside_event_loop(
            lambda: asyncio.run(
                ades_lta_validation(signature, _policy(), timing_info=ValidationTimingInfo.now())
            )
        )
    except Exception as error:  # noqa: BLE001 — any failure to validate a hostile file means "altered"
        logger.info("Seal validation failed: %s", type(error).__name__)
        return SealCheck(state=SealState.ALTERED)
    status = result.api_status
    if status is None or not status.intact or not status.valid or not _unchanged_since(status):
        return SealCheck(state=SealState.ALTERED, organisation=organisation, seal_digest=digest)
    if not status.trusted or status.timestamp_validity is None or not status.timestamp_validity.trusted:
        return SealCheck(state=SealState.UNTRUSTED, organisation=organisation, seal_digest=digest)
    return SealCheck(
        state=SealState.INTACT,
        organisation=organisation,
        sealed_at=status.timestamp_validity.timestamp,
        seal_digest=digest,
    )


def _unchanged_since(status) -> bool:
    """Only validation data may follow the seal (a DSS or document timestamp, as B-LT/LTA add)."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.modification_level in (
        ModificationLevel.NONE,
        ModificationLevel.LTA_UPDATES,
    )


def _policy() -> PdfSignatureValidationSpec:
    revocation = RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
        intermediate_ca_cert_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
    )
    cert_policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[root_certificate()]),
        revinfo_policy=CertRevTrustPolicy(
            revocation, freshness=None, freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION
        ),
    )
    return PdfSignatureValidationSpec(
        signature_validation_spec=SignatureValidationSpec(
            cert_validation_policy=cert_policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )


def _message_digest(signature) -> str:
    for attribute in signature.signer_info["signed_attrs"]:
        if attribute["type"].native == "message_digest":
            return attribute["values"][0].native.hex()
    return ""


def _organisation(signature) -> str:
    subject = signature.signer_cert.subject.native
    return subject.get("organization_name") or subject.get("common_name") or ""
