"""The surety company's e-seal on its issued documents: rendered bytes in, PAdES B-LT bytes out.

Sealing is a step of its own after rendering (issuers.documents stays a function from content to
bytes); seals.sealing does the cryptography with the company's e-seal from the demo PKI.
"""

from issuers.models import SuretyCompany
from seals import pki, sealing
from seals.sealing import SealedPdf

# What the seal states it is for (the signature's /Reason), per document.
CERTIFICATE = "保証証書の発行"
KEY_NOTICE = "認証キーのお知らせの発行"
FEE_STATEMENT = "保証料計算書の発行"


def seal_label(company: SuretyCompany) -> str:
    return f"company-{company.pk}"


def seal_document(pdf: bytes, *, company: SuretyCompany, reason: str) -> SealedPdf:
    return sealing.seal_pdf(pdf, label=seal_label(company), organisation=company.name, reason=reason)


def ensure_company_seals() -> list[str]:
    """The demo PKI and an e-seal certificate for every surety company; the names of those issued now."""
    pki.ensure_demo_pki()
    return [
        company.name
        for company in SuretyCompany.objects.order_by("pk")
        if pki.ensure_seal(seal_label(company), company.name)
    ]
