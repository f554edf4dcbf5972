"""Render one sample of every document to a folder (`make docs-pdf-images` turns them into PNGs)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from issuers.documents import render_certificate, render_fee_statement, render_key_notice
from issuers.documents.samples import SAMPLE_KEY, sample_content, sample_fee_statement


def samples(base_url: str) -> dict[str, bytes]:
    """File name → PDF bytes, for every document and variant."""
    result = {}
    for product in ("advance", "performance", "intermediate"):
        for fmt in ("electronic", "paper"):
            result[f"certificate-{product}-{fmt}.pdf"] = render_certificate(sample_content(product, fmt))
        result[f"certificate-{product}-electronic-change1.pdf"] = render_certificate(
            sample_content(product, "electronic", change_no=1)
        )
        result[f"fee-statement-{product}.pdf"] = render_fee_statement(sample_fee_statement(product))
    result["key-notice.pdf"] = render_key_notice(sample_content(), SAMPLE_KEY, base_url=base_url)
    return result


class Command(BaseCommand):
    help = "Write sample PDFs of the certificate, the key notice and the fee statement (invented data)."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="where to write the PDFs (created if missing)")
        parser.add_argument("--base-url", default=None, help="base URL of the key notice's QR code")

    def handle(self, *args, folder: Path, base_url: str | None, **options):
        folder.mkdir(parents=True, exist_ok=True)
        for name, pdf in samples(base_url if base_url is not None else settings.SITE_URL).items():
            (folder / name).write_bytes(pdf)
            self.stdout.write(str(folder / name))
