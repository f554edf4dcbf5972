"""A 変更 that raises the guarantee or lengthens the term produces a 保証料計算書 for the additional fee
(追加保証料), listed in Net Desk's 保証料計算書一覧; other changes and 訂正 produce none.

Rates of tests/conftest.py (前払金保証 0.250% a year). Issued 2026-06-01 with 保証期限 2027-03-19; the
change is made on 2026-07-01 (Japan time)."""

import datetime
import io

import pytest
from pypdf import PdfReader

from issuers.models import FeeStatement
from tests.netdesk.contracts_helpers import change, correct

CHANGE_DAY = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))


@pytest.fixture
def changed_later(advance_a, time_machine):
    time_machine.move_to(CHANGE_DAY, tick=False)
    return advance_a


def statement_of(version) -> FeeStatement | None:
    return FeeStatement.objects.filter(version=version).first()


def pdf_text(statement) -> str:
    with statement.pdf.open("rb") as handle:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def test_a_raised_guarantee_is_charged_on_the_increase_from_the_change_day(changed_later, clerk_x):
    version = change(changed_later, clerk_x, guarantee_amount=25_000_000)
    statement = statement_of(version)
    # 5,000,000 × 0.250% × 262 days (2026-07-01 … 2027-03-19) ÷ 365 = 8,972 → 8,970
    assert statement.fee == 8_970
    assert statement.minimum_fee == 0  # the minimum fee was charged at issue
    text = pdf_text(statement)
    assert "追加保証料" in text and "変更一" in text
    assert "5,000,000 円 × 0.250% × 262日 ÷ 365 = 8,972 円" in text


def test_a_longer_term_is_charged_on_the_amount_for_the_added_days(changed_later, clerk_x):
    version = change(changed_later, clerk_x, period_end=datetime.date(2027, 4, 30))
    # 20,000,000 × 0.250% × 42 days (2027-03-20 … 2027-04-30) ÷ 365 = 5,753 → 5,750
    assert statement_of(version).fee == 5_750
    assert "20,000,000 円 × 0.250% × 42日 ÷ 365 = 5,753 円" in pdf_text(statement_of(version))


def test_both_are_added_up(changed_later, clerk_x):
    version = change(
        changed_later, clerk_x, guarantee_amount=25_000_000, period_end=datetime.date(2027, 4, 30)
    )
    # 5,000,000 × 304 days (2026-07-01 … 2027-04-30) = 10,410.9; 20,000,000 × 42 days = 5,753.4
    assert statement_of(version).fee == (10_410 + 5_753) // 10 * 10


@pytest.mark.parametrize(
    "fields",
    [
        {"work_name": "中小谷地区道路改良工事（変更）"},
        {"guarantee_amount": 15_000_000},
        {"period_end": datetime.date(2027, 2, 28)},
    ],
    ids=["name only", "lower guarantee", "shorter term"],
)
def test_a_change_that_adds_no_risk_produces_no_statement(changed_later, clerk_x, fields):
    assert statement_of(change(changed_later, clerk_x, **fields)) is None


def test_a_correction_produces_no_statement(changed_later, clerk_x):
    assert statement_of(correct(changed_later, clerk_x, guarantee_amount=25_000_000)) is None


def test_the_additional_statement_is_listed_in_net_desk(client, contractor_a, changed_later, clerk_x):
    version = change(changed_later, clerk_x, guarantee_amount=25_000_000)
    client.force_login(contractor_a)
    page = client.get("/netdesk/fee-statements/").content.decode()
    statement = statement_of(version)
    assert f"/netdesk/fee-statements/{statement.pk}/pdf/" in page
    assert "前払金保証（変更一）" in page and "8,970 円" in page
