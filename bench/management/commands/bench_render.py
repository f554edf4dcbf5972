"""`manage.py bench_render`: how fast a 保証証書 PDF renders, against a bare reportlab page.

The certificate is issuers.documents.render_certificate on the sample content (docs/documents.md). The
bare page is one reportlab canvas page with the same TrueType font embedded (settings.PDF_FONT_PATH, as a
subset) carrying the certificate's own text, line by line, as read back from the certificate with
pypdf: the same font, the same characters, none of the layout (no platypus, no tables, no watermark, no
second font). Each run renders each for `--seconds` and counts; runs alternate the two.
"""

import io
import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from issuers.documents import render_certificate
from issuers.documents.samples import sample_content

BARE_FONT = "BenchBareMincho"


def certificate_text(pdf: bytes) -> list[str]:
    return [line for line in PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines() if line.strip()]


def bare_page(lines: list[str]) -> bytes:
    """One A4 page: the lines at 10.5 pt in the embedded mincho font, top to bottom."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont(BARE_FONT, 10.5)
    y = A4[1] - 20 * mm
    for line in lines:
        page.drawString(20 * mm, y, line)
        y -= 5.5 * mm
    page.showPage()
    page.save()
    return buffer.getvalue()


def rate(render, seconds: float) -> float:
    """Renders per second over at least `seconds`."""
    count, started = 0, time.perf_counter()
    while True:
        render()
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return count / elapsed


class Command(BaseCommand):
    help = "Certificate PDF rendering rate against a bare reportlab page (docs/performance.md)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--seconds", type=float, default=3.0)
        parser.add_argument("--json", dest="json_path", required=True)

    def handle(self, *args, runs, seconds, json_path, **options):
        pdfmetrics.registerFont(TTFont(BARE_FONT, settings.PDF_FONT_PATH))
        content = sample_content()
        certificate = render_certificate(content)
        lines = certificate_text(certificate)
        bare = bare_page(lines)  # also warms the font up, as the certificate's first render did
        # The bare page's text must be the certificate's: same characters, same count.
        assert "".join(certificate_text(bare)).replace(" ", "") == "".join(lines).replace(" ", "")

        results = {"certificate": [], "bare": []}
        for run in range(runs):
            results["certificate"].append(rate(lambda: render_certificate(content), seconds))
            results["bare"].append(rate(lambda: bare_page(lines), seconds))
            self.stdout.write(
                f"  render run {run + 1}: certificate {results['certificate'][-1]:.1f}/s, "
                f"bare page {results['bare'][-1]:.1f}/s"
            )
        results["characters"] = sum(len(line.replace(" ", "")) for line in lines)
        results["bytes"] = {"certificate": len(certificate), "bare": len(bare)}
        Path(json_path).write_text(json.dumps(results, indent=1))
