"""電子保証にかかる「認証キー」のお知らせ — the PDF the contractor sends to the ordering body.

Wording of seeds 002/003 (000 has OCR slips such as 「お断り」 for 「お願い」 and 「開覧」 for 「閲覧」).
Optionally a QR code that opens the D-Sure lookup with the 保証契約番号 filled in. It never carries
the 認証キー: the key travels in the text only, so the official still has to type it.
"""

from urllib.parse import urlencode

from django.conf import settings
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from issuers.content import CertificateContent
from issuers.documents.base import CONTENT_WIDTH, MONOSPACE, Spread, build, para

TITLE = "電子保証にかかる「認証キー」のお知らせ"
INTRO = [
    "電子証書を「保証確認サービス（D-Sure）」に掲載しましたので、お知らせします。",
    "つきましては、お客様にて下記内容をご確認いただき、次のいずれかの方法でこのPDFファイルを発注者様にご提出ください。",
]
WAYS = ["①電子契約システムへのアップロード", "又は", "②電子メールに添付して送信"]
COMPLETION = (
    "電子保証のご利用にあたっては、発注者様への「保証契約番号」と「認証キー」のご提出をもって、"
    "前払金請求手続（前払金保証）、又は請負契約締結手続（契約保証）が完了いたします。"
)
# The 中間前払金保証's notice names its own procedure (the leaflets print the sentence above for the two
# products they cover).
INTERMEDIATE_COMPLETION = (
    "電子保証のご利用にあたっては、発注者様への「保証契約番号」と「認証キー」のご提出をもって、"
    "中間前払金請求手続（中間前払金保証）が完了いたします。"
)
CONTACT = "ご不明な点がございましたら、当社の営業部・支店までお問い合わせください。"
REQUEST_HEADING = "【発注者様へのお願い】"
REQUEST = "「保証確認サービス（D-Sure）」にログインし、上記の「保証契約番号」と「認証キー」をもって電子証書を閲覧ください。"
KEY_HINT = "英字の大文字・小文字を区別します（数字の0・1、英字のO・o・I・lは使用していません）。"
QR_CAPTION = "D-Sureの照会画面（保証契約番号入力済み）を開きます。認証キーは含まれていません。"
DSURE_LOOKUP_PATH = "/dsure/"

LABEL_WIDTH = 30 * mm
LABEL_TEXT_WIDTH = 63  # points: 「保証契約番号」 at 10.5 pt, the widest spread label


def dsure_lookup_url(number: str, base_url: str) -> str:
    """The D-Sure lookup with the number filled in. Only the number: never the key."""
    return f"{base_url.rstrip('/')}{DSURE_LOOKUP_PATH}?{urlencode({'number': number})}"


def _qr(url: str, size: float = 26 * mm) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _items(content: CertificateContent, key: str) -> Table:
    key_cell = [
        para(key, fontName=MONOSPACE, fontSize=20, leading=24),
        para(KEY_HINT, "small", fontSize=7.5, leading=10),
    ]
    contractor_label = [
        Spread("受注者名", LABEL_TEXT_WIDTH),
        para("（JVの場合は代表者）", "small", fontSize=7.5),
    ]
    data = [
        [Spread("工事名", LABEL_TEXT_WIDTH), "：", para(content["work_name"])],
        [contractor_label, "：", para(content["contractor_name"])],
        [para("商品（保証区分）"), "：", para(content["product_name"])],
        [Spread("保証契約番号", LABEL_TEXT_WIDTH), "：", para(content["number"], fontSize=13, leading=18)],
        [Spread("認証キー", LABEL_TEXT_WIDTH), "：", key_cell],
    ]
    table = Table(data, colWidths=[LABEL_WIDTH + 6 * mm, 6 * mm, CONTENT_WIDTH - LABEL_WIDTH - 20 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("VALIGN", (0, 3), (-1, 4), "MIDDLE"),
                ("FONT", (1, 0), (1, -1), para("").style.fontName, 10.5),
                ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
                ("LINEBELOW", (2, 0), (2, -2), 0.4, colors.grey),
                ("BOX", (2, 4), (2, 4), 1.2, colors.black),
                ("LEFTPADDING", (2, 4), (2, 4), 4 * mm),
                ("TOPPADDING", (2, 4), (2, 4), 3 * mm),
                ("BOTTOMPADDING", (2, 4), (2, 4), 2.5 * mm),
            ]
        )
    )
    table.hAlign = "CENTER"
    return table


def _ways() -> Table:
    table = Table([[para(way)] for way in WAYS], colWidths=[80 * mm])
    table.setStyle(
        TableStyle([("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5 * mm)])
    )
    return table


def _closing(content: CertificateContent, qr_url: str) -> Table:
    company = [
        para(content["company_name"], fontSize=13, leading=20),
        para(f"取扱箇所　{content['branch_name']}　TEL：{content['branch_tel']}", "small"),
    ]
    left = [_qr(qr_url), para(QR_CAPTION, "small", fontSize=7, leading=9.5)] if qr_url else ""
    table = Table([[left, company]], colWidths=[60 * mm, CONTENT_WIDTH - 60 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 30 * mm),
            ]
        )
    )
    return table


def render_key_notice(content: CertificateContent, key: str, base_url: str | None = None) -> bytes:
    """The notice of `key` for the contract of `content`, as PDF bytes.

    `base_url` (e.g. "https://esurety.example") adds a QR code to the D-Sure lookup; by default it is
    settings.SITE_URL, and "" leaves the code out.
    """
    if base_url is None:
        base_url = getattr(settings, "SITE_URL", "")
    story = [
        Spacer(0, 8 * mm),
        para(TITLE, "heading", fontSize=16),
        Spacer(0, 10 * mm),
        *[para(sentence) for sentence in INTRO],
        Spacer(0, 4 * mm),
        _ways(),
        Spacer(0, 4 * mm),
        para(INTERMEDIATE_COMPLETION if content["product"] == "intermediate" else COMPLETION),
        para(CONTACT),
        Spacer(0, 7 * mm),
        para("記", "center"),
        Spacer(0, 5 * mm),
        _items(content, key),
        Spacer(0, 9 * mm),
        para(REQUEST_HEADING, "strong"),
        para(REQUEST),
        Spacer(0, 10 * mm),
        _closing(content, dsure_lookup_url(content["number"], base_url) if base_url else ""),
    ]
    return build(story, title=TITLE, noun="認証キーのお知らせ")
