"""Two clerks pressing 変更を発行 at once, and a contractor's double submit arriving at once, on
PostgreSQL: one change, one request — the row locks of netdesk.services decide."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from issuers.amendments import Amendment
from netdesk import services
from netdesk.models import AmendmentRequest, ProductRequest, Status

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks under real concurrency need PostgreSQL (set DATABASE_URL)",
)

THREADS = 6


def run_at_once(function):
    """Call `function` from THREADS threads released together; returns results or exceptions."""
    barrier = threading.Barrier(THREADS)

    def call(_):
        try:
            barrier.wait()
            return function()
        except Exception as error:  # noqa: BLE001 (the refusals are the point)
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(call, range(THREADS)))


@pytest.mark.django_db(transaction=True)
def test_concurrent_issue_of_one_request_makes_one_change(advance_a, contractor_a, clerk_x):
    amendment = services.amendment_submit(
        product_request=ProductRequest.objects.get(contract=advance_a),
        by=contractor_a,
        client_token=uuid.uuid4(),
        format="electronic",
        terms=Amendment(guarantee_amount=18_000_000),
    )
    results = run_at_once(lambda: services.amendment_issue(amendment=amendment, by=clerk_x))
    issued = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, services.TransitionError)]
    assert len(issued) == 1 and len(refused) == THREADS - 1, results
    assert all("すでに発行済み" in str(error) for error in refused)
    assert advance_a.versions.filter(kind="change").count() == 1
    amendment.refresh_from_db()
    assert amendment.status == Status.ISSUED and amendment.version == issued[0]


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_makes_one_request(advance_a, contractor_a):
    token = uuid.uuid4()
    product_request = ProductRequest.objects.get(contract=advance_a)
    results = run_at_once(
        lambda: services.amendment_submit(
            product_request=product_request,
            by=contractor_a,
            client_token=token,
            format="electronic",
            terms=Amendment(guarantee_amount=18_000_000),
        )
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert len({r.pk for r in results}) == 1
    assert AmendmentRequest.objects.count() == 1
