"""The documents as a contractor or an official reads them: real PDF bytes read back with pypdf, and
the on-screen certificate rendered from its template. Every field and sentence of seeds 000/002/003."""

import io
import logging
import os
import re
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.template import Context, Template
from django.test import override_settings
from pypdf import PdfReader
from reportlab.platypus.doctemplate import LayoutError

from issuers.documents import key_notice, render_certificate, render_fee_statement, render_key_notice
from issuers.errors import IssueError
from issuers.fees import FeeStatementData, compute_fee
from issuers.models import FeeRate

KEY = "Z28YUE4J3Bux"
SIMULATION = "電子保証シミュレーターが作成した見本です。"
NOTE_1 = "（注）1. 保証契約を変更する場合は、表題の下に変更一の表示と変更の発生番号を付記し、変更後の契約内容を表示します。"
NOTE_2 = "2. 請負金額のみの変更の場合は、この保証契約の効力に影響を及ぼさないので、保証契約変更の手続きをとる必要はありません。"
ELECTRONIC = "保証証書（書面）の発行は行わない電子的な取扱となります"
LEAD_1 = "・インターネット保証サービス利用規約に基づき、お客さまに代わり、発注者に対して保証証書を当社で提出しています。"
LEAD_2 = "・ご覧いただいている本画面の情報は、発注者に提出した保証証書と同一です。"


def content(product="advance", fmt="electronic", change_no=0, **overrides) -> dict:
    advance = product == "advance"
    values = {
        "number": "20108-00001K" if advance else "20208-00001N",
        "product": product,
        "product_name": "前払金保証" if advance else "契約保証",
        "format": fmt,
        "change_no": change_no,
        "issue_date": "2026-04-27",
        "contractor_address": "長野県北安曇郡小谷村大字中小谷1-2-3",
        "contractor_name": "北アルプス建設株式会社",
        "jv_name": "",
        "beneficiary": "小谷村長",
        "ordering_body_name": "小谷村",
        "ordering_body_code": "204862",
        "guarantee_amount": 20_000_000 if advance else 5_000_000,
        "guarantee_deadline": "2027-03-19",
        "guarantee_period_start": "" if advance else "2026-05-01",
        "work_name": "中小谷地区道路改良工事",
        "work_location": "長野県北安曇郡小谷村大字中小谷地内",
        "contract_amount": 50_000_000,
        "period_start": "2026-05-01",
        "period_end": "2027-03-19",
        "contract_date": "2026-04-24",
        "deposit_bank": "八十二銀行 小谷支店" if advance else "",
        "company_name": "東日本建設業保証株式会社",
        "company_address": "東京都中央区八丁堀2丁目27番10号",
        "company_president_title": "取締役社長",
        "company_president_name": "見本 一郎",
        "branch_name": "長野支店",
        "branch_tel": "026-226-7520",
        "branch_fax": "026-000-0000",
    }
    values.update(overrides)
    return values


def squash(text: str) -> str:
    """Without any whitespace: PDF lines break where the layout wraps, not where the sentence does."""
    return re.sub(r"\s+", "", text)


def pdf_pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    return "".join(pdf_pages(pdf))


def fonts_of(pdf: bytes) -> list[dict]:
    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            fonts.append(
                {
                    "name": str(font["/BaseFont"]),
                    "embedded": descriptor is not None and "/FontFile2" in descriptor.get_object(),
                }
            )
    return fonts


def assert_specimen(text: str, noun: str):
    assert "見本" in text and "SPECIMEN" in text
    assert squash(f"見本（SPECIMEN）：{SIMULATION}実際の{noun}ではなく、効力はありません。") in text


# 保証証書 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("change_no", [0, 1])
@pytest.mark.parametrize("fmt", ["electronic", "paper"])
@pytest.mark.parametrize("product", ["advance", "performance"])
def test_certificate_carries_every_field_and_sentence(product, fmt, change_no):
    pages = pdf_pages(render_certificate(content(product, fmt, change_no)))
    assert len(pages) == 1
    text = pages[0]
    advance = product == "advance"

    assert "令和08年04月27日" in text
    assert f"保証証書（{'前払金保証' if advance else '契約保証'}）" in text
    assert (ELECTRONIC in text) == (fmt == "electronic")
    title = f"保証証書（{'前払金保証' if advance else '契約保証'}）"
    assert (f"{title}変更一変更の発生番号：1" in text) == (change_no == 1)
    # Each value in its row: the label and its value follow each other.
    expected_rows = [
        ("保証契約番号", "20108-00001K" if advance else "20208-00001N"),
        ("保証契約者", "長野県北安曇郡小谷村大字中小谷1-2-3北アルプス建設株式会社"),
        ("被保証者", "小谷村長"),
        ("保証金額（総額）" if advance else "保証金額", "20,000,000円" if advance else "5,000,000円"),
        ("工事名", "中小谷地区道路改良工事"),
        ("請負金額（総額）", "50,000,000円"),
        ("工期", "令和08年05月01日～令和09年03月19日"),
        ("請負契約日", "令和08年04月24日"),
    ]
    if advance:
        expected_rows += [("保証期限", "令和09年03月19日"), ("預託金融機関", "八十二銀行小谷支店")]
    else:
        expected_rows += [("保証期間", "令和08年05月01日～令和09年03月19日")]
    for label, value in expected_rows:
        assert label + value in text, label
    assert ("保証期限" in text) == advance
    assert ("保証期間" in text) == (not advance)
    assert ("預託金融機関" in text) == advance

    clause = "前払金保証約款" if advance else "契約保証約款"
    assert f"当会社は、{clause}に基づき上記のとおり保証契約を締結し、その責に任じます。" in text
    assert "東京都中央区八丁堀2丁目27番10号東日本建設業保証株式会社取締役社長見本一郎" in text
    assert "取扱箇所長野支店TEL：026-226-7520FAX：026-000-0000" in text
    assert squash(NOTE_1) in text
    assert squash(NOTE_2) in text
    assert_specimen(text, "保証証書")


@pytest.mark.parametrize(("change_no", "label"), [(2, "変更二"), (10, "変更十"), (11, "変更十一")])
def test_a_later_change_is_numbered_in_kanji_under_the_title(change_no, label):
    text = pdf_text(render_certificate(content(change_no=change_no)))
    assert f"保証証書（前払金保証）{label}変更の発生番号：{change_no}" in text


def test_a_jv_certificate_names_the_jv_and_its_representative():
    text = pdf_text(render_certificate(content(jv_name="北アルプス・小谷特定建設工事共同企業体")))
    assert (
        "保証契約者長野県北安曇郡小谷村大字中小谷1-2-3北アルプス・小谷特定建設工事共同企業体代表者北アルプス建設株式会社"
        in text
    )


def test_a_branch_without_fax_prints_no_fax_line():
    text = pdf_text(render_certificate(content(branch_fax="")))
    assert "TEL：026-226-7520" in text
    assert "FAX" not in text


def test_long_values_wrap_inside_their_cell_and_the_certificate_stays_one_page():
    long_name = (
        "中小谷地区道路改良工事（その2）及び附帯する排水路・擁壁・防護柵設置工事並びに舗装補修工事" * 2
    )
    pages = pdf_pages(
        render_certificate(
            content(
                change_no=3,
                work_name=long_name,
                jv_name="北アルプス・小谷・白馬特定建設工事共同企業体",
                contractor_address="長野県北安曇郡小谷村大字中小谷字見本丙1234番地5 見本ビル3階",
            )
        )
    )
    assert len(pages) == 1
    assert squash(long_name) in pages[0]
    assert squash(NOTE_2) in pages[0]


# The longest text each field takes (the forms' max_length), in the widest characters and in ones
# without a break opportunity: every document still fits its one A4 page, scaled down if need be.
FIELD_LIMITS = {
    "work_name": 200,
    "work_location": 200,
    "contractor_address": 200,
    "contractor_name": 200,
    "jv_name": 200,
    "deposit_bank": 100,
}


@pytest.mark.parametrize(
    "filler", ["漢", "Ｗ", "W", "W ", "工\n"], ids=["kanji", "fullwidth", "latin", "words", "lines"]
)
@pytest.mark.parametrize("product", ["advance", "performance"])
def test_every_document_is_one_page_with_every_field_at_its_limit(product, filler):
    values = {field: (filler * limit)[:limit] for field, limit in FIELD_LIMITS.items()}
    if product == "performance":
        values["deposit_bank"] = ""
    values_of_content = content(product, change_no=3, **values)
    documents = {
        "certificate": render_certificate(values_of_content),
        "key notice": render_key_notice(values_of_content, KEY),
        "fee statement": render_fee_statement(statement(product, **values)),
    }
    for name, pdf in documents.items():
        pages = pdf_pages(pdf)
        assert len(pages) == 1, name
        assert squash(values["work_name"]) in pages[0], name


def test_a_document_that_cannot_be_laid_out_is_refused_with_a_message_for_the_clerk(monkeypatch):
    monkeypatch.setattr(
        "issuers.documents.base.BaseDocTemplate.build", mock.Mock(side_effect=LayoutError("too tall"))
    )
    with pytest.raises(IssueError, match="保証証書（前払金保証）を作成できませんでした"):
        render_certificate(content())


def test_markup_in_content_is_printed_as_text():
    text = pdf_text(render_certificate(content(work_name="<b>A&B</b>工事")))
    assert "工事名<b>A&B</b>工事" in text


def test_the_japanese_font_is_embedded(settings):
    if not Path(settings.PDF_FONT_PATH).exists():
        reason = f"{settings.PDF_FONT_PATH} is missing (apt-get install fonts-ipaexfont)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 (CI) needs the font: {reason}")
        pytest.skip(reason)
    fonts = fonts_of(render_certificate(content()))
    japanese = [font for font in fonts if "ipaex" in font["name"].lower()]
    assert japanese, fonts
    assert all(font["embedded"] for font in japanese)
    # Nothing Japanese is left to a font the reader's viewer may not have.
    assert not [font for font in fonts if "Heisei" in font["name"]]


def test_without_the_font_file_the_builtin_cid_font_is_used_with_a_warning(tmp_path, caplog):
    missing = str(tmp_path / "no-such-font.ttf")
    with (
        override_settings(PDF_FONT_PATH=missing, PDF_GOTHIC_FONT_PATH=missing),
        caplog.at_level(logging.WARNING),
    ):
        pdf = render_certificate(content())
    assert any(
        missing in record.getMessage() for record in caplog.records if record.levelno == logging.WARNING
    )
    assert any("HeiseiMin-W3" in font["name"] for font in fonts_of(pdf))
    text = pdf_text(pdf)
    assert "保証契約番号20108-00001K" in text
    assert_specimen(text, "保証証書")


def test_the_pdf_says_it_is_a_specimen_in_its_metadata():
    metadata = PdfReader(io.BytesIO(render_certificate(content()))).metadata
    assert metadata.title == "保証証書（前払金保証）（見本）"
    assert "見本" in metadata.subject


# 認証キーのお知らせ -------------------------------------------------------------------------------


@pytest.mark.parametrize("product", ["advance", "performance"])
def test_key_notice_carries_the_wording_number_and_key(product):
    pages = pdf_pages(render_key_notice(content(product), KEY, base_url="https://esurety.example"))
    assert len(pages) == 1
    text = pages[0]
    number = "20108-00001K" if product == "advance" else "20208-00001N"
    for sentence in [
        "電子保証にかかる「認証キー」のお知らせ",
        "電子証書を「保証確認サービス（D-Sure）」に掲載しましたので、お知らせします。",
        "つきましては、お客様にて下記内容をご確認いただき、次のいずれかの方法でこのPDFファイルを発注者様にご提出ください。",
        "①電子契約システムへのアップロード又は②電子メールに添付して送信",
        "電子保証のご利用にあたっては、発注者様への「保証契約番号」と「認証キー」のご提出をもって、"
        "前払金請求手続（前払金保証）、又は請負契約締結手続（契約保証）が完了いたします。",
        "ご不明な点がございましたら、当社の営業部・支店までお問い合わせください。",
        "記",
        "工事名：中小谷地区道路改良工事",
        "受注者名（JVの場合は代表者）：北アルプス建設株式会社",
        f"商品（保証区分）：{'前払金保証' if product == 'advance' else '契約保証'}",
        f"保証契約番号：{number}",
        f"認証キー：{KEY}",
        "【発注者様へのお願い】「保証確認サービス（D-Sure）」にログインし、上記の「保証契約番号」と「認証キー」をもって電子証書を閲覧ください。",
        "東日本建設業保証株式会社",
    ]:
        assert squash(sentence) in text, sentence
    assert_specimen(text, "認証キーのお知らせ")


def test_the_key_is_printed_in_a_monospace_font_in_one_piece():
    pdf = render_key_notice(content(), KEY, base_url="")
    assert any(font["name"] == "/Courier-Bold" for font in fonts_of(pdf))
    # Unsquashed: the twelve characters come out as one word, not spread over lines or spaces.
    raw = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert re.search(rf"(?<![A-Za-z0-9]){KEY}(?![A-Za-z0-9])", raw)


def test_the_qr_code_opens_the_dsure_lookup_with_the_number_and_never_the_key(monkeypatch):
    encoded = []
    original = key_notice._qr
    monkeypatch.setattr(key_notice, "_qr", lambda url: encoded.append(url) or original(url))
    text = pdf_text(render_key_notice(content(), KEY, base_url="https://esurety.example/"))
    assert encoded == ["https://esurety.example/dsure/?number=20108-00001K"]
    assert KEY not in encoded[0]
    assert "認証キーは含まれていません" in text


def test_the_qr_code_base_url_defaults_to_site_url_and_can_be_left_out(monkeypatch):
    encoded = []
    original = key_notice._qr
    monkeypatch.setattr(key_notice, "_qr", lambda url: encoded.append(url) or original(url))
    with override_settings(SITE_URL="https://dsure.example"):
        render_key_notice(content(), KEY)
    assert encoded == ["https://dsure.example/dsure/?number=20108-00001K"]

    text = pdf_text(render_key_notice(content(), KEY, base_url=""))
    assert len(encoded) == 1
    assert "D-Sureの照会画面" not in text


# 保証料計算書 ----------------------------------------------------------------------------------------


def statement(product="advance", illustrative=True, **overrides) -> FeeStatementData:
    values = content(product, **overrides)
    advance = product == "advance"
    rate = FeeRate(
        product=product,
        annual_rate=Decimal("0.00250" if advance else "0.00400"),
        minimum_fee=3000,
        illustrative=illustrative,
    )
    start = values["issue_date"] if advance else values["guarantee_period_start"]
    quote = compute_fee(
        product=product,
        guarantee_amount=values["guarantee_amount"],
        start=start,
        end=values["guarantee_deadline"],
        rate=rate,
    )
    return FeeStatementData(content=values, quote=quote)


def test_fee_statement_of_the_advance_guarantee():
    pages = pdf_pages(render_fee_statement(statement()))
    assert len(pages) == 1
    text = pages[0]
    for expected in [
        "令和08年04月27日",
        "保証料計算書",
        "北アルプス建設株式会社様",
        "保証契約番号20108-00001K",
        "商品名前払金保証",
        "保証契約者長野県北安曇郡小谷村大字中小谷1-2-3北アルプス建設株式会社",
        "被保証者小谷村長",
        "工事名中小谷地区道路改良工事",
        "保証金額20,000,000円",
        "保証期間令和08年04月27日～令和09年03月19日（327日）",
        "保証料率（年率）0.250%",
        "最低保証料3,000円",
        "保証料44,790円",
        "20,000,000円×0.250%×327日÷365=44,794円→44,790円",
        "保証料は消費税の課税対象外です。",
        "※本計算書の料率は説明用の見本であり、実際の料率ではありません。",
        "東日本建設業保証株式会社取扱箇所長野支店",
    ]:
        assert squash(expected) in text, expected
    assert_specimen(text, "保証料計算書")


def test_fee_statement_of_the_performance_guarantee_at_the_minimum():
    text = pdf_text(render_fee_statement(statement("performance", guarantee_amount=500_000)))
    for expected in [
        "保証契約番号20208-00001N",
        "商品名契約保証",
        "保証金額500,000円",
        "保証期間令和08年05月01日～令和09年03月19日（323日）",
        "保証料率（年率）0.400%",
        "保証料3,000円",
        "→最低保証料3,000円",
    ]:
        assert squash(expected) in text, expected


def test_fee_statement_with_a_real_rate_has_no_illustrative_note():
    text = pdf_text(render_fee_statement(statement(illustrative=False)))
    assert "説明用の見本" not in text
    assert "保証料は消費税の課税対象外です。" in text
    assert_specimen(text, "保証料計算書")


# The on-screen certificate -------------------------------------------------------------------------

INCLUDE = Template('{% include "documents/certificate.html" %}')


def render_html(values: dict, **context) -> str:
    return INCLUDE.render(Context({"content": values, **context}))


def html_text(html: str) -> str:
    return squash(re.sub(r"<[^>]+>", "", html))


@pytest.mark.parametrize("change_no", [0, 1])
@pytest.mark.parametrize("fmt", ["electronic", "paper"])
@pytest.mark.parametrize("product", ["advance", "performance"])
def test_on_screen_certificate_shows_the_same_fields_and_sentences(
    product, fmt, change_no, db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        html = render_html(content(product, fmt, change_no))
    text = html_text(html)
    advance = product == "advance"

    assert (squash(LEAD_1) in text) == (fmt == "electronic")
    assert (squash(LEAD_2) in text) == (fmt == "electronic")
    assert '<time datetime="2026-04-27">令和08年04月27日</time>' in html
    assert f"保証証書（{'前払金保証' if advance else '契約保証'}）" in text
    assert (ELECTRONIC in text) == (fmt == "electronic")
    # 「変更一」 and the occurrence number directly under the title (note (注)1).
    title = f"保証証書（{'前払金保証' if advance else '契約保証'}）"
    assert (f"{title}変更一変更の発生番号：1" in text) == (change_no == 1)
    rows = [
        ("保証契約番号", "20108-00001K" if advance else "20208-00001N"),
        ("保証契約者", "長野県北安曇郡小谷村大字中小谷1-2-3北アルプス建設株式会社"),
        ("被保証者", "小谷村長"),
        ("保証金額（総額）" if advance else "保証金額", "20,000,000円" if advance else "5,000,000円"),
        ("工事名", "中小谷地区道路改良工事"),
        ("請負金額（総額）", "50,000,000円"),
        ("工期", "令和08年05月01日～令和09年03月19日"),
        ("請負契約日", "令和08年04月24日"),
    ]
    rows += (
        [("保証期限", "令和09年03月19日"), ("預託金融機関", "八十二銀行小谷支店")]
        if advance
        else [("保証期間", "令和08年05月01日～令和09年03月19日")]
    )
    for label, value in rows:
        assert f'<th scope="row">{label}</th>' in html
        assert label + value in text, label
    assert ("預託金融機関" in text) == advance
    clause = "前払金保証約款" if advance else "契約保証約款"
    assert f"当会社は、{clause}に基づき上記のとおり保証契約を締結し、その責に任じます。" in text
    assert "東京都中央区八丁堀2丁目27番10号東日本建設業保証株式会社取締役社長見本一郎" in text
    assert "取扱箇所長野支店TEL：026-226-7520FAX：026-000-0000" in text
    assert squash(NOTE_1) in text
    assert squash(NOTE_2) in text
    assert "見本（SPECIMEN）" in text
    assert SIMULATION in text


def test_on_screen_certificate_can_leave_out_the_lead_in_for_officials():
    text = html_text(render_html(content(), hide_lead=True))
    assert squash(LEAD_1) not in text
    assert ELECTRONIC in text


def test_on_screen_certificate_escapes_content_and_needs_no_inline_style_or_script():
    html = render_html(content(work_name='<script>alert("x")</script>工事', contractor_name="A&B建設"))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "A&amp;B建設" in html
    assert "style=" not in html  # the CSP allows stylesheets only
