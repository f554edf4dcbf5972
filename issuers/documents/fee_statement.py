"""保証料計算書 — the fee of one product, with the computation spelled out.

The leaflets show only that it exists (「保証料計算書一覧」, Q2: it is electronic, receipts stay paper);
its layout here is ours (docs/documents.md). Guarantee fees are outside consumption tax, and demo
rates are marked as illustrative: the real tariffs are not public.
"""

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from common.formats import fee_rate, kanji_number, wareki, yen
from issuers.documents.base import CONTENT_WIDTH, LABEL_BACKGROUND, SPECIMEN_RED, Spread, build, para
from issuers.documents.certificate import PERIOD_SEPARATOR
from issuers.fees import DAYS_PER_YEAR, FeeStatementData, fee_period

TITLE = "保証料計算書"
INTRO = "下記の保証契約について、保証料を次のとおり計算いたしました。"
TAX_NOTE = "保証料は消費税の課税対象外です。"
ILLUSTRATIVE_NOTE = "※本計算書の料率は説明用の見本であり、実際の料率ではありません。"
FORMULA = (
    f"計算方法：保証金額 × 年率 × 保証日数 ÷ {DAYS_PER_YEAR}（円未満切捨て）を10円未満切捨てとし、"
    "最低保証料に満たない場合は最低保証料とします。保証日数は始期と終期の両日を含みます。"
)
FLAT_FORMULA = (
    "計算方法：保証金額 × 保証料率（保証日数によらない定率、円未満切捨て）を10円未満切捨てとします。"
)

ADDITIONAL_INTRO = "下記の保証契約の変更{change}について、追加保証料を次のとおり計算いたしました。"
ADDITIONAL_FORMULA = (
    f"計算方法：増額分は増額した保証金額について変更日（保証期間の開始前はその始期）から保証期限まで、"
    f"延長分は変更前の保証金額について延長した日数分を、保証金額 × 年率 × 日数 ÷ {DAYS_PER_YEAR}"
    "（円未満切捨て）で計算し、その合計を10円未満切捨てとします。追加保証料には最低保証料を適用しません。"
)

FLAT_ADDITIONAL_FORMULA = (
    "計算方法：増額した保証金額 × 保証料率（保証日数によらない定率、円未満切捨て）を10円未満切捨てとします。"
    "保証期限の延長には追加保証料はかかりません。"
)

LABEL_COLUMN = 44 * mm
LABEL_TEXT_WIDTH = 84  # points, as on the certificate


def rate_percent(annual_rate) -> str:
    """0.00250 → "0.250%"."""
    return fee_rate(annual_rate)


def rate_label(quote) -> str:
    return "保証料率" if quote.flat else "保証料率（年率）"


def _product(amount: int, quote) -> str:
    """「20,000,000 円 × 0.250% × 327日 ÷ 365」, or 「10,000,000 円 × 0.065%」 for a flat rate."""
    if quote.flat:
        return f"{yen(amount)} × {rate_percent(quote.annual_rate)}"
    return f"{yen(amount)} × {rate_percent(quote.annual_rate)} × {quote.days}日 ÷ {DAYS_PER_YEAR}"


def computation(statement: FeeStatementData) -> str:
    """「20,000,000 円 × 0.250% × 327日 ÷ 365 = 44,794 円 → 44,790 円」"""
    quote, content = statement.quote, statement.content
    line = f"{_product(content['guarantee_amount'], quote)} = {yen(quote.computed)}"
    if quote.computed // 10 * 10 < quote.minimum_fee:
        return f"{line} → 最低保証料 {yen(quote.fee)}"
    return f"{line} → {yen(quote.fee)}"


def additional_computation(statement: FeeStatementData) -> list[str]:
    """One line a part (「増額分 5,000,000 円 × 0.250% × 262日 ÷ 365 = 8,972 円」) and the total."""
    additional = statement.additional
    lines = [
        f"{part.label} {_product(part.amount, part.quote)} = {yen(part.quote.computed)}"
        for part in additional.parts
    ]
    return [*lines, f"合計 {yen(additional.computed)} → {yen(additional.fee)}"]


def rows(statement: FeeStatementData) -> list[tuple[str, str]]:
    content, quote = statement.content, statement.quote
    if statement.additional is not None:
        start, end = fee_period(content)
        return [
            ("保証契約番号", content["number"]),
            ("商品名", f"{content['product_name']}（変更{kanji_number(content['change_no'])}）"),
            ("保証契約者", f"{content['contractor_address']}\n{content['contractor_name']}"),
            ("被保証者", content["beneficiary"]),
            ("工事名", content["work_name"]),
            ("保証金額（変更後）", yen(content["guarantee_amount"])),
            ("保証期限（変更後）", wareki(end)),
            (rate_label(quote), rate_percent(quote.annual_rate)),
            ("追加保証料", yen(statement.additional.fee)),
        ]
    minimum = [("最低保証料", yen(quote.minimum_fee))] if quote.minimum_fee or not quote.flat else []
    return [
        ("保証契約番号", content["number"]),
        ("商品名", content["product_name"]),
        ("保証契約者", f"{content['contractor_address']}\n{content['contractor_name']}"),
        ("被保証者", content["beneficiary"]),
        ("工事名", content["work_name"]),
        ("保証金額", yen(content["guarantee_amount"])),
        ("保証期間", f"{wareki(quote.start)}{PERIOD_SEPARATOR}{wareki(quote.end)}（{quote.days}日）"),
        (rate_label(quote), rate_percent(quote.annual_rate)),
        *minimum,
        ("保証料", yen(quote.fee)),
    ]


def _label(text: str):
    return para(text) if "（" in text else Spread(text, LABEL_TEXT_WIDTH)


def _table(statement: FeeStatementData) -> Table:
    data = [[_label(label), para(value)] for label, value in rows(statement)]
    data[-1][1] = para(rows(statement)[-1][1], "strong", fontSize=14, leading=20)
    table = Table(data, colWidths=[LABEL_COLUMN, CONTENT_WIDTH - LABEL_COLUMN])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, colors.black),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BACKGROUND),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 5 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
            ]
        )
    )
    return table


def _header(statement: FeeStatementData) -> Table:
    content = statement.content
    branch = [
        para(f"取扱箇所　{content['branch_name']}", "small"),
        para(f"TEL：{content['branch_tel']}", "small"),
    ]
    data = [
        [
            para(f"{content['contractor_name']}　様", fontSize=12, leading=18),
            "",
            para(content["company_name"], fontSize=12, leading=18),
        ],
        ["", "", branch],
    ]
    table = Table(data, colWidths=[85 * mm, CONTENT_WIDTH - 155 * mm, 70 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 0),
                ("LINEBELOW", (0, 0), (0, 0), 0.6, colors.black),
            ]
        )
    )
    return table


def _illustrative_box() -> Table:
    box = Table([[para(ILLUSTRATIVE_NOTE, "warning")]], colWidths=[CONTENT_WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, SPECIMEN_RED),
                ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm),
                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
            ]
        )
    )
    return box


def _intro(statement: FeeStatementData) -> str:
    if statement.additional is None:
        return INTRO
    return ADDITIONAL_INTRO.format(change=kanji_number(statement.content["change_no"]))


def _computation_lines(statement: FeeStatementData) -> list[str]:
    if statement.additional is None:
        return [computation(statement)]
    return additional_computation(statement)


def _formula(statement: FeeStatementData) -> str:
    if statement.quote.flat:
        return FLAT_FORMULA if statement.additional is None else FLAT_ADDITIONAL_FORMULA
    return FORMULA if statement.additional is None else ADDITIONAL_FORMULA


def render_fee_statement(statement: FeeStatementData) -> bytes:
    """The 保証料計算書 of one quote, as PDF bytes."""
    story = [
        para(wareki(statement.date), "right"),
        Spacer(0, 6 * mm),
        para(TITLE, "title"),
        Spacer(0, 8 * mm),
        _header(statement),
        Spacer(0, 8 * mm),
        para(_intro(statement)),
        Spacer(0, 4 * mm),
        _table(statement),
        Spacer(0, 4 * mm),
        *[para(line) for line in _computation_lines(statement)],
        Spacer(0, 2 * mm),
        para(_formula(statement), "small"),
        Spacer(0, 5 * mm),
        para(TAX_NOTE),
    ]
    if statement.quote.illustrative:
        story += [Spacer(0, 6 * mm), _illustrative_box()]
    return build(story, title=TITLE, noun="保証料計算書")
