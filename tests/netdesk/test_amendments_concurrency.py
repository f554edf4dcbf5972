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


@pytest.mark.django_db(transaction=True)
def test_the_advances_change_and_the_intermediate_issued_at_once_never_both_break_six_tenths(
    client, advance_a, contractor_a, clerk_x, time_machine
):
    """Each alone is within 6/10 (50M: 25M + 0, 20M + 8M); together 33M is not. Whichever clerk is first,
    the other is refused: both take the application's lock before they check the limits."""
    from unittest import mock

    from issuers import services as issuers_services
    from tests.netdesk.test_intermediate import LATER, apply, intermediate_of

    time_machine.move_to(LATER, tick=False)
    apply(client, contractor_a, advance_a, guarantee_amount="8,000,000")
    intermediate = intermediate_of(advance_a)
    amendment = services.amendment_submit(
        product_request=ProductRequest.objects.get(contract=advance_a),
        by=contractor_a,
        client_token=uuid.uuid4(),
        format="electronic",
        terms=Amendment(guarantee_amount=25_000_000),
    )
    barrier = threading.Barrier(2)
    issue, change = issuers_services.contract_issue, issuers_services.contract_change

    def slowly(function):
        # Both checks pass before either writes, unless a lock keeps the second waiting.
        def call(**kwargs):
            threading.Event().wait(0.5)
            return function(**kwargs)

        return call

    def run(operation):
        try:
            barrier.wait()
            return operation()
        except Exception as error:  # noqa: BLE001 (the refusal is the point)
            return error
        finally:
            connection.close()

    with (
        mock.patch.object(issuers_services, "contract_issue", slowly(issue)),
        mock.patch.object(issuers_services, "contract_change", slowly(change)),
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        results = list(
            pool.map(
                run,
                [
                    lambda: services.amendment_issue(amendment=amendment, by=clerk_x),
                    lambda: services.product_request_issue(product_request=intermediate, by=clerk_x),
                ],
            )
        )
    refused = [r for r in results if isinstance(r, services.TransitionError)]
    assert len(refused) == 1, results
    assert "60%（30,000,000 円）" in str(refused[0])
