"""保証契約番号: the scheme, its check character, and gap-free allocation.

Shape, as on the leaflets (31073-00001M): five digits, a hyphen, five digits and a check character.

    B B P Y Y - S S S S S C
    │ │ │ │ │   │         └ check character (see check_character)
    │ │ │ │ │   └ serial within the series, from 00001, gap-free
    │ │ │ └─┴ fiscal year (April–March) as its 令和 year: FY2026 → 08
    │ │ └ product: 1 前払金保証, 2 契約保証, 3 中間前払金保証
    └─┴ branch code (issuers.Branch.code)

The 中間前払金保証 is its own guarantee contract with its own series (digit 3), not a sub-number of
the first advance's: docs/issuance.md says why. A series is (branch, product, fiscal year); ContractCounter holds its last serial. The shape and the
check character are common.contract_numbers' (D-Sure checks typed numbers with the same rule).
"""

import datetime

from common.contract_numbers import check_character
from issuers.models import Branch, ContractCounter, Product

PRODUCT_DIGITS = {Product.ADVANCE: "1", Product.PERFORMANCE: "2", Product.INTERMEDIATE: "3"}
REIWA_EPOCH = 2018  # 令和1年 = 2019


def fiscal_year(day: datetime.date) -> int:
    """The fiscal year (April–March) a day falls in, as the calendar year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def format_number(*, branch_code: str, product: str, fiscal_year: int, serial: int) -> str:
    prefix = f"{branch_code}{PRODUCT_DIGITS[product]}{(fiscal_year - REIWA_EPOCH) % 100:02d}"
    body = f"{serial:05d}"
    return f"{prefix}-{body}{check_character(prefix + body)}"


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
