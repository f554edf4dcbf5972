"""What every document shares: fonts, styles, the 見本 decoration of each page, and building to bytes.

Geometry is in mm on A4 portrait. Fonts are registered once per process (per configured path): the
TrueType files of settings.PDF_FONT_PATH / PDF_GOTHIC_FONT_PATH are embedded as subsets; if the mincho
file is missing, reportlab's built-in CID fonts (not embedded: the viewer supplies them) are used
and a warning is logged.
"""

import functools
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont as FontFile
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepInFrame, PageTemplate, Paragraph
from reportlab.platypus.doctemplate import LayoutError

from issuers.errors import IssueError

logger = logging.getLogger(__name__)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 24 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

FALLBACK_MINCHO = "HeiseiMin-W3"
FALLBACK_GOTHIC = "HeiseiKakuGo-W5"
MONOSPACE = "Courier-Bold"  # a standard PDF font: every viewer has it, and 2/Z, 5/S, 8/B stay distinct

SPECIMEN_RED = colors.Color(0.75, 0.05, 0.1)
LABEL_BACKGROUND = colors.Color(0.95, 0.95, 0.95)

SIMULATION_NOTE = (
    "見本（SPECIMEN）：電子保証シミュレーターが作成した見本です。実際の{noun}ではなく、効力はありません。"
)


@dataclass(frozen=True)
class Fonts:
    mincho: str
    gothic: str
    embedded: bool
    gothic_path: str = ""  # the TrueType file of `gothic`, for drawing text as outlines


@functools.cache
def _register_fonts(mincho_path: str, gothic_path: str) -> Fonts:
    if not mincho_path or not Path(mincho_path).is_file():
        logger.warning(
            "PDF font %r not found: using reportlab's built-in CID fonts %s/%s, which are not embedded. "
            "Install fonts-ipaexfont or set PDF_FONT_PATH.",
            mincho_path,
            FALLBACK_MINCHO,
            FALLBACK_GOTHIC,
        )
        for name in (FALLBACK_MINCHO, FALLBACK_GOTHIC):
            pdfmetrics.registerFont(UnicodeCIDFont(name))
        return Fonts(mincho=FALLBACK_MINCHO, gothic=FALLBACK_GOTHIC, embedded=False)

    mincho = f"JP-{Path(mincho_path).stem}"
    pdfmetrics.registerFont(TTFont(mincho, mincho_path))
    gothic, gothic_file = mincho, mincho_path
    if gothic_path and Path(gothic_path).is_file():
        gothic, gothic_file = f"JP-{Path(gothic_path).stem}", gothic_path
        pdfmetrics.registerFont(TTFont(gothic, gothic_path))
    else:
        logger.info("PDF gothic font %r not found: headings use the mincho font", gothic_path)
    return Fonts(mincho=mincho, gothic=gothic, embedded=True, gothic_path=gothic_file)


def fonts() -> Fonts:
    return _register_fonts(settings.PDF_FONT_PATH, getattr(settings, "PDF_GOTHIC_FONT_PATH", ""))


@functools.cache
def _styles(mincho: str, gothic: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=mincho, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=12.5),
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT),
        "center": ParagraphStyle("center", parent=body, alignment=TA_CENTER),
        "title": ParagraphStyle(
            "title", parent=body, fontName=mincho, fontSize=20, leading=28, alignment=TA_CENTER
        ),
        "heading": ParagraphStyle(
            "heading", parent=body, fontName=gothic, fontSize=15, leading=22, alignment=TA_CENTER
        ),
        "label": ParagraphStyle("label", parent=body, alignment=TA_LEFT),
        "strong": ParagraphStyle("strong", parent=body, fontName=gothic),
        "warning": ParagraphStyle(
            "warning", parent=body, fontName=gothic, fontSize=9.5, leading=14, textColor=SPECIMEN_RED
        ),
    }


def styles() -> dict[str, ParagraphStyle]:
    f = fonts()
    return _styles(f.mincho, f.gothic)


def para(text: str, style: str = "body", **overrides) -> Paragraph:
    """A paragraph of plain text (escaped; newlines become line breaks)."""
    base = styles()[style]
    if overrides:
        base = ParagraphStyle(f"{style}-custom", parent=base, **overrides)
    return Paragraph(escape(text).replace("\n", "<br/>"), base)


class Spread(Flowable):
    """A label spread evenly over a fixed width (均等割付), as labels are set on Japanese forms."""

    def __init__(self, text: str, width: float, *, font: str | None = None, size: float = 10.5):
        super().__init__()
        self.text = text
        self.width = width
        self.font = font or fonts().mincho
        self.size = size
        self.height = size * 1.5

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        canvas.setFont(self.font, self.size)
        baseline = self.size * 0.35
        widths = [pdfmetrics.stringWidth(ch, self.font, self.size) for ch in self.text]
        if len(self.text) == 1 or sum(widths) >= self.width:
            canvas.drawString(0, baseline, self.text)
            return
        # One text run with character spacing, so the label is copied and extracted as one word.
        text = canvas.beginText(0, baseline)
        text.setFont(self.font, self.size)
        text.setCharSpace((self.width - sum(widths)) / (len(self.text) - 1))
        text.textOut(self.text)
        canvas.drawText(text)


class _CanvasPathPen(BasePen):
    """fontTools pen that traces a glyph's outline into a reportlab path (quadratic curves of
    TrueType outlines come here as cubic ones, from BasePen)."""

    def __init__(self, glyph_set, path):
        super().__init__(glyph_set)
        self.path = path

    def _moveTo(self, point):
        self.path.moveTo(*point)

    def _lineTo(self, point):
        self.path.lineTo(*point)

    def _curveToOne(self, point1, point2, point3):
        self.path.curveTo(*point1, *point2, *point3)

    def _closePath(self):
        self.path.close()


@functools.cache
def _font_file(path: str) -> FontFile:
    return FontFile(path, lazy=True)


def _draw_outlined_string(canvas, font_path: str, text: str, *, size: float, y: float) -> None:
    """Text drawn as filled shapes, centred on x = 0: seen on the page, absent from the text layer, so
    that copying (or `pdftotext`) what lies under it gives only the document's own text."""
    font = _font_file(font_path)
    glyph_set, cmap = font.getGlyphSet(), font.getBestCmap()
    names = [cmap.get(ord(ch), ".notdef") for ch in text]
    scale = size / font["head"].unitsPerEm
    width = sum(glyph_set[name].width for name in names) * scale
    canvas.saveState()
    canvas.translate(-width / 2, y)
    canvas.scale(scale, scale)
    x = 0
    for name in names:
        canvas.saveState()
        canvas.translate(x, 0)
        path = canvas.beginPath()
        glyph_set[name].draw(_CanvasPathPen(glyph_set, path))
        canvas.drawPath(path, stroke=0, fill=1, fillMode=1)
        canvas.restoreState()
        x += glyph_set[name].width
    canvas.restoreState()


def _decorate(canvas, doc, *, noun: str):
    """Every page: a large diagonal 見本 / SPECIMEN watermark, a stamp top left, the simulation line."""
    f = fonts()
    canvas.saveState()

    canvas.setFillColor(SPECIMEN_RED)
    canvas.setFillAlpha(0.10)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(35)
    if f.gothic_path:
        _draw_outlined_string(canvas, f.gothic_path, "見本", size=150, y=-10 * mm)
        _draw_outlined_string(canvas, f.gothic_path, "SPECIMEN", size=46, y=-38 * mm)
    else:  # the built-in CID fonts have no outlines to draw: the watermark stays text
        canvas.setFont(f.gothic, 150)
        canvas.drawCentredString(0, -10 * mm, "見本")
        canvas.setFont("Helvetica-Bold", 46)
        canvas.drawCentredString(0, -38 * mm, "SPECIMEN")
    canvas.restoreState()

    canvas.saveState()
    canvas.setStrokeColor(SPECIMEN_RED)
    canvas.setFillColor(SPECIMEN_RED)
    canvas.setLineWidth(1.2)
    x, y, w, h = MARGIN_X, PAGE_HEIGHT - 17 * mm, 26 * mm, 10 * mm
    canvas.rect(x, y, w, h)
    canvas.setFont(f.gothic, 13)
    canvas.drawCentredString(x + w / 2, y + 4.2 * mm, "見本")
    canvas.setFont("Helvetica-Bold", 6.5)
    canvas.drawCentredString(x + w / 2, y + 1.3 * mm, "SPECIMEN")

    canvas.setFont(f.gothic, 8)
    canvas.drawCentredString(PAGE_WIDTH / 2, 12 * mm, SIMULATION_NOTE.format(noun=noun))
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, 16 * mm, PAGE_WIDTH - MARGIN_X, 16 * mm)
    canvas.restoreState()


def build(story: list, *, title: str, noun: str) -> bytes:
    """Lay the flowables out on A4 pages decorated with the 見本 mark and return the PDF bytes."""
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{title}（見本）",
        author="電子保証シミュレーター（見本）",
        subject=SIMULATION_NOTE.format(noun=noun),
        creator="esurety-simulator",
        lang="ja-JP",
    )
    frame = Frame(
        doc.leftMargin, doc.bottomMargin, doc.width, doc.height, leftPadding=0, rightPadding=0, id="body"
    )
    doc.addPageTemplates(
        [PageTemplate(id="page", frames=[frame], onPage=functools.partial(_decorate, noun=noun))]
    )
    # Every document is one A4 page. What does not fit (every field at its length limit) is scaled
    # down as a whole instead of running onto a second page or failing: a table row taller than the
    # page would otherwise be reportlab's LayoutError.
    try:
        doc.build([KeepInFrame(frame.width, frame.height, story, mode="shrink")])
    except LayoutError as error:
        # Whatever still cannot be laid out refuses the operation with a message for the clerk; the
        # caller's transaction then leaves nothing half-issued.
        logger.warning("document could not be laid out: %s", title)
        raise DocumentLayoutError(
            f"{title}を作成できませんでした（記載内容が用紙に収まりません）。工事名などの記載内容を確認してください。"
        ) from error
    return buffer.getvalue()


class DocumentLayoutError(IssueError):
    """A document whose content cannot be laid out on its page."""
