"""The whole way of an event: a clerk issues a 変更 for a certificate 小谷村 has received, and 小谷村's
e-contract system gets a signed, verifiable message while its officials see the notice; the same when
the certificate expires. The arrows hold: issuers posts to D-Sure, D-Sure tells the body."""

import datetime
import io
import time

import pytest
from django.core.management import call_command
from django.test import Client
from standardwebhooks.webhooks import Webhook

from dsure.events import certificates_expire
from dsure.models import Body
from dsure.services import api_client_create
from issuers import services as issuers_services
from tests.dsure.test_webhooks import Receiver
from tests.netdesk.contracts_helpers import change


def test_a_change_and_the_expiry_reach_the_bodys_system_and_officials(
    advance_a, clerk_x, official_p, settings, time_machine, django_capture_on_commit_callbacks
):
    settings.DEBUG = True  # the receiver listens on plain http://127.0.0.1
    paul = Client()
    paul.force_login(official_p)
    key = issuers_services.current_key(advance_a)
    assert paul.post("/dsure/", {"number": advance_a.number, "key": key}).status_code == 302

    receiver = Receiver()
    token = api_client_create(body=Body.objects.get(code="204862"), name="小谷村 電子契約システム")[1]
    registered = Client(headers={"Authorization": f"Bearer {token}"}).post(
        "/dsure/api/v1/webhooks",
        {"url": receiver.url, "events": ["changed", "expired"]},
        content_type="application/json",
    )
    secret = registered.json()["secret"]

    with django_capture_on_commit_callbacks(execute=True):
        change(advance_a, clerk_x, period_end=datetime.date(2027, 9, 30))
    (message,) = receiver.verified(secret)
    assert (message["type"], message["data"]["number"]) == ("certificate.changed", advance_a.number)
    assert message["data"]["guarantee_deadline"] == "2027-09-30"
    assert key not in receiver.requests[0][1].decode()
    notices = paul.get("/dsure/notices/").content.decode()
    assert advance_a.number in notices and "変更一" in notices

    time_machine.move_to(
        datetime.datetime(2027, 10, 1, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
    )
    with django_capture_on_commit_callbacks(execute=True):
        certificates_expire()
    headers, raw = receiver.requests[-1]
    assert Webhook(secret).verify(raw, headers)["type"] == "certificate.expired"
    receiver.server.shutdown()
    paul.force_login(official_p)
    assert "期限切れ" in paul.get("/dsure/notices/").content.decode()


@pytest.mark.django_db(transaction=True)  # the worker commits and closes connections as in production
def test_with_the_task_worker_a_change_reaches_the_system_within_a_minute(
    advance_a, clerk_x, official_p, settings
):
    """Scaled out (TASKS_BACKEND=database): the delivery waits in the task table until `db_worker` runs
    it — here one batch of the real worker — and the receiver has the message well within a minute."""
    settings.DEBUG = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    paul = Client()
    paul.force_login(official_p)
    paul.post("/dsure/", {"number": advance_a.number, "key": issuers_services.current_key(advance_a)})
    receiver = Receiver()
    token = api_client_create(body=Body.objects.get(code="204862"), name="小谷村 電子契約システム")[1]
    secret = (
        Client(headers={"Authorization": f"Bearer {token}"})
        .post(
            "/dsure/api/v1/webhooks",
            {"url": receiver.url, "events": ["changed"]},
            content_type="application/json",
        )
        .json()["secret"]
    )

    started = time.monotonic()
    change(advance_a, clerk_x, period_end=datetime.date(2027, 9, 30))
    assert receiver.requests == []  # queued, not sent by the clerk's request
    call_command("db_worker", "--batch", "--queue-name", "*", stdout=io.StringIO(), stderr=io.StringIO())
    (message,) = receiver.verified(secret)
    assert message["type"] == "certificate.changed" and time.monotonic() - started < 60
    receiver.server.shutdown()
