"""The guarantee fee: days = (end − start) + 1; fee = max(minimum, floor10(floor(amount × rate × days / 365)))."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuers.fees import FeeQuote, compute_fee, fee_period
from issuers.models import FeeRate

D = datetime.date


def rate(product="advance", annual="0.00250", minimum=3000, illustrative=True) -> FeeRate:
    # An unsaved row: compute_fee is pure and never touches the database.
    return FeeRate(
        product=product, annual_rate=Decimal(annual), minimum_fee=minimum, illustrative=illustrative
    )


def fee(amount, start, end, **rate_kwargs) -> FeeQuote:
    r = rate(**rate_kwargs)
    return compute_fee(product=r.product, guarantee_amount=amount, start=start, end=end, rate=r)


def test_the_sample_advance_guarantee():
    # 20,000,000 × 0.25% × 327 / 365 = 44,794.52… → 44,794 → 44,790 円
    quote = fee(20_000_000, D(2026, 4, 27), D(2027, 3, 19))
    assert quote.days == 327
    assert quote.computed == 44_794
    assert quote.fee == 44_790
    assert quote.annual_rate == Decimal("0.00250")
    assert quote.minimum_fee == 3000
    assert quote.illustrative is True
    assert (quote.start, quote.end) == (D(2026, 4, 27), D(2027, 3, 19))


def test_the_sample_performance_guarantee_over_the_works_period():
    # 5,000,000 × 0.4% × 323 / 365 = 17,698.63… → 17,690 円
    quote = fee(5_000_000, D(2026, 5, 1), D(2027, 3, 19), product="performance", annual="0.00400")
    assert quote.days == 323
    assert quote.fee == 17_690


def test_a_one_day_period_counts_one_day_and_costs_the_minimum():
    quote = fee(20_000_000, D(2026, 5, 1), D(2026, 5, 1))
    assert quote.days == 1
    assert quote.computed == 136  # 20,000,000 × 0.0025 / 365 = 136.98…
    assert quote.fee == 3000


def test_the_minimum_applies_when_the_computed_fee_is_below_it():
    quote = fee(500_000, D(2026, 5, 1), D(2027, 3, 19), minimum=5000)
    assert quote.computed == 1106
    assert quote.fee == 5000


def test_a_minimum_that_is_not_a_multiple_of_ten_is_kept_as_it_is():
    assert fee(100_000, D(2026, 5, 1), D(2026, 5, 31), minimum=3005).fee == 3005


def test_the_fee_is_rounded_down_to_ten_yen_never_up():
    # 1,000,000 × 1% × 364 / 365 = 9,972.6… : floor to 9,972 then to 9,970 (rounding would give 9,980)
    quote = fee(1_000_000, D(2026, 1, 1), D(2026, 12, 30), annual="0.01000", minimum=0)
    assert (quote.days, quote.computed, quote.fee) == (364, 9972, 9970)


def test_an_exact_year_costs_exactly_the_annual_rate():
    quote = fee(1_000_000, D(2026, 1, 1), D(2026, 12, 31), annual="0.01000", minimum=0)
    assert (quote.days, quote.fee) == (365, 10_000)


def test_a_leap_year_has_366_days_divided_by_365():
    quote = fee(36_500_000, D(2028, 1, 1), D(2028, 12, 31), annual="0.01000", minimum=0)
    assert quote.days == 366
    assert quote.fee == 366_000  # 36,500,000 × 1% × 366 / 365


def test_february_29_is_a_day_of_the_period():
    assert fee(1_000_000, D(2028, 2, 28), D(2028, 3, 1)).days == 3
    assert fee(1_000_000, D(2027, 2, 28), D(2027, 3, 1)).days == 2


def test_whole_yen_without_float_error():
    # 11,315,000 × 0.333% × 100 / 365 is exactly 10,323; in float it is 10,322.999999999998.
    quote = fee(11_315_000, D(2026, 1, 1), D(2026, 4, 10), annual="0.00333", minimum=0)
    assert quote.days == 100
    assert 11_315_000 * 0.00333 * 100 / 365 < 10_323  # what float arithmetic would floor to 10,322
    assert quote.computed == 10_323
    assert quote.fee == 10_320


def test_whole_yen_on_large_amounts():
    quote = fee(12_345_678_901, D(2026, 1, 1), D(2028, 9, 26), annual="0.00333", minimum=0)
    exact = Fraction(12_345_678_901) * Fraction("0.00333") * quote.days / 365
    assert quote.days == 1000
    assert quote.computed == int(exact)
    assert quote.fee == int(exact) // 10 * 10


def test_dates_may_be_iso_strings_as_in_certificate_content():
    assert fee(20_000_000, "2026-04-27", "2027-03-19").fee == 44_790


@pytest.mark.parametrize(
    ("amount", "start", "end", "message"),
    [
        (20_000_000, D(2027, 3, 20), D(2027, 3, 19), "ends before"),
        (0, D(2026, 5, 1), D(2027, 3, 19), "positive"),
        (-1, D(2026, 5, 1), D(2027, 3, 19), "positive"),
        (1.5, D(2026, 5, 1), D(2027, 3, 19), "whole yen"),
        (True, D(2026, 5, 1), D(2027, 3, 19), "whole yen"),
    ],
)
def test_impossible_input_is_refused(amount, start, end, message):
    with pytest.raises(ValueError, match=message):
        fee(amount, start, end)


def test_the_rate_of_another_product_is_refused():
    with pytest.raises(ValueError, match="rate is for performance"):
        compute_fee(
            product="advance",
            guarantee_amount=20_000_000,
            start=D(2026, 5, 1),
            end=D(2027, 3, 19),
            rate=rate(product="performance"),
        )


def test_a_real_rate_is_not_marked_illustrative():
    assert fee(20_000_000, D(2026, 5, 1), D(2027, 3, 19), illustrative=False).illustrative is False


@given(
    amount=st.integers(min_value=1, max_value=10**12),
    annual=st.decimals(min_value=0, max_value=Decimal("0.1"), places=5),
    minimum=st.integers(min_value=0, max_value=100_000),
    start=st.dates(min_value=D(2019, 5, 1), max_value=D(2040, 12, 31)),
    length=st.integers(min_value=0, max_value=3650),
)
def test_the_formula_holds_for_any_input(amount, annual, minimum, start, length):
    end = start + datetime.timedelta(days=length)
    quote = fee(amount, start, end, annual=str(annual), minimum=minimum)
    exact = Fraction(amount) * Fraction(annual) * (length + 1) / 365
    assert quote.days == length + 1
    assert quote.computed == int(exact)
    assert quote.fee == max(minimum, int(exact) // 10 * 10)
    assert quote.fee >= minimum
    assert quote.fee == minimum or quote.fee % 10 == 0


def test_fee_period_of_an_advance_guarantee_runs_from_issue_to_the_deadline():
    content = {
        "product": "advance",
        "issue_date": "2026-04-27",
        "period_start": "2026-05-01",
        "guarantee_period_start": "",
        "guarantee_deadline": "2027-03-19",
    }
    assert fee_period(content) == (D(2026, 4, 27), D(2027, 3, 19))


def test_fee_period_of_a_performance_guarantee_is_its_guarantee_period():
    content = {
        "product": "performance",
        "issue_date": "2026-04-27",
        "period_start": "2026-05-01",
        "guarantee_period_start": "2026-05-01",
        "guarantee_deadline": "2027-03-19",
    }
    assert fee_period(content) == (D(2026, 5, 1), D(2027, 3, 19))
