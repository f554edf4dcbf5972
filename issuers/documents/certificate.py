"""保証証書（前払金保証）/ 保証証書（契約保証）/ 保証証書（中間前払金保証）, electronic and paper, 新規
and 変更N.

Layout and sentences of the certificate screen of the leaflets (seed 003 is the cleanest; 000 and
002 agree): date top right, title, the electronic sentence, the table, the 約款 sentence, the company,
the 取扱箇所 and the notes (注)1 and 2.
"""

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from common.formats import kanji_number, wareki, yen
from issuers.content import CertificateContent, guarantees_advance
from issuers.documents.base import CONTENT_WIDTH, LABEL_BACKGROUND, Spread, build, para

ELECTRONIC_SENTENCE = "保証証書（書面）の発行は行わない電子的な取扱となります"
UNDERTAKING = "当会社は、{clause}に基づき上記のとおり保証契約を締結し、その責に任じます。"
# The intermediate advance is guaranteed under the same 前払金保証約款 as the first advance.
CLAUSES = {"advance": "前払金保証約款", "performance": "契約保証約款", "intermediate": "前払金保証約款"}
# The intermediate advance names the first advance it follows.
ADVANCE_NUMBER_LABEL = "前払金保証"
# The two notes are the leaflets' words. They hold for 契約保証 as they stand (a change of 請負金額
# alone does not touch the guarantee contract; a change of its 保証金額 is a 変更 under note 1), so
# both products print them unchanged (docs/documents.md).
NOTES = [
    "保証契約を変更する場合は、表題の下に変更一の表示と変更の発生番号を付記し、変更後の契約内容を表示します。",
    "請負金額のみの変更の場合は、この保証契約の効力に影響を及ぼさないので、保証契約変更の手続きをとる必要はありません。",
]
PERIOD_SEPARATOR = " ～ "

LABEL_COLUMN = 44 * mm
LABEL_TEXT_WIDTH = 84  # points: the width of 「保証金額（総額）」 at 10.5 pt, so all labels end flush


def title(content: CertificateContent) -> str:
    return f"保証証書（{content['product_name']}）"


def change_line(change_no: int) -> str:
    """「変更一　変更の発生番号：1」 under the title of the N-th change; "" for 新規."""
    if not change_no:
        return ""
    return f"変更{kanji_number(change_no)}　変更の発生番号：{change_no}"


def period(start, end) -> str:
    return f"{wareki(start)}{PERIOD_SEPARATOR}{wareki(end)}"


def rows(content: CertificateContent) -> list[tuple[str, str]]:
    """The table of the certificate as (label, value); values may hold line breaks."""
    advance = guarantees_advance(content)
    contractor = content["contractor_name"]
    if content.get("jv_name"):
        contractor = f"{content['jv_name']}\n代表者　{contractor}"
    result = [
        ("保証契約番号", content["number"]),
        ("保証契約者", f"{content['contractor_address']}\n{contractor}"),
        ("被保証者", content["beneficiary"]),
        # The 契約保証's analogue of the advance certificate's 保証金額（総額） is plain 保証金額 (spec §8).
        (
            "保証金額（総額）" if content["product"] == "advance" else "保証金額",
            yen(content["guarantee_amount"]),
        ),
        (
            ("保証期限", wareki(content["guarantee_deadline"]))
            if advance
            else (
                "保証期間",
                period(
                    content["guarantee_period_start"] or content["period_start"],
                    content["guarantee_deadline"],
                ),
            )
        ),
        ("工事名", content["work_name"]),
        ("請負金額（総額）", yen(content["contract_amount"])),
        ("工期", period(content["period_start"], content["period_end"])),
        ("請負契約日", wareki(content["contract_date"])),
    ]
    if advance:
        result.append(("預託金融機関", content["deposit_bank"]))
    if content.get("advance_number"):
        result.append((ADVANCE_NUMBER_LABEL, f"保証契約番号　{content['advance_number']}"))
    return result


def _label(text: str):
    # 均等割付 for plain labels; the ones with a parenthesis are set as they are, like the leaflets.
    return para(text) if "（" in text else Spread(text, LABEL_TEXT_WIDTH)


def _table(content: CertificateContent) -> Table:
    data = [[_label(label), para(value)] for label, value in rows(content)]
    table = Table(data, colWidths=[LABEL_COLUMN, CONTENT_WIDTH - LABEL_COLUMN])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, colors.black),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BACKGROUND),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 5 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 1.9 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.9 * mm),
            ]
        )
    )
    return table


def _electronic_box() -> Table:
    box = Table([[para(ELECTRONIC_SENTENCE, "center")]], colWidths=[112 * mm])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
            ]
        )
    )
    return box


def _company(content: CertificateContent) -> Table:
    lines = [
        para(content["company_address"]),
        para(content["company_name"], fontSize=13, leading=20),
        para(f"{content['company_president_title']}　{content['company_president_name']}"),
    ]
    table = Table([[line] for line in lines], colWidths=[84 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _branch(content: CertificateContent) -> Table:
    lines = [f"取扱箇所　{content['branch_name']}", f"TEL：{content['branch_tel']}"]
    if content.get("branch_fax"):
        lines.append(f"FAX：{content['branch_fax']}")
    table = Table([[para(line, "small")] for line in lines], colWidths=[84 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5 * mm),
            ]
        )
    )
    return table


def _notes() -> Table:
    data = [
        [para("（注）" if number == 1 else "", "small"), para(f"{number}.", "small"), para(text, "small")]
        for number, text in enumerate(NOTES, start=1)
    ]
    table = Table(data, colWidths=[11 * mm, 5 * mm, CONTENT_WIDTH - 16 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def render_certificate(content: CertificateContent) -> bytes:
    """The certificate of one version as PDF bytes; `content` is the version's frozen content."""
    story = [
        para(wareki(content["issue_date"]), "right"),
        Spacer(0, 4 * mm),
        para(title(content), "title"),
    ]
    if content.get("change_no"):
        story += [para(change_line(content["change_no"]), "center", fontSize=12, leading=18)]
    if content["format"] == "electronic":
        story += [Spacer(0, 2 * mm), _electronic_box()]
    story += [
        Spacer(0, 6 * mm),
        _table(content),
        Spacer(0, 5 * mm),
        para(UNDERTAKING.format(clause=CLAUSES[content["product"]])),
        Spacer(0, 6 * mm),
        _company(content),
        Spacer(0, 6 * mm),
        _branch(content),
        Spacer(0, 6 * mm),
        _notes(),
    ]
    return build(story, title=title(content), noun="保証証書")
