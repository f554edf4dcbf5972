"""保証料計算書一覧 lists the company's fee statements only, newest contract first and, within a contract,
its newest statement (a 変更's 追加保証料) first."""

import datetime

import pytest

from issuers.models import FeeStatement
from tests.netdesk.contracts_helpers import change, issue_application

CHANGE_DAY = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))


@pytest.fixture
def issued_b(issue_day, fee_rates, company_b, contractor_b, body_p, branch_x, clerk_x):
    return issue_application(
        company=company_b, contractor=contractor_b, body=body_p, branch=branch_x, clerk=clerk_x
    )


def pdf_links(page: str, statements) -> list[int]:
    """The statements' positions in the page, in the order of the page."""
    found = {s.pk: page.find(f"/netdesk/fee-statements/{s.pk}/pdf/") for s in statements}
    return [pk for pk, at in sorted(found.items(), key=lambda item: item[1]) if at >= 0]


def test_another_companys_statements_are_never_listed(client, contractor_a, issued_a, issued_b):
    client.force_login(contractor_a)
    page = client.get("/netdesk/fee-statements/").content.decode()
    own = FeeStatement.objects.filter(contract__in=[r.contract for r in issued_a])
    theirs = FeeStatement.objects.filter(contract__in=[r.contract for r in issued_b])
    assert own.exists() and theirs.exists()
    assert set(pdf_links(page, own)) == {s.pk for s in own}
    assert pdf_links(page, theirs) == []
    assert client.get(f"/netdesk/fee-statements/{theirs.first().pk}/pdf/").status_code == 404


def test_newest_contract_first_and_its_additional_fee_above_its_first(
    client, contractor_a, issued_a, clerk_x, time_machine
):
    advance, performance = (r.contract for r in issued_a)
    time_machine.move_to(CHANGE_DAY, tick=False)
    change(advance, clerk_x, guarantee_amount=25_000_000)
    statements = FeeStatement.objects.filter(contract__in=[advance, performance])
    newest_contract, older_contract = sorted([advance, performance], key=lambda c: -c.pk)
    expected = [
        s.pk
        for contract in (newest_contract, older_contract)
        for s in sorted(contract.fee_statements.all(), key=lambda s: (s.issued_at, s.pk), reverse=True)
    ]
    client.force_login(contractor_a)
    page = client.get("/netdesk/fee-statements/").content.decode()
    assert pdf_links(page, statements) == expected
