"""Webhooks for the bodies' e-contract systems (Standard Webhooks): registered through the API, each
event delivered once per subscribed endpoint, signed so that a receiver using the `standardwebhooks`
library accepts it (and refuses it tampered or stale), retried then failed without holding up other
endpoints, resent by the operator under the same id; another body's systems receive nothing."""

import datetime
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.test import Client
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from audit.models import AuditEntry
from dsure.deliveries import RETRY_SCHEDULE, deliveries_due, delivery_resend
from dsure.events import certificate_event_raise
from dsure.models import ApiClient, Body, CertificateEvent, Delivery, PostedVersion, WebhookEndpoint
from dsure.services import api_client_create, api_client_revoke
from tests.dsure.conftest import BODY_P, BODY_Q, KEY_P, KEY_Q, NUMBER_P, NUMBER_Q, TOKYO, lookup, post
from tests.dsure.test_api import conforms
from tests.dsure.test_notices import closed_port

Kind = PostedVersion.Kind
WEBHOOKS = "/dsure/api/v1/webhooks"


class Receiver:
    """An e-contract system's webhook receiver on 127.0.0.1: records every request and answers with
    the next of `statuses` (then 204)."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dsure-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verified(self, secret: str) -> list[dict]:
        """Every request as the receiver's code would read it: verified with the library, parsed."""
        return [Webhook(secret).verify(body, headers) for headers, body in self.requests]


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def local_http(settings):
    """Plain http to 127.0.0.1 is allowed only while DEBUG (a receiver tried out locally)."""
    settings.DEBUG = True


def api(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def register(token: str, url: str, events=("changed",)):
    return api(token).post(WEBHOOKS, {"url": url, "events": list(events)}, content_type="application/json")


def token_of(posted) -> str:
    body = Body.objects.get_or_create(code=posted.code, defaults={"name": posted.name})[0]
    return api_client_create(body=body, name=f"{posted.name} 電子契約システム")[1]


@pytest.fixture
def received(paul, cert_p, cert_q, official_q):
    """Both certificates are in their bodies' inboxes (each body's official looked its own up)."""
    lookup(paul, NUMBER_P, KEY_P)
    other = Client()
    other.force_login(official_q)
    lookup(other, NUMBER_Q, KEY_Q)
    return cert_p


def change_p(sequence=2):
    post(
        NUMBER_P,
        BODY_P,
        sequence=sequence,
        kind=Kind.CHANGE,
        change_no=sequence - 1,
        guarantee_amount=25_000_000,
    )


# --- Registration --------------------------------------------------------------------------------------


def test_registering_shows_the_whsec_secret_once_and_keeps_it_encrypted(db, local_http, receiver):
    token = token_of(BODY_P)
    response = register(token, receiver.url, ["changed", "expired"])
    assert response.status_code == 201
    answer = response.json()
    secret = answer["secret"]
    assert secret.startswith("whsec_") and answer["events"] == ["changed", "expired"]
    Webhook(secret)  # a secret the library accepts as it is

    listed = api(token).get(WEBHOOKS).json()["webhooks"]
    assert listed == [{k: v for k, v in answer.items() if k != "secret"}]
    stored = WebhookEndpoint.objects.get()
    assert secret not in stored.secret_ciphertext and secret[6:] not in stored.secret_ciphertext
    assert secret not in json.dumps(list(AuditEntry.objects.values("detail")), ensure_ascii=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://keiyaku.vill.otari.example/hook",
        "ftp://example.com/",
        "https://user:pw@example.com/",
        "hook",
        "",
    ],
)
def test_anything_but_https_is_refused_with_the_reason(db, url):
    response = register(token_of(BODY_P), url)
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        # JSON escapes may name half of a surrogate pair, which no UTF-8 text can hold, or a NUL.
        '{"url": "https://example.com/h", "events": ["\\ud800"]}',
        '{"url": "https://x.jp/\\ud800", "events": ["changed"]}',
        '{"url": "https://x.jp/\\u0000", "events": ["changed"]}',
        '{"url": "https://example.com/h", "events": ["changed\\u0000"]}',
    ],
)
def test_text_that_utf8_cannot_hold_is_a_400(db, raw):
    response = api(token_of(BODY_P)).post(WEBHOOKS, raw, content_type="application/json")
    assert (response.status_code, response.json()["error"]) == (400, "bad_request")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url", ["https://example.com/h?token=s3cret", "https://example.com/h?", "https://key@example.com/h"]
)
def test_a_url_carrying_a_query_or_user_info_is_refused_so_no_secret_reaches_the_audit(db, url):
    response = register(token_of(BODY_P), url)
    assert response.status_code == 400 and response.json()["detail"]
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEntry.objects.filter(action="dsure.webhook.create").exists()


def test_plain_http_to_localhost_only_while_debug(db, settings, receiver):
    token = token_of(BODY_P)
    settings.DEBUG = False
    assert register(token, receiver.url).json()["detail"] == "送信先URLは https で始まる必要があります。"
    settings.DEBUG = True
    assert register(token, "http://keiyaku.vill.otari.example/hook").status_code == 400
    assert register(token, receiver.url).status_code == 201


def test_unknown_events_bad_bodies_and_missing_tokens_are_refused(db):
    token = token_of(BODY_P)
    assert register(token, "https://example.com/h", ["changed", "viewed"]).status_code == 400
    assert register(token, "https://example.com/h", []).status_code == 400
    assert api(token).post(WEBHOOKS, "[]", content_type="application/json").status_code == 400
    assert (
        Client()
        .post(
            WEBHOOKS, {"url": "https://example.com/h", "events": ["changed"]}, content_type="application/json"
        )
        .status_code
        == 401
    )
    assert Client().get(WEBHOOKS).status_code == 401


def test_a_client_removes_only_its_own_endpoints(db):
    token_p, token_q = token_of(BODY_P), token_of(BODY_Q)
    endpoint_id = register(token_p, "https://keiyaku.vill.otari.example/hook").json()["id"]
    assert api(token_q).delete(f"{WEBHOOKS}/{endpoint_id}").status_code == 404
    assert api(token_q).get(WEBHOOKS).json() == {"webhooks": []}
    assert api(token_p).delete(f"{WEBHOOKS}/{endpoint_id}").status_code == 204
    assert api(token_p).get(WEBHOOKS).json() == {"webhooks": []}
    assert api(token_p).delete(f"{WEBHOOKS}/{endpoint_id}").status_code == 404


# --- Delivery ------------------------------------------------------------------------------------------


def test_a_change_reaches_the_bodys_system_once_signed_and_verifiable(
    received, local_http, receiver, django_capture_on_commit_callbacks
):
    secret = register(token_of(BODY_P), receiver.url, ["changed"]).json()["secret"]
    elsewhere = Receiver()  # 栃木県's system, subscribed to everything
    register(token_of(BODY_Q), elsewhere.url, [kind.value for kind in CertificateEvent.Kind])
    uninterested = Receiver()  # 小谷村's second system wants only 期限切れ
    register(token_of(BODY_P), uninterested.url, ["expired"])

    with django_capture_on_commit_callbacks(execute=True):
        change_p()

    (message,) = receiver.verified(secret)
    (headers, raw), event = receiver.requests[0], CertificateEvent.objects.get()
    assert headers["webhook-id"] == event.message_id == f"msg_{event.public_id.hex}"
    assert headers["content-type"] == "application/json"
    assert message["type"] == "certificate.changed"
    data = message["data"]
    assert (data["number"], data["event"], data["status"]) == (NUMBER_P, "changed", "valid")
    assert data["version"]["kind"] == "change" and data["version"]["change_no"] == 1
    assert data["guarantee_deadline"] == "2027-03-19" and data["occurred_at"] and data["version"]["posted_at"]
    assert KEY_P.encode() not in raw and b"25000000" not in raw  # no key, no content
    assert elsewhere.requests == [] and uninterested.requests == []
    assert Delivery.objects.get().state == "delivered"
    elsewhere.server.shutdown()
    uninterested.server.shutdown()


def test_a_tampered_or_stale_delivery_fails_verification(
    received, local_http, receiver, django_capture_on_commit_callbacks
):
    secret = register(token_of(BODY_P), receiver.url).json()["secret"]
    with django_capture_on_commit_callbacks(execute=True):
        change_p()
    ((headers, raw),) = receiver.requests
    tampered = raw.replace(b'"valid"', b'"revoked"')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(raw, headers)  # another secret
    with time_machine.travel(datetime.timedelta(minutes=6)), pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(raw, headers)  # replayed six minutes later


def test_the_same_event_is_never_delivered_twice_under_two_ids(
    received, local_http, receiver, django_capture_on_commit_callbacks
):
    secret = register(token_of(BODY_P), receiver.url).json()["secret"]
    receiver.statuses = [503]
    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, tzinfo=TOKYO), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            change_p()
            # The same cause raised again (a retried posting, a second run) is no new event.
            assert (
                certificate_event_raise(certificate=received, kind="changed", dedup_key="version:2") is None
            )
        clock.shift(RETRY_SCHEDULE[0])
        assert deliveries_due() == 1
        # Each attempt is signed anew (its own timestamp); the receiver accepts both as they arrive.
        assert len(receiver.verified(secret)) == 2
    assert [headers["webhook-id"] for headers, _ in receiver.requests] == [
        CertificateEvent.objects.get().message_id
    ] * 2
    assert Delivery.objects.get().state == "delivered"


def test_a_failing_endpoint_is_retried_then_failed_without_holding_up_the_others(
    received, local_http, receiver, django_capture_on_commit_callbacks
):
    dead = f"http://127.0.0.1:{closed_port()}/hook"
    erring = Receiver()
    erring.statuses = [500] * 20
    for url in (dead, erring.url, receiver.url):  # the healthy one last
        register(token_of(BODY_P), url)

    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, tzinfo=TOKYO), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            change_p()
        assert len(receiver.requests) == 1  # delivered at once, whatever the others did
        for wait in RETRY_SCHEDULE:
            assert deliveries_due() == 0  # nothing is due before its time
            clock.shift(wait)
            assert deliveries_due() == 2
        clock.shift(datetime.timedelta(days=2))
        assert deliveries_due() == 0

    states = {
        d.endpoint.url: (d.state, d.attempts, d.last_error)
        for d in Delivery.objects.select_related("endpoint")
    }
    assert states == {
        dead: ("failed", 8, "ConnectionError"),
        erring.url: ("failed", 8, "HTTP 500"),
        receiver.url: ("delivered", 1, ""),
    }
    assert len(erring.requests) == 8 and len(receiver.requests) == 1
    erring_log = Delivery.objects.get(endpoint__url=erring.url).attempt_log.all()
    assert [attempt.response_status for attempt in erring_log] == [500] * 8
    erring.server.shutdown()


def test_the_operator_resends_a_failed_delivery_from_the_admin_under_the_same_id(
    received, local_http, receiver, superuser, django_capture_on_commit_callbacks
):
    secret = register(token_of(BODY_P), receiver.url).json()["secret"]
    receiver.statuses = [500] * 8
    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, tzinfo=TOKYO), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            change_p()
        for wait in RETRY_SCHEDULE:
            clock.shift(wait)
            deliveries_due()
    delivery = Delivery.objects.get()
    assert delivery.state == "failed"

    admin = Client()
    admin.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/admin/dsure/delivery/", {"action": "resend", "_selected_action": [delivery.pk]}, follow=True
        )
    assert "1件の通知を再送しました。" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and delivery.attempt_log.count() == 9
    ids = {headers["webhook-id"] for headers, _ in receiver.requests}
    assert ids == {delivery.event.message_id} and len(receiver.requests) == 9
    headers, raw = receiver.requests[-1]
    assert Webhook(secret).verify(raw, headers)["data"]["number"] == NUMBER_P
    assert AuditEntry.objects.filter(action="dsure.delivery.resend").count() == 1
    page = admin.get(f"/admin/dsure/delivery/{delivery.pk}/change/").content.decode()
    assert "HTTP 500" in page and secret not in page


def test_a_revoked_client_or_removed_endpoint_receives_nothing_more(
    received, local_http, receiver, django_capture_on_commit_callbacks
):
    token = token_of(BODY_P)
    endpoint_id = register(token, receiver.url).json()["id"]
    api(token).delete(f"{WEBHOOKS}/{endpoint_id}")
    with django_capture_on_commit_callbacks(execute=True):
        change_p()
    assert receiver.requests == [] and not Delivery.objects.exists()


def _cut_off(token: str, how: str) -> str:
    """Cut the body's system off as an operator or the system itself would; the reason it then gets."""
    if how == "client revoked":
        api_client_revoke(api_client=ApiClient.objects.get())
        return "APIクライアントが失効しています。"
    api(token).delete(f"{WEBHOOKS}/{WebhookEndpoint.objects.get().pk}")
    return "Webhook送信先が停止されています。"


@pytest.mark.parametrize("how", ["client revoked", "endpoint removed"])
def test_a_queued_delivery_is_not_sent_once_its_recipient_is_cut_off(
    received, local_http, receiver, how, django_capture_on_commit_callbacks
):
    token = token_of(BODY_P)
    register(token, receiver.url)
    with django_capture_on_commit_callbacks(execute=False):
        change_p()  # queued; the first attempt (or a retry) comes later
    reason = _cut_off(token, how)
    assert deliveries_due() == 1
    delivery = Delivery.objects.get()
    assert receiver.requests == []
    assert (delivery.state, delivery.last_error) == ("failed", reason)  # no retry: it cannot come right
    assert [attempt.error for attempt in delivery.attempt_log.all()] == [reason]


@pytest.mark.parametrize("how", ["client revoked", "endpoint removed"])
def test_the_operators_resend_reaches_no_system_cut_off_since(
    received, local_http, receiver, superuser, how, django_capture_on_commit_callbacks
):
    token = token_of(BODY_P)
    register(token, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        change_p()
    assert len(receiver.requests) == 1
    reason = _cut_off(token, how)
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        delivery_resend(delivery=delivery, by=superuser)
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1
    assert (delivery.state, delivery.last_error) == ("failed", reason)


def test_the_message_matches_the_openapi_description(
    received, local_http, receiver, django_capture_on_commit_callbacks
):
    spec = Client().get("/dsure/api/v1/openapi.json").json()
    secret = register(token_of(BODY_P), receiver.url, ["changed", "revoked"]).json()["secret"]
    with django_capture_on_commit_callbacks(execute=True):
        change_p()
    (message,) = receiver.verified(secret)
    schema = spec["webhooks"]["certificateEvent"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    assert conforms(spec, schema, message) == []
    listed = api(token_of(BODY_P)).get(WEBHOOKS).json()
    assert (
        conforms(
            spec,
            spec["paths"]["/webhooks"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
            listed,
        )
        == []
    )


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("https://127.0.0.1/hook", "送信先が内部ネットワークのアドレスです。"),
        ("https://10.0.0.8/hook", "送信先が内部ネットワークのアドレスです。"),
        ("https://169.254.169.254/latest/meta-data", "送信先が内部ネットワークのアドレスです。"),
        ("https://[::1]/hook", "送信先が内部ネットワークのアドレスです。"),
        ("https://keiyaku.vill.otari.invalid/hook", "送信先のホスト名を解決できません。"),
    ],
)
def test_d_sure_never_sends_into_its_own_network(received, url, error, django_capture_on_commit_callbacks):
    register(token_of(BODY_P), url)
    with django_capture_on_commit_callbacks(execute=True):
        change_p()
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.last_error) == ("pending", error)
    assert delivery.attempt_log.get().response_status is None


def test_a_host_that_rebinds_to_d_sures_own_network_after_the_check_is_not_reached(
    received, monkeypatch, django_capture_on_commit_callbacks
):
    """DNS rebinding: the name answers a public address when it is checked and 127.0.0.1 when the
    request connects. The request must go to the address that was checked, so nothing on this machine
    is ever reached."""
    reached = []
    listener = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    listener.verify_request = lambda request, address: reached.append(address) or False
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    port = listener.server_address[1]
    register(token_of(BODY_P), f"https://rebinding.example:{port}/hook")

    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.216.34"])

    def rebinding_getaddrinfo(host, *args, **kwargs):
        if host != "rebinding.example":
            return real_getaddrinfo(host, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            change_p()
    finally:
        listener.shutdown()
        listener.server_close()
    assert reached == []
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.last_error) == ("pending", "送信先が内部ネットワークのアドレスです。")
