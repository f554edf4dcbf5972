import datetime

from issuers.services import GuaranteeTerms


def terms(*, branch, body, product="advance", format="electronic", **overrides) -> GuaranteeTerms:
    values = {
        "product": product,
        "format": format,
        "branch": branch,
        "ordering_body": body,
        "contractor_address": "長野県北安曇郡小谷村大字中小谷1-2-3",
        "contractor_name": "北アルプス建設株式会社",
        "jv_name": "",
        "work_name": "中小谷地区道路改良工事",
        "work_location": "長野県北安曇郡小谷村大字中小谷地内",
        "contract_amount": 50_000_000,
        "period_start": datetime.date(2026, 5, 1),
        "period_end": datetime.date(2027, 3, 19),
        "contract_date": datetime.date(2026, 4, 24),
        "guarantee_amount": 20_000_000 if product == "advance" else 5_000_000,
        "deposit_bank": "八十二銀行 小谷支店" if product == "advance" else "",
        "notify_email": "soumu@example.com",
    }
    values.update(overrides)
    return GuaranteeTerms(**values)
