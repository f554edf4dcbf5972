"""Sample content for the document previews in docs/ (render_samples) and for tests. All invented."""

from decimal import Decimal
from types import SimpleNamespace

from issuers.content import CertificateContent
from issuers.fees import FeeStatementData, compute_fee, fee_period

SAMPLE_KEY = "Z28YUE4J3Bux"
SAMPLE_NUMBERS = {"advance": "20108-00001K", "performance": "20208-00001N", "intermediate": "20308-00001R"}
PRODUCT_NAMES = {"advance": "前払金保証", "performance": "契約保証", "intermediate": "中間前払金保証"}
# (新規, 変更N): the intermediate advance is certified once half of the 工期 has passed.
ISSUE_DATES = {
    "advance": ("2026-04-27", "2026-10-15"),
    "performance": ("2026-04-27", "2026-10-15"),
    "intermediate": ("2026-11-16", "2026-12-15"),
}
GUARANTEE_AMOUNTS = {"advance": 20_000_000, "performance": 5_000_000, "intermediate": 10_000_000}
# The demo rates of netdesk.reference_data: illustrative, not the real tariff.
SAMPLE_RATES = {
    "advance": SimpleNamespace(
        product="advance", annual_rate=Decimal("0.00250"), minimum_fee=3000, illustrative=True
    ),
    "performance": SimpleNamespace(
        product="performance", annual_rate=Decimal("0.00400"), minimum_fee=3000, illustrative=True
    ),
    # Flat, from the public sources (¥10M → ¥6,500).
    "intermediate": SimpleNamespace(
        product="intermediate", annual_rate=Decimal("0.00065"), minimum_fee=0, illustrative=False, flat=True
    ),
}


def sample_content(
    product: str = "advance", fmt: str = "electronic", change_no: int = 0, **overrides
) -> CertificateContent:
    advance = product != "performance"
    content: CertificateContent = {
        "number": SAMPLE_NUMBERS[product],
        "product": product,
        "product_name": PRODUCT_NAMES[product],
        "format": fmt,
        "change_no": change_no,
        "issue_date": ISSUE_DATES[product][1 if change_no else 0],
        "contractor_address": "長野県北安曇郡小谷村大字中小谷1-2-3",
        "contractor_name": "北アルプス建設株式会社",
        "jv_name": "",
        "beneficiary": "小谷村長",
        "ordering_body_name": "小谷村",
        "ordering_body_code": "204862",
        "guarantee_amount": GUARANTEE_AMOUNTS[product] + (2_000_000 if change_no else 0),
        "guarantee_deadline": "2027-03-19",
        "guarantee_period_start": "" if advance else "2026-05-01",
        "work_name": "中小谷地区道路改良工事",
        "work_location": "長野県北安曇郡小谷村大字中小谷地内",
        "contract_amount": 50_000_000 + (5_000_000 if change_no else 0),
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
    if product == "intermediate":
        content["advance_number"] = SAMPLE_NUMBERS["advance"]
    content.update(overrides)
    return content


def sample_fee_statement(product: str = "advance", **overrides) -> FeeStatementData:
    content = sample_content(product, **overrides)
    start, end = fee_period(content)
    quote = compute_fee(
        product=product,
        guarantee_amount=content["guarantee_amount"],
        start=start,
        end=end,
        rate=SAMPLE_RATES[product],
    )
    return FeeStatementData(content=content, quote=quote)
