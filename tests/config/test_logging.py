"""Logs tell operators what happened (one line per request, one per business event) and never carry
a 認証キー, a password, a session id or a query string, whichever logger wrote them."""

import io
import json
import logging

import pytest

from config.logging import JsonFormatter, RedactFilter, log_event

KEY = "Ab3dEf7GhJkM"  # shaped like a 認証キー
PASSWORD = "Tr0ub4dor&3-horse"


@pytest.fixture
def log_output():
    """What the configured handlers (settings.LOGGING) write, whatever format they use."""
    handlers = [
        h for h in logging.getLogger().handlers if any(isinstance(f, RedactFilter) for f in h.filters)
    ]
    assert handlers, "settings.LOGGING has no redacting handler on the root logger"
    output = io.StringIO()
    previous = [h.setStream(output) for h in handlers]
    yield output
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


@pytest.fixture
def json_lines(log_output):
    """The same, in the production format; returns a function parsing what was written so far."""
    handlers = [
        h for h in logging.getLogger().handlers if any(isinstance(f, RedactFilter) for f in h.filters)
    ]
    previous = [h.formatter for h in handlers]
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
    yield lambda: [json.loads(line) for line in log_output.getvalue().splitlines()]
    for handler, formatter in zip(handlers, previous, strict=True):
        handler.setFormatter(formatter)


def test_each_request_is_one_line_with_path_status_duration_and_user(client, contractor_a, json_lines):
    client.force_login(contractor_a)
    response = client.get("/netdesk/", {"page": "2"})
    [line] = [entry for entry in json_lines() if entry["logger"] == "esurety.request"]
    assert line["method"] == "GET"
    assert line["path"] == "/netdesk/"
    assert line["status"] == response.status_code == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user"] == str(contractor_a.pk)


def test_anonymous_request_is_logged_with_a_dash(client, db, json_lines):
    client.get("/healthz")
    [line] = [entry for entry in json_lines() if entry["logger"] == "esurety.request"]
    assert line["user"] == "-"
    assert line["path"] == "/healthz"


def test_a_key_in_the_query_string_is_never_logged(client, db, log_output):
    client.get(f"/healthz?number=20-0001&key={KEY}")
    client.get(f"/no-such-page/?key={KEY}")  # Django's own "Not Found" warning
    output = log_output.getvalue()
    assert "path=/healthz status=200" in output
    assert "Not Found: /no-such-page/" in output
    assert KEY not in output
    assert "20-0001" not in output  # no query string at all


def test_a_password_posted_to_a_login_form_is_never_logged(client, contractor_a, log_output):
    client.post("/netdesk/login/", {"username": "alice", "password": PASSWORD})
    output = log_output.getvalue()
    assert "path=/netdesk/login/ status=200" in output
    assert "login_failed" in output
    assert PASSWORD not in output


def test_the_session_id_is_never_logged(client, contractor_a, log_output):
    response = client.post("/netdesk/login/", {"username": "alice", "password": "pw"})
    assert response.status_code == 302
    session_id = client.cookies["sessionid"].value
    client.get("/netdesk/", HTTP_COOKIE=f"sessionid={session_id}")
    logging.getLogger("django.security").warning("Suspicious cookie sessionid=%s", session_id)
    output = log_output.getvalue()
    assert f"user={contractor_a.pk}" in output
    assert session_id not in output


def test_business_events_keep_their_fields_but_not_their_secrets(db, json_lines):
    log_event(
        "key_reissued",
        contract="20-2025-0001",
        key=KEY,
        password=PASSWORD,
        session_key="s3ss10n",
        note=f"認証キー：{KEY}",
        context={"csrftoken": "abc", "branch": "長野支店"},
    )
    [entry] = json_lines()
    assert entry["event"] == "key_reissued"
    assert entry["message"] == "key_reissued"
    assert entry["contract"] == "20-2025-0001"
    assert entry["context"]["branch"] == "長野支店"
    assert entry["key"] == entry["password"] == entry["session_key"] == "[redacted]"
    assert entry["context"]["csrftoken"] == "[redacted]"
    assert KEY not in entry["note"]
    assert "s3ss10n" not in json.dumps(entry)


def test_other_loggers_free_text_is_scrubbed_too(db, log_output):
    logging.getLogger("django.server").warning(
        '"%s" %s', f"GET /dsure/?number=20-0001&key={KEY} HTTP/1.1", 404
    )
    logging.getLogger("issuers").info("reissued: key=%s password: %s", KEY, PASSWORD)
    try:
        raise ValueError(f"bad key={KEY}")
    except ValueError:
        logging.getLogger("issuers").exception("failed")
    output = log_output.getvalue()
    assert "GET /dsure/?[redacted] HTTP/1.1" in output
    assert KEY not in output
    assert PASSWORD not in output
    assert "ValueError" in output
