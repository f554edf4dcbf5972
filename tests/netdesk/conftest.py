"""Fixtures of the Net Desk pages after issuance (tests/netdesk/test_contracts*.py, test_amendments*.py):
contractor A's contracts issued through the real services at 2026-06-01 10:00 UTC."""

import pytest

from tests.netdesk.contracts_helpers import NOW, issue_application


@pytest.fixture
def issue_day(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def issued_a(issue_day, fee_rates, company_a, contractor_a, body_p, branch_x, clerk_x):
    """Contractor A's electronic 前払金保証 and 契約保証 for 小谷村, issued by 長野支店."""
    return issue_application(
        company=company_a, contractor=contractor_a, body=body_p, branch=branch_x, clerk=clerk_x
    )


@pytest.fixture
def advance_a(issued_a):
    return issued_a[0].contract


@pytest.fixture
def paper_a(issue_day, fee_rates, company_a, contractor_a, body_paper_only, branch_x, clerk_x):
    """Contractor A's paper contracts for 長野県 (not an e-surety ordering body)."""
    advance, _ = issue_application(
        company=company_a,
        contractor=contractor_a,
        body=body_paper_only,
        branch=branch_x,
        clerk=clerk_x,
        format="paper",
        work_name="県道見本線舗装工事",
    )
    return advance.contract
