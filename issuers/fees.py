"""The guarantee fee (保証料): a pure computation, and the data a 保証料計算書 is printed from.

    days = (end − start).days + 1                      both ends count
    fee  = max(minimum_fee, floor10(floor(amount × annual_rate × days / 365)))

floor10 rounds down to 10 yen. Whole yen on Decimal, never float; the divisor is always 365, so a
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
    # Decimal // truncates exactly; every operand is positive, so that is the floor.
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
    )


def fee_period(content: CertificateContent) -> tuple[datetime.date, datetime.date]:
    """The period a certificate version's fee is charged for.

    契約保証: its 保証期間 (the 工期). 前払金保証: from the day the guarantee contract is concluded (the
    version's issue date) to its 保証期限, the end of the 工期.
    """
    end = to_date(content["guarantee_deadline"])
    if content["product"] == "performance":
        return to_date(content["guarantee_period_start"] or content["period_start"]), end
    return to_date(content["issue_date"]), end


@dataclass(frozen=True)
class FeeStatementData:
    """What a 保証料計算書 prints: the certificate content it is for and the computed quote."""

    content: CertificateContent
    quote: FeeQuote
    issue_date: datetime.date | str = ""  # defaults to the version's issue date

    @property
    def date(self) -> datetime.date:
        return to_date(self.issue_date or self.content["issue_date"])
