"""Seal rendered PDF bytes as PAdES baseline B-LT: an e-seal signature, an RFC 3161 timestamp and the
validation data (certificates, CRL) embedded, so that the file validates with no network.

The timestamp authority answers in-process (certomancer's TSA on the demo PKI's keys): sealing never
leaves the machine. The validation data are the demo PKI's own files, known in advance, so pyHanko
embeds them without fetching anything.
"""

import asyncio
import atexit
import functools
import io
import logging
import string
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import tsp
from certomancer.services import TimeStamper as TimestampAuthority
from django.conf import settings
from fontTools import subset
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from seals.pki import SealCredentials, pki_dir, seal_credentials

logger = logging.getLogger(__name__)

FIELD_NAME = "eSeal"
# The TSA's policy: an OID of our own under the UUID arc (2.25), naming no real TSA's policy.
TSA_POLICY = "2.25.227963151004385946420624702786633306577"
STAMP_TEXT = "電子シール（見本）\n%(signer)s\n封印日時 %(ts)s"
# Room for the CMS as hex (seal and TSA certificates, the timestamp token: ≈ 8,400), reserved up
# front: that spares pyHanko a trial signature to measure it.
SIGNATURE_BYTES = 12288
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S %Z"


@dataclass(frozen=True)
class SealedPdf:
    data: bytes
    # The digest the seal signs (CMS messageDigest, hex): how D-Sure recognises an uploaded copy.
    seal_digest: str


def outside_event_loop[T](call: Callable[[], T]) -> T:
    """pyHanko's synchronous API runs its own event loop (asyncio.run), which fails in a thread that
    already runs one (an ASGI server, Playwright's sync API in tests): there, call it from a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(call).result()


class InProcessTimeStamper(TimeStamper):
    """pyHanko's timestamp client, answered by the demo TSA in this process (no HTTP round trip)."""

    def __init__(self, authority: TimestampAuthority):
        super().__init__(include_nonce=True)
        self.authority = authority

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return self.authority.request_tsa_response(req)


def seal_pdf(
    pdf: bytes, *, label: str, organisation: str, reason: str, box: tuple[int, int, int, int] | None
) -> SealedPdf:
    """Seal `pdf` as `organisation` (its e-seal certificate is `label` in the PKI), drawing the seal
    block in `box` (points from the bottom left) of the first page."""
    sealer = _sealer(label, organisation, str(pki_dir()))
    stamp_style = _stamp_style(organisation, settings.PDF_GOTHIC_FONT_PATH)
    if stamp_style is None:  # no Japanese font here (see docs/documents.md "Fonts"): an invisible seal
        box = None
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # B-LT in the seal's own revision: the validation data are the PKI's files (the chain and the
    # root's CRL, which covers the seal's and the TSA's certificates), written as the DSS beside the
    # seal. pyHanko would otherwise validate the chain at every seal to learn the same thing.
    DocumentSecurityStore.supply_dss_in_writer(
        writer, sig_contents=None, certs=sealer.validation_certs, crls=[sealer.credentials.crl]
    )
    signer = _DigestRecordingSigner(
        signing_cert=sealer.credentials.signing_cert,
        signing_key=sealer.credentials.signing_key,
        cert_registry=sealer.chain,
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        use_pades_lta=False,
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=signer,
        timestamper=sealer.timestamper,
        stamp_style=stamp_style,
        new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=0, box=box),
    )
    output = outside_event_loop(lambda: pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES))
    return SealedPdf(data=output.getvalue(), seal_digest=signer.document_digest.hex())


class _DigestRecordingSigner(signers.SimpleSigner):
    """Remembers the document digest it signs (the CMS messageDigest), so that the sealed file need
    not be parsed again to learn it. One per seal."""

    document_digest: bytes = b""

    async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run=False, **kwargs):
        if not dry_run:
            self.document_digest = data_digest
        return await super().async_sign(data_digest, digest_algorithm, dry_run=dry_run, **kwargs)


@dataclass(frozen=True)
class _Sealer:
    credentials: SealCredentials
    chain: SimpleCertificateStore
    timestamper: TimeStamper
    validation_certs: tuple


@functools.cache
def _sealer(label: str, organisation: str, directory: str) -> _Sealer:
    credentials = seal_credentials(label=label, organisation=organisation)
    chain = SimpleCertificateStore.from_certs([credentials.root_cert])
    return _Sealer(
        credentials=credentials,
        chain=chain,
        timestamper=InProcessTimeStamper(
            TimestampAuthority(
                tsa_cert=credentials.tsa_cert,
                tsa_key=credentials.tsa_key,
                certs_to_embed=[credentials.root_cert],
                policy=tsp.ObjectIdentifier(TSA_POLICY),
            )
        ),
        validation_certs=(credentials.signing_cert, credentials.tsa_cert, credentials.root_cert),
    )


@functools.cache
def _stamp_style(organisation: str, font_path: str) -> TextStampStyle | None:
    if not Path(font_path).is_file():
        logger.warning(
            "Seal block font %r not found: documents are sealed without a visible seal block", font_path
        )
        return None
    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        timestamp_format=TIMESTAMP_FORMAT,
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(
                _font_subset(font_path, STAMP_TEXT + organisation), font_size=8, writing_direction="ltr"
            )
        ),
        border_width=1,
    )


def _font_subset(font_path: str, text: str) -> str:
    """The glyphs the seal block can use, cut from the Japanese font once per process into a temporary
    file: pyHanko subsets the font on every seal, and a font of a few dozen glyphs costs a millisecond
    where the whole IPAex font costs tens. Scaled to 1,000 units per em on the way (see below)."""
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + string.printable)
    font = subset.load_font(font_path, options)
    subsetter.subset(font)
    # pyHanko writes the glyph widths in font units as if a font had 1,000 per em; IPAex has 2,048.
    scale_upem(font, 1000)
    with tempfile.NamedTemporaryFile(prefix="esurety-seal-font-", suffix=".ttf", delete=False) as file:
        font.save(file)
    atexit.register(Path(file.name).unlink, missing_ok=True)
    return file.name
