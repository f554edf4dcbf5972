"""保証契約番号: the scheme, its check character, and gap-free allocation.

Shape, as on the leaflets (31073-00001M): five digits, a hyphen, five digits and a check character.

    B B P Y Y - S S S S S C
    │ │ │ │ │   │         └ check character (see check_character)
    │ │ │ │ │   └ serial within the series, from 00001, gap-free
    │ │ │ └─┴ fiscal year (April–March) as its 令和 year: FY2026 → 08
    │ │ └ product: 1 前払金保証, 2 契約保証
    └─┴ branch code (issuers.Branch.code)

A series is (branch, product, fiscal year); ContractCounter holds its last serial.
"""

import datetime
import re

from issuers.models import Branch, ContractCounter, Product

PRODUCT_DIGITS = {Product.ADVANCE: "1", Product.PERFORMANCE: "2"}
# 23 letters without I and O (look-alikes of 1 and 0); 23 is prime, which the check relies on.
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXZ"
NUMBER_PATTERN = re.compile(r"^\d{5}-\d{5}[A-Z]$")
REIWA_EPOCH = 2018  # 令和1年 = 2019


def fiscal_year(day: datetime.date) -> int:
    """The fiscal year (April–March) a day falls in, as the calendar year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def check_character(digits: str) -> str:
    """Weighted sum of the ten digits (weights 1..10) modulo 23.

    Every single-digit error changes the sum by w·d with 0 < w, |d| < 23, and every swap of two
    neighbours by ±d: neither is a multiple of the prime 23, so both are always caught.
    """
    total = sum(weight * int(digit) for weight, digit in enumerate(digits, start=1))
    return CHECK_ALPHABET[total % 23]


def format_number(*, branch_code: str, product: str, fiscal_year: int, serial: int) -> str:
    prefix = f"{branch_code}{PRODUCT_DIGITS[product]}{(fiscal_year - REIWA_EPOCH) % 100:02d}"
    body = f"{serial:05d}"
    return f"{prefix}-{body}{check_character(prefix + body)}"


def is_well_formed(number: str) -> bool:
    """Shape and check character right: a mistyped number fails here, before it costs a guess."""
    if not NUMBER_PATTERN.match(number):
        return False
    digits = number[:5] + number[6:11]
    return check_character(digits) == number[-1]


def allocate_number(*, branch: Branch, product: str, on: datetime.date) -> str:
    """Next number of the series. Must run inside the issuing transaction: the counter row stays
    locked until it commits, so concurrent clerks queue here and a rollback gives the serial back."""
    year = fiscal_year(on)
    ContractCounter.objects.get_or_create(branch=branch, product=product, fiscal_year=year)
    counter = ContractCounter.objects.select_for_update().get(
        branch=branch, product=product, fiscal_year=year
    )
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    return format_number(
        branch_code=branch.code, product=product, fiscal_year=year, serial=counter.last_serial
    )
