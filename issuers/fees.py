"""The guarantee fee (保証料): a pure computation, and the data a 保証料計算書 is printed from.

    days = (end − start).days + 1                      both ends count
    fee  = max(minimum_fee, floor10(floor(amount × annual_rate × days / 365)))

floor10 rounds down to 10 yen. A flat rate (FeeRate.flat, the 中間前払金保証's 0.065%) ignores the
period: fee = max(minimum_fee, floor10(floor(amount × rate))). Whole yen on Decimal, never float; the divisor is always 365, so a
period of 366 days (a leap year) costs 366/365 of the annual rate. docs/documents.md explains it.

The real tariffs are fixed in each company's approved 約款 and are not public: FeeRate rows are data
an administrator edits, and demo rates are flagged `illustrative` and printed as such.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from common.formats import to_date
from issuers.content import CertificateContent

DAYS_PER_YEAR = 365


@dataclass(frozen=True)
class FeeQuote:
    days: int
    annual_rate: Decimal
    minimum_fee: int
    fee: int
    illustrative: bool
    computed: int  # floor(amount × rate × days / 365) in whole yen, before the 10-yen floor and minimum
    start: datetime.date
    end: datetime.date
    flat: bool = False  # the rate is per guarantee, not per year: days do not enter the fee


def compute_fee(*, product: str, guarantee_amount: int, start, end, rate) -> FeeQuote:
    """The fee for guaranteeing `guarantee_amount` yen from `start` to `end` (dates or ISO strings).

    `rate` is an issuers.models.FeeRate (or anything with product, annual_rate, minimum_fee and
    illustrative); it must be the rate of `product`. Raises ValueError on impossible input.
    """
    start, end = to_date(start), to_date(end)
    if rate.product and str(rate.product) != str(product):
        raise ValueError(f"the rate is for {rate.product}, not {product}")
    if isinstance(guarantee_amount, bool) or int(guarantee_amount) != guarantee_amount:
        raise ValueError("the guarantee amount is whole yen")
    if guarantee_amount <= 0:
        raise ValueError("the guarantee amount must be positive")
    if end < start:
        raise ValueError("the guarantee period ends before it starts")
    annual_rate = Decimal(str(rate.annual_rate))
    if annual_rate < 0 or rate.minimum_fee < 0:
        raise ValueError("rates and minimum fees are never negative")

    days = (end - start).days + 1
    flat = bool(getattr(rate, "flat", False))
    # Decimal // truncates exactly; every operand is positive, so that is the floor.
    if flat:
        computed = int(Decimal(int(guarantee_amount)) * annual_rate // 1)
    else:
        computed = int(Decimal(int(guarantee_amount)) * annual_rate * days // DAYS_PER_YEAR)
    return FeeQuote(
        days=days,
        annual_rate=annual_rate,
        minimum_fee=int(rate.minimum_fee),
        fee=max(int(rate.minimum_fee), computed // 10 * 10),
        illustrative=bool(rate.illustrative),
        computed=computed,
        start=start,
        end=end,
        flat=flat,
    )


def fee_period(content: CertificateContent) -> tuple[datetime.date, datetime.date]:
    """The period a certificate version's fee is charged for.

    契約保証: its 保証期間 (the 工期). 前払金保証 and 中間前払金保証: from the day the guarantee contract is
    concluded (the version's issue date) to its 保証期限, the end of the 工期.
    """
    end = to_date(content["guarantee_deadline"])
    if content["product"] == "performance":
        return to_date(content["guarantee_period_start"] or content["period_start"]), end
    return to_date(content["issue_date"]), end


@dataclass(frozen=True)
class _RateWithoutMinimum:
    product: str
    annual_rate: Decimal
    illustrative: bool
    minimum_fee: int = 0
    flat: bool = False


@dataclass(frozen=True)
class FeePart:
    label: str  # 増額分 / 延長分
    quote: FeeQuote
    amount: int  # the guarantee amount this part is charged on


@dataclass(frozen=True)
class AdditionalFee:
    """追加保証料 of a 変更: the sum of its parts, floored to 10 yen, without a minimum fee (the
    minimum was charged at issue)."""

    parts: tuple[FeePart, ...]

    @property
    def computed(self) -> int:
        return sum(part.quote.computed for part in self.parts)

    @property
    def fee(self) -> int:
        return self.computed // 10 * 10


def additional_fee(*, before: CertificateContent, after: CertificateContent, rate) -> AdditionalFee | None:
    """The additional fee of a 変更 from `before` to `after`, or None when it adds no risk.

    増額分: the increase of the 保証金額, from the change day (or the start of the fee period, if later)
    to the new 保証期限. 延長分: the former 保証金額, for the days the 保証期限 moved later. A lower amount
    or a shorter term is not refunded here. A flat rate charges the increase only: a longer term
    costs nothing more.
    """
    flat = bool(getattr(rate, "flat", False))
    without_minimum = _RateWithoutMinimum(
        product=rate.product, annual_rate=rate.annual_rate, illustrative=rate.illustrative, flat=flat
    )
    product = after["product"]
    new_end, old_end = to_date(after["guarantee_deadline"]), to_date(before["guarantee_deadline"])
    start = max(to_date(after["issue_date"]), fee_period(after)[0])
    parts = []
    increase = int(after["guarantee_amount"]) - int(before["guarantee_amount"])
    if increase > 0 and start <= new_end:
        quote = compute_fee(
            product=product, guarantee_amount=increase, start=start, end=new_end, rate=without_minimum
        )
        parts.append(FeePart(label="増額分", quote=quote, amount=increase))
    if new_end > old_end and not flat:
        amount = int(before["guarantee_amount"])
        quote = compute_fee(
            product=product,
            guarantee_amount=amount,
            start=old_end + datetime.timedelta(days=1),
            end=new_end,
            rate=without_minimum,
        )
        parts.append(FeePart(label="延長分", quote=quote, amount=amount))
    return AdditionalFee(parts=tuple(parts)) if parts else None


@dataclass(frozen=True)
class FeeStatementData:
    """What a 保証料計算書 prints: the certificate content it is for and the computed quote; for a
    変更, the additional fee (`additional`) instead."""

    content: CertificateContent
    quote: FeeQuote
    issue_date: datetime.date | str = ""  # defaults to the version's issue date
    additional: AdditionalFee | None = None

    @property
    def date(self) -> datetime.date:
        return to_date(self.issue_date or self.content["issue_date"])
