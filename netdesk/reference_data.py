"""Reference data from the leaflets (spec §9), loaded by `seed_demo`.

Branch codes are the JIS prefecture codes of their prefecture; ordering-body codes are local-government
codes. Dates not given by the leaflets (渋川市, 富士見町, 白馬村) and all rates are illustrative.
"""

import datetime
from decimal import Decimal

SURETY_COMPANY = {
    "name": "東日本建設業保証株式会社",
    "address": "東京都中央区八丁堀2丁目27番10号",
    "president_title": "取締役社長",
    "president_name": "見本 一郎",
}

# The leaflets give the FAX of 営業部 and 栃木支店 (seed 003); for the other branches they print the
# 取扱箇所 of their sample certificate as 「FAX: 000-000-0000」 (seeds 000 and 002), and so do we.
LEAFLET_FAX_PLACEHOLDER = "000-000-0000"

BRANCHES = [
    {
        "code": "13",
        "name": "営業部",
        "tel": "03-3551-9511",
        "fax": "0120-027-036",
        "email": "",
        "address": "東京都中央区八丁堀2丁目27番10号",
    },
    {
        "code": "20",
        "name": "長野支店",
        "tel": "026-226-7520",
        "fax": LEAFLET_FAX_PLACEHOLDER,
        "email": "ng.mlad1@ejcs.co.jp",
        "address": "長野県長野市",
    },
    {
        "code": "10",
        "name": "群馬支店",
        "tel": "027-252-1661",
        "fax": LEAFLET_FAX_PLACEHOLDER,
        "email": "",
        "address": "群馬県前橋市",
    },
    {
        "code": "04",
        "name": "宮城支店",
        "tel": "022-262-8531",
        "fax": LEAFLET_FAX_PLACEHOLDER,
        "email": "my.mlad1@ejcs.co.jp",
        "address": "宮城県仙台市",
    },
    {
        "code": "09",
        "name": "栃木支店",
        "tel": "028-639-2388",
        "fax": "0120-027-316",
        "email": "",
        "address": "栃木県宇都宮市",
    },
]

ORDERING_BODIES = [
    # code, name, 被保証者, prefecture, e-surety start
    ("900001", "国土交通省", "関東地方整備局長", "東京都", datetime.date(2022, 5, 9)),
    ("040002", "宮城県", "宮城県知事", "宮城県", datetime.date(2023, 4, 1)),
    ("090000", "栃木県", "栃木県知事", "栃木県", datetime.date(2024, 4, 1)),
    ("092029", "足利市", "足利市長", "栃木県", datetime.date(2024, 4, 1)),
    ("092053", "鹿沼市", "鹿沼市長", "栃木県", datetime.date(2024, 4, 1)),
    ("042081", "角田市", "角田市長", "宮城県", datetime.date(2026, 3, 1)),
    ("204862", "小谷村", "小谷村長", "長野県", datetime.date(2026, 4, 1)),
    ("203611", "富士見町", "富士見町長", "長野県", datetime.date(2025, 10, 1)),
    ("102083", "渋川市", "渋川市長", "群馬県", datetime.date(2025, 4, 1)),
    # Not (yet) on 電子保証: paper only, to show the rule.
    ("200000", "長野県", "長野県知事", "長野県", None),
    ("204811", "白馬村", "白馬村長", "長野県", datetime.date(2027, 4, 1)),
]

# Submission rules of the 「認証キー」のお知らせ where the leaflets give them (6. …へのご提出); the other
# bodies keep the defaults (電子メール, 工事の担当課, paper still accepted).
SUBMISSION_RULES = {
    "204862": {  # 小谷村: the PDF attached to an e-mail (seed 000)
        "key_notice_by_email": True,
    },
    "042081": {  # 角田市: by e-mail or the 電子申請システム; paper remains a choice (seed 002, Q1)
        "key_notice_by_email": True,
        "key_notice_by_eapplication": True,
        "submission_notes": "電子保証は受注者の選択肢の拡大であり、従来どおり紙の保証証書も選択できます。",
    },
}

# 中間前金払 (the intermediate advance) per body, where it differs from the defaults (paid; up to 2/10 of
# 請負金額, 6/10 with the first advance; no threshold). The national works' thresholds are public
# (請負金額 ≥ ¥10M and 工期 ≥ 150 days); 小谷村 following them and 富士見町 paying none are illustrative.
INTERMEDIATE_TERMS = {
    "900001": {"intermediate_min_contract_amount": 10_000_000, "intermediate_min_period_days": 150},
    "204862": {"intermediate_min_contract_amount": 10_000_000, "intermediate_min_period_days": 150},
    "203611": {"intermediate_paid": False},
}

FEE_RATES = [
    {"product": "advance", "annual_rate": Decimal("0.00250"), "minimum_fee": 3000},
    {"product": "performance", "annual_rate": Decimal("0.00400"), "minimum_fee": 3000},
    # The 中間前払金保証: a flat 0.065% of the guaranteed amount, whatever the period (public sources).
    {
        "product": "intermediate",
        "annual_rate": Decimal("0.00065"),
        "minimum_fee": 0,
        "flat": True,
        "illustrative": False,
    },
]

# contractor1's work for 小谷村 with an issued 前払金保証 (electronic), half of its 工期 gone: the
# 中間前払金保証 can be applied for on it at once. Dates are relative to the day seed_demo runs.
DEMO_ADVANCE = {
    "username": "contractor1",
    "clerk": "staff-nagano",
    "work_name": "中小谷地区道路改良工事",
    "work_location": "長野県北安曇郡小谷村大字中小谷地内",
    "ordering_body": "204862",
    "contract_amount": 50_000_000,
    "days_since_start": 160,
    "days_to_end": 140,
    "guarantee_amount": 20_000_000,
    "deposit_bank": "八十二銀行　小谷支店",
    "email": "soumu@example.com",
}

COMPANIES = {
    "contractor1": {
        "name": "北アルプス建設株式会社",
        "address": "長野県北安曇郡小谷村大字中小谷1-2-3",
        "representative": "代表取締役 見本 花子",
    },
    "contractor2": {
        "name": "那須野土木株式会社",
        "address": "栃木県宇都宮市見本町4-5-6",
        "representative": "代表取締役 試験 次郎",
    },
}

CLERKS = {"staff-nagano": "長野支店", "staff-tochigi": "栃木支店"}
# username: (ordering body code, family name, given name)
OFFICIALS = {
    "official-otari": ("204862", "中谷", "美咲"),
    "official-tochigi": ("090000", "宇都宮", "健一"),
}
