"""The D-Sure lookup's cost as the database sees it (issue 15, item 6): at most 8 statements and one
commit per lookup, whatever its outcome, on SQLite and on PostgreSQL (run with DATABASE_URL set), with
the audit sequencer's production interval. The grant still lives in the server-side session and dies
with it; the session is written in the lookup's own commit."""

import json
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit import sequencer
from audit.models import AuditEntry, PendingEntry
from dsure import views
from dsure.access import GRANTS_SESSION_KEY
from dsure.models import Body, Certificate, LookupAttempt
from dsure.services import api_client_create
from tests.dsure.conftest import BODY_P, KEY_P, NUMBER_P, NUMBER_Q, UNKNOWN_NUMBER, lookup

pytestmark = pytest.mark.django_db(transaction=True)  # real commits, as in production

MAX_STATEMENTS = 8
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")
WRITES = ("INSERT", "UPDATE", "DELETE")


class Tally:
    """Every statement the connection sends, and every commit: an explicit COMMIT, or a write sent
    outside a transaction (autocommit)."""

    def __init__(self):
        self.statements: list[str] = []
        self.commits = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITES) and not connection.in_atomic_block:
            self.commits += 1
        return execute(sql, params, many, context)


def measure(client, number, key):
    tally = Tally()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(tally):
        response = client.post("/dsure/", {"number": number, "key": key})
    sqls = [query["sql"].strip() for query in captured.captured_queries]
    tally.statements = [sql for sql in sqls if not sql.upper().startswith(TRANSACTION_CONTROL)]
    tally.commits += sum(sql.upper() == "COMMIT" for sql in sqls)
    tally.locked = any("FOR UPDATE" in sql for sql in sqls) or "BEGIN IMMEDIATE" in sqls
    return response, tally


@pytest.fixture
def paul(client, official_p, cert_p, cert_q, settings, monkeypatch):
    """小谷村's official, logged in, one page seen (the idle expiry's refresh is not due again for a
    minute), with the audit sequencer's production interval and a round just run."""
    settings.AUDIT_SEQUENCE_INTERVAL = 1.0
    monkeypatch.setattr(sequencer, "_last_round", time.monotonic() + 3600)
    client.force_login(official_p)
    assert client.get("/dsure/").status_code == 200
    return client


@pytest.mark.parametrize(
    ("number", "key", "status"),
    [
        (NUMBER_P, KEY_P, 302),  # the first view
        (NUMBER_P, "WrongKey2345", 200),
        (UNKNOWN_NUMBER, KEY_P, 200),
        (NUMBER_Q, KEY_P, 200),  # another body's certificate
        ("12345", KEY_P, 200),  # a malformed number
    ],
    ids=["success", "wrong_key", "unknown_number", "other_body", "malformed"],
)
def test_a_lookup_is_at_most_8_statements_and_one_commit(paul, number, key, status):
    response, tally = measure(paul, number, key)
    assert response.status_code == status
    assert len(tally.statements) <= MAX_STATEMENTS, "\n".join(tally.statements)
    assert tally.commits == 1
    assert tally.locked  # one official's lookups still queue on the official's row
    assert LookupAttempt.objects.count() == 1
    assert AuditEntry.objects.count() == PendingEntry.objects.count() == 1  # queued for the next round


def test_a_second_view_and_a_throttled_attempt_cost_no_more(paul):
    lookup(paul, NUMBER_P, KEY_P)
    response, tally = measure(paul, NUMBER_P, KEY_P)
    assert response.status_code == 302
    assert (len(tally.statements), tally.commits) <= (MAX_STATEMENTS, 1)

    for _ in range(5):
        lookup(paul, NUMBER_P, "WrongKey2345")
    response, tally = measure(paul, NUMBER_P, KEY_P)
    assert response.status_code == 429
    assert len(tally.statements) <= MAX_STATEMENTS, "\n".join(tally.statements)
    assert tally.commits == 1


def test_the_grant_is_committed_with_the_attempt_and_dies_with_the_session(paul, cert_p):
    response, _ = measure(paul, NUMBER_P, KEY_P)
    session = Session.objects.get(session_key=paul.session.session_key)
    assert str(cert_p.public_id) in session.get_decoded()[GRANTS_SESSION_KEY]
    assert paul.get(response.url).status_code == 200

    paul.post("/dsure/logout/")
    assert not Session.objects.filter(session_key=session.session_key).exists()
    paul.force_login(cert_p.body.officials.get().user)
    assert paul.get(response.url).status_code == 404


def test_a_lookup_whose_session_ended_meanwhile_is_refused_and_leaves_nothing(paul, monkeypatch):
    """Logged out in another tab while the lookup ran: a 400, and neither the attempt nor the first
    view is kept, since the grant they came with could not be."""
    lookup_service = views.certificate_lookup

    def logged_out_meanwhile(**kwargs):
        Session.objects.filter(session_key=paul.session.session_key).delete()
        return lookup_service(**kwargs)

    monkeypatch.setattr(views, "certificate_lookup", logged_out_meanwhile)
    assert lookup(paul, NUMBER_P, KEY_P).status_code == 400
    assert not LookupAttempt.objects.exists()
    assert Certificate.objects.get(number=NUMBER_P).first_viewed_at is None


@pytest.mark.parametrize(("key", "status"), [(KEY_P, 200), ("WrongKey2345", 404)], ids=["success", "failure"])
def test_the_verify_api_shares_the_lookup_and_its_single_commit(paul, key, status):
    """An e-contract system's verification runs the same lookup: one commit. A failure stays within the
    page's 8 statements; a success then reads the answer (history, proof bundle), reads only."""
    _, token = api_client_create(body=Body.objects.get(code=BODY_P.code), name="小谷村 電子契約システム")
    tally = Tally()
    payload = json.dumps({"number": NUMBER_P, "key": key})
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(tally):
        response = Client().post(
            "/dsure/api/v1/verify",
            payload,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == status
    sqls = [query["sql"].strip() for query in captured.captured_queries]
    assert tally.commits + sum(sql.upper() == "COMMIT" for sql in sqls) == 1
    if status == 404:
        assert len([sql for sql in sqls if not sql.upper().startswith(TRANSACTION_CONTROL)]) <= MAX_STATEMENTS
