"""Several clerks issuing at once on PostgreSQL: serials stay distinct and gap-free."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from dsure.models import Certificate as DsureCertificate
from issuers import services
from issuers.models import ContractCounter, GuaranteeContract
from tests.issuers.helpers import terms

THREADS = 8
ISSUES = 200

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks under real concurrency need PostgreSQL (set DATABASE_URL)",
)


@pytest.mark.django_db(transaction=True)
def test_eight_clerks_issuing_200_contracts_get_200_consecutive_serials(
    time_machine, fee_rates, branch_x, body_p, clerk_x
):
    time_machine.move_to(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=True)
    electronic = terms(branch=branch_x, body=body_p, notify_email="")

    def issue(_):
        try:
            return services.contract_issue(terms=electronic, by=clerk_x).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        numbers = list(pool.map(issue, range(ISSUES)))

    serials = sorted(int(number[6:11]) for number in numbers)
    assert serials == list(range(1, ISSUES + 1))
    assert GuaranteeContract.objects.count() == ISSUES
    assert ContractCounter.objects.get().last_serial == ISSUES
    assert DsureCertificate.objects.count() == ISSUES
