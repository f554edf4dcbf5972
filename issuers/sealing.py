"""The surety company's e-seal on its issued documents: rendered bytes in, PAdES B-LT bytes out.

Sealing is a step of its own after rendering (issuers.documents stays a function from content to
bytes); seals.sealing does the cryptography with the company's e-seal from the demo PKI.
"""

from dataclasses import dataclass

from issuers.models import SuretyCompany
from seals import pki, sealing
from seals.sealing import SealedPdf


@dataclass(frozen=True)
class SealedDocument:
    reason: str  # what the seal states it is for (the signature's /Reason)
    box: tuple[int, int, int, int]  # where the seal block goes on page 1, in points from the bottom left


# Bottom right, above the footer's 見本 note, where each layout leaves room (the key notice's bottom
# right holds the company block, so its seal sits higher, beside the QR code).
CERTIFICATE = SealedDocument("保証証書の発行", (375, 74, 575, 124))
KEY_NOTICE = SealedDocument("認証キーのお知らせの発行", (375, 180, 575, 230))
FEE_STATEMENT = SealedDocument("保証料計算書の発行", (375, 74, 575, 124))


def seal_label(company: SuretyCompany) -> str:
    return f"company-{company.pk}"


def seal_document(pdf: bytes, *, company: SuretyCompany, document: SealedDocument) -> SealedPdf:
    return sealing.seal_pdf(
        pdf, label=seal_label(company), organisation=company.name, reason=document.reason, box=document.box
    )


def ensure_company_seals() -> list[str]:
    """The demo PKI and an e-seal certificate for every surety company; the names of those issued now."""
    pki.ensure_demo_pki()
    return [
        company.name
        for company in SuretyCompany.objects.order_by("pk")
        if pki.ensure_seal(seal_label(company), company.name)
    ]
