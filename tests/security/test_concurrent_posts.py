"""Ten identical POSTs at the same moment (a double click times five, a resent form, ten tabs): one
object, one set of events, one e-mail. Ten threads, each with its own test client and its own
PostgreSQL connection, wait on a barrier and POST together; the row locks and unique keys of the
services must do the rest.

PostgreSQL only: SQLite serialises every writer (IMMEDIATE transactions), so nothing runs at once."""

import datetime
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from issuers.models import GuaranteeContract, OutboundMail
from netdesk.models import Application, ApplicationEvent, ProductRequest, Status
from tests import factories
from tests.netdesk.application_data import valid_post

THREADS = 10
NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers need PostgreSQL (SQLite serialises them); set DATABASE_URL",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=True)


def clients(user) -> list[Client]:
    """One logged-in client (one session) per thread."""
    result = []
    for _ in range(THREADS):
        client = Client()
        client.force_login(user)
        result.append(client)
    return result


def all_at_once(clients, post):
    """Run post(client) in one thread per client, released together; each thread closes its own
    database connection at its end."""
    barrier = threading.Barrier(len(clients))

    def run(client):
        try:
            barrier.wait(timeout=30)
            return post(client)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(run, clients))


def test_ten_identical_new_application_posts_create_one_draft(contractor_a, company_a, body_p, branch_x):
    token = str(uuid.uuid4())
    data = valid_post(body_p, branch_x, client_token=token, work_name="同時送信試験工事")

    responses = all_at_once(clients(contractor_a), lambda c: c.post("/netdesk/applications/new/", data))

    application = Application.objects.get()  # exactly one, whoever won
    assert str(application.client_token) == token
    assert application.work_name == "同時送信試験工事"
    assert ProductRequest.objects.filter(application=application).count() == 2
    assert ApplicationEvent.objects.filter(action="create").count() == 1
    assert {r.status_code for r in responses} == {302}
    assert {r["Location"] for r in responses} == {f"/netdesk/applications/{application.pk}/edit/"}


def test_ten_identical_submits_send_the_draft_once(contractor_a, company_a, body_p, branch_x):
    draft = factories.ApplicationFactory(
        company=company_a, created_by=contractor_a, ordering_body=body_p, branch=branch_x
    )
    url = f"/netdesk/applications/{draft.pk}/confirm/"

    responses = all_at_once(clients(contractor_a), lambda c: c.post(url))

    # Every click lands on 送信完了; only one of them sent it.
    assert {(r.status_code, r["Location"]) for r in responses} == {
        (302, f"/netdesk/applications/{draft.pk}/done/")
    }
    assert set(draft.products.values_list("status", flat=True)) == {Status.SUBMITTED}
    submits = ApplicationEvent.objects.filter(application=draft, action="submit")
    assert sorted(submits.values_list("product_request__product", flat=True)) == ["advance", "performance"]


def test_ten_clerks_issuing_the_same_request_make_one_contract_and_one_email(
    fee_rates, company_a, contractor_a, body_p, branch_x, clerk_x, mailoutbox
):
    application = factories.ApplicationFactory(
        company=company_a,
        created_by=contractor_a,
        ordering_body=body_p,
        branch=branch_x,
        submitted_at=timezone.now(),
        products__status=Status.SUBMITTED,
    )
    advance = application.products.get(product="advance")
    url = f"/admin/netdesk/application/{application.pk}/issue/{advance.pk}/"

    responses = all_at_once(clients(clerk_x), lambda c: c.post(url, {"confirm_issue": "発行する"}))

    assert {r.status_code for r in responses} == {302}
    contract = GuaranteeContract.objects.get()
    advance.refresh_from_db()
    assert (advance.status, advance.contract) == (Status.ISSUED, contract)
    assert ApplicationEvent.objects.filter(action="issue").count() == 1
    assert contract.versions.count() == 1 and contract.keys.count() == 1
    queued = OutboundMail.objects.get()
    assert queued.dedup_key == f"issued:{contract.number}"

    call_command("send_outbox")  # the sweeper, after the worker: nothing is sent twice
    queued.refresh_from_db()
    assert queued.sent_at is not None and queued.attempts == 1
    assert len(mail.outbox) == 1
    assert contract.number in mail.outbox[0].subject
    assert mail.outbox[0].to == [application.email]
