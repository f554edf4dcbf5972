"""The content of a certificate version, frozen at issue and copied as it is to D-Sure.

A plain JSON-able dict, so D-Sure (which imports nothing from issuers) stores and shows exactly what
was issued. Dates are ISO strings ("2026-04-01"), amounts whole yen as int. Documents, pages and
D-Sure all render from it; none of them looks anything up again.
"""

from typing import NotRequired, TypedDict


class CertificateContent(TypedDict):
    number: str  # 保証契約番号, e.g. "20108-00001K"
    product: str  # "advance" | "performance" | "intermediate"
    product_name: str  # 商品名: "前払金保証" | "契約保証" | "中間前払金保証"
    format: str  # "electronic" | "paper"
    change_no: int  # 0 for 新規; N for 変更N (「変更一」…, with the occurrence number under the title)
    issue_date: str  # the date printed at the top (令和…), the day this version was issued
    contractor_address: str  # 保証契約者 (address)
    contractor_name: str  # 保証契約者 (name); for a JV, its representative
    jv_name: str  # JV名, "" when none
    beneficiary: str  # 被保証者, e.g. "小谷村長"
    ordering_body_name: str  # 発注者名, e.g. "小谷村"
    ordering_body_code: str
    guarantee_amount: int  # 保証金額（総額）
    guarantee_deadline: str  # 前払金保証・中間前払金保証: 保証期限 (= 工期の終期); 契約保証: end of 保証期間
    guarantee_period_start: str  # 契約保証: start of 保証期間 (= 工期の始期); "" for 前払金保証
    work_name: str  # 工事名
    work_location: str  # 工事場所
    contract_amount: int  # 請負金額（総額）
    period_start: str  # 工期 (from)
    period_end: str  # 工期 (to)
    contract_date: str  # 請負契約日
    deposit_bank: str  # 預託金融機関 (前払金保証・中間前払金保証; "" for 契約保証)
    company_name: str  # the surety company
    company_address: str
    company_president_title: str  # 取締役社長
    company_president_name: str
    branch_name: str  # 取扱箇所
    branch_tel: str
    branch_fax: str
    # 中間前払金保証 only: the 保証契約番号 of the first advance's guarantee on the same work.
    advance_number: NotRequired[str]


def guarantees_advance(content) -> bool:
    """前払金保証 and 中間前払金保証 guarantee an advance: a 保証期限 and a 預託金融機関, not a 保証期間."""
    return content["product"] != "performance"
