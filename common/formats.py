"""Japanese formats used on documents and pages: era dates, yen, kanji numerals, percentages.

Pure functions without Django, so PDFs, templates (common.templatetags.jp) and D-Sure share them.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

# (first day, era name), newest first. Dates are zero-padded as on the leaflets: 令和08年04月01日.
ERAS = [
    (datetime.date(2019, 5, 1), "令和"),
    (datetime.date(1989, 1, 8), "平成"),
    (datetime.date(1926, 12, 25), "昭和"),
]

KANJI_DIGITS = "〇一二三四五六七八九"


def to_date(value: datetime.date | str) -> datetime.date:
    """A date from a date, a datetime (its own date) or an ISO string ("2026-04-01")."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        return datetime.date.fromisoformat(value.strip()[:10])
    raise TypeError(f"not a date: {value!r}")


def wareki(value: datetime.date | str | None) -> str:
    """ "令和08年04月01日" for 2026-04-01; "平成31年04月30日" for 2019-04-30; "" for an empty value.

    The first year of an era is printed "01" (not 元年), keeping every date the same width.
    """
    if value is None or value == "":
        return ""
    day = to_date(value)
    for start, era in ERAS:
        if day >= start:
            return f"{era}{day.year - start.year + 1:02d}年{day.month:02d}月{day.day:02d}日"
    raise ValueError(f"no Japanese era for {day.isoformat()}")


# Every amount anyone enters (Net Desk's application and 変更, the clerk's 訂正, the issue service): far
# above any public work, inside a bigint, and below 2**53 so the JSON API's integers stay exact.
MAX_YEN = 10**13 - 1  # 9,999,999,999,999 円


def yen_amount_error(amount: int) -> str:
    """The message for an amount outside 1 … MAX_YEN, or "" when it is within."""
    if amount < 1:
        return "1円以上の金額を入力してください。"
    if amount > MAX_YEN:
        return f"金額は{MAX_YEN:,}円以下で入力してください。"
    return ""


def yen(amount: int | Decimal | None) -> str:
    """ "20,000,000 円" — whole yen with separators and a space before 円, as on the leaflets."""
    if amount is None or amount == "":
        return ""
    return f"{int(amount):,} 円"


def kanji_number(n: int) -> str:
    """Kanji numeral as in 「変更一」: 1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 百五, 2026 → 二千二十六."""
    n = int(n)
    if n < 0:
        raise ValueError("kanji_number takes a non-negative integer")
    if n == 0:
        return KANJI_DIGITS[0]
    if n >= 10000:
        raise ValueError("kanji_number supports numbers below 10000")
    parts = []
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        digit, n = divmod(n, unit_value)
        if digit:
            parts.append(("" if digit == 1 else KANJI_DIGITS[digit]) + unit)
    if n:
        parts.append(KANJI_DIGITS[n])
    return "".join(parts)


def percent(numerator, denominator, places: int = 1) -> str:
    """ "40.0%" for 20,000,000 of 50,000,000; "0.0%" when the denominator is missing or zero.

    Rounded half up on Decimal (no float). The ratio shown beside the amounts on Net Desk's form:
    static/js/application.js computes the same figure with BigInt, to the last digit.
    """
    if not denominator or numerator in (None, ""):
        return f"{Decimal(0):.{places}f}%"
    ratio = Decimal(str(numerator)) * 100 / Decimal(str(denominator))
    return f"{ratio.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


def rate(ratio: Decimal) -> str:
    """An ordering body's ratio as its rules state it: Decimal("0.400") → "40%", Decimal("0.333") → "33.3%"."""
    return percent(ratio, 1).replace(".0%", "%")


def fee_rate(annual_rate: Decimal) -> str:
    """A 保証料率 as the 保証料計算書 prints it, to a thousandth of a percent: Decimal("0.00250") → "0.250%"."""
    return percent(annual_rate, 1, places=3)
