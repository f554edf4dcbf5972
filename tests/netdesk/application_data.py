"""A complete, valid POST of the Net Desk application form (both products, electronic, 小谷村,
長野支店), to be varied field by field in the tests."""

import datetime

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


def valid_post(body, branch, /, **overrides) -> dict:
    data = {
        "work_name": "中小谷地区道路改良工事",
        "work_location": "長野県北安曇郡小谷村大字中小谷地内",
        "ordering_body": str(body.pk),
        "contract_amount": "50,000,000",
        "period_start": "2026-06-15",
        "period_end": "2027-03-19",
        "contract_date": "2026-06-10",
        "advance_planned": "True",
        "jv_name": "",
        "contractor_address": "長野県北安曇郡小谷村大字中小谷1-2-3",
        "contractor_name": "北アルプス建設株式会社",
        "advance_requested": "on",
        "advance_format": "electronic",
        "advance_this_year_amount": "",
        "advance_guarantee_amount": "20,000,000",
        "advance_deposit_bank": "八十二銀行 小谷支店",
        "advance_redeposit": "not_used",
        "advance_payment_method": "lump_sum",
        "advance_fee_billing_to": "北アルプス建設株式会社",
        "advance_fee_statement_paper": "False",
        "performance_requested": "on",
        "performance_format": "electronic",
        "performance_guarantee_amount": "5,000,000",
        "performance_payment_method": "lump_sum",
        "performance_fee_billing_to": "北アルプス建設株式会社",
        "performance_fee_statement_paper": "False",
        "branch": str(branch.pk),
        "notify_issued": "True",
        "email": "soumu@example.com",
        "contact_department": "工務部",
        "contact_title": "課長",
        "contact_person": "見本 三郎",
        "contact_phone": "0261-00-0000",
        "message_to_company": "",
        "action": "save",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data
