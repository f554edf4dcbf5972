"""The verification API for e-contract systems: the web lookup behind a bearer token. Same input rules,
same throttling, same indistinguishable failure; every attempt logged and audited, never the key."""

import datetime
import json
import logging
import re
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.test import Client

from audit.models import AuditEntry
from dsure.models import ApiClient, Body, Certificate, CertificateEvent, LookupAttempt, PostedVersion
from dsure.services import api_client_create, api_client_revoke
from dsure.transparency import sequence_pending
from tests.dsure.conftest import (
    BODY_P,
    BODY_Q,
    KEY_P,
    KEY_Q,
    NUMBER_P,
    NUMBER_Q,
    UNKNOWN_NUMBER,
    fullwidth,
    lookup,
    make_number,
    post,
)

URL = "/dsure/api/v1/verify"
WRONG = "WrongKey2345"
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def all_logs(caplog):
    """caplog, also fed by the loggers that do not propagate to the root (django, esurety.*)."""
    loggers = [logging.getLogger(name) for name in ("django", "django.request", "esurety.request")]
    for logger in loggers:
        logger.addHandler(caplog.handler)
    with caplog.at_level(logging.DEBUG):
        yield caplog
    for logger in loggers:
        logger.removeHandler(caplog.handler)


def body(posted) -> Body:
    return Body.objects.get_or_create(code=posted.code, defaults={"name": posted.name})[0]


@pytest.fixture
def token_p(db):
    """The bearer token of 小谷村's e-contract system."""
    return api_client_create(body=body(BODY_P), name="小谷村 電子契約システム")[1]


@pytest.fixture
def token_q(db):
    return api_client_create(body=body(BODY_Q), name="栃木県 電子契約システム")[1]


def verify(token, payload, *, client=None, raw=None, **extra):
    """POST like an e-contract system: JSON, a bearer token, no cookies, CSRF checks on."""
    client = client or Client(enforce_csrf_checks=True)
    if token is not None:
        extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    data = raw if raw is not None else json.dumps(payload)
    return client.post(URL, data=data, content_type="application/json", **extra)


# --- success -------------------------------------------------------------------------------------------


def test_a_right_number_and_key_return_the_certificate(frozen, cert_p, token_p):
    response = verify(token_p, {"number": NUMBER_P, "key": KEY_P})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie
    data = response.json()
    assert data["specimen"].startswith("見本")
    assert response["X-Simulation"].startswith("specimen")
    assert {key: data[key] for key in data if key not in ("history", "current", "specimen", "proof")} == {
        "number": NUMBER_P,
        "status": "valid",
        "product": "前払金保証",
        "beneficiary": "小谷村長",
        "guarantee_amount": 20_000_000,
        "guarantee_deadline": "2027-03-19",
        "work_name": "中小谷地区道路改良工事",
    }
    assert data["history"] == [
        {"no": 1, "kind": "new", "change_no": 0, "posted_at": "2026-06-01T10:00:00+09:00"}
    ]
    assert data["current"]["deposit_bank"] == "八十二銀行 小谷支店"
    assert KEY_P not in response.content.decode()


def test_the_current_version_and_the_visible_history_are_returned(frozen, cert_p, token_p):
    Kind = PostedVersion.Kind
    frozen.shift(datetime.timedelta(days=1))
    post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1, guarantee_amount=24_000_000)
    post(NUMBER_P, BODY_P, sequence=3, kind=Kind.CORRECTION, change_no=1, guarantee_amount=25_000_000)
    post(NUMBER_P, BODY_P, sequence=4, kind=Kind.CHANGE, change_no=2, guarantee_deadline="2026-05-31")
    post(NUMBER_P, BODY_P, sequence=5, kind=Kind.CANCELLATION, change_no=2, guarantee_amount=25_000_000)
    data = verify(token_p, {"number": NUMBER_P, "key": KEY_P}).json()
    assert [(h["no"], h["kind"], h["change_no"]) for h in data["history"]] == [
        (1, "new", 0),
        (2, "change", 1),
    ]
    assert data["guarantee_amount"] == 25_000_000
    assert data["status"] == "valid"


def test_after_a_change_and_its_cancellation_the_api_and_the_notice_show_the_restored_version(
    frozen, paul, cert_p, token_p
):
    # One rule for "the current version" (common.certificates): the 変更取消 row itself is never current,
    # even when the content it carries differs from the version it restores.
    Kind = PostedVersion.Kind
    lookup(paul, NUMBER_P, KEY_P)  # in 小谷村's inbox: its events are raised
    frozen.shift(datetime.timedelta(days=1))
    post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1, guarantee_deadline="2027-09-30")
    post(NUMBER_P, BODY_P, sequence=3, kind=Kind.CANCELLATION, change_no=1, guarantee_deadline="2027-09-30")

    answer = verify(token_p, {"number": NUMBER_P, "key": KEY_P}).json()
    notice = CertificateEvent.objects.get(kind="change_cancelled").payload["data"]
    assert answer["guarantee_deadline"] == notice["guarantee_deadline"] == "2027-03-19"
    assert answer["current"]["guarantee_deadline"] == "2027-03-19"
    assert [(h["no"], h["kind"], h["change_no"]) for h in answer["history"]] == [(1, "new", 0)]
    assert (notice["version"]["no"], notice["version"]["kind"], notice["version"]["change_no"]) == (
        1,
        "new",
        0,
    )
    assert notice["version"]["posted_at"] == answer["history"][0]["posted_at"]
    assert Certificate.objects.get(number=NUMBER_P).guarantee_deadline.isoformat() == "2027-03-19"


def test_an_expired_certificate_says_so(frozen, token_p):
    post(NUMBER_P, BODY_P, key=KEY_P, guarantee_deadline="2026-05-31")
    assert verify(token_p, {"number": NUMBER_P, "key": KEY_P}).json()["status"] == "expired"


def test_input_is_as_forgiving_as_on_the_web_page(cert_p, token_p):
    typed = {"number": f"\u3000{fullwidth(NUMBER_P.lower()).replace('-', 'ー')} ", "key": fullwidth(KEY_P)}
    assert verify(token_p, typed).status_code == 200
    assert verify(token_p, {"number": NUMBER_P, "key": KEY_P.swapcase()}).status_code == 404  # case counts


def test_a_verification_is_logged_audited_and_puts_the_certificate_in_the_bodys_inbox(
    frozen, client, official_p, cert_p, token_p
):
    verify(token_p, {"number": NUMBER_P, "key": KEY_P})
    attempt = LookupAttempt.objects.get()
    assert attempt.official is None
    assert attempt.api_client.name == "小谷村 電子契約システム"
    assert (attempt.result, attempt.number, attempt.ip_address) == ("success", NUMBER_P, "127.0.0.1")
    entry = AuditEntry.objects.get(action="dsure.lookup.success")
    assert entry.actor is None
    assert entry.actor_label == "api:204862:小谷村 電子契約システム"
    assert entry.detail["api_client"] == attempt.api_client.pk
    cert_p.refresh_from_db()
    assert cert_p.first_viewed_at is not None and cert_p.first_viewed_by is None
    client.force_login(official_p)
    assert f"/dsure/inbox/{cert_p.public_id}/" in client.get("/dsure/inbox/").content.decode()


def test_the_verification_costs_a_bounded_number_of_queries(cert_p, token_p, django_assert_max_num_queries):
    # the client; savepoint, the client's lock, three reads, two writes, the attempt, the audit entry
    # (chain head, insert, update), release. No session, no user.
    with django_assert_max_num_queries(13):
        assert verify(token_p, {"number": NUMBER_P, "key": WRONG}).status_code == 404
    with django_assert_max_num_queries(15):  # + the versions for the answer, its log entry (unsequenced)
        assert verify(token_p, {"number": NUMBER_P, "key": KEY_P}).status_code == 200
    sequence_pending()
    with django_assert_max_num_queries(17):  # + the newest checkpoint and the proof's subtrees
        assert verify(token_p, {"number": NUMBER_P, "key": KEY_P}).json()["proof"] is not None


# --- failures ------------------------------------------------------------------------------------------


def test_wrong_number_wrong_key_and_another_bodys_certificate_are_the_same_404(
    frozen, cert_p, cert_q, token_q
):
    # Under a frozen clock: never_cache's Expires header carries the time of the answer.
    responses = [
        verify(token_q, {"number": UNKNOWN_NUMBER, "key": KEY_Q}),
        verify(token_q, {"number": NUMBER_Q, "key": KEY_P}),
        verify(token_q, {"number": NUMBER_P, "key": KEY_P}),  # 小谷村's certificate with its right key
    ]
    assert {r.status_code for r in responses} == {404}
    assert {r.content for r in responses} == {b'{"error": "not_found"}'}
    headers = [sorted((k, v) for k, v in r.headers.items() if k != "Content-Length") for r in responses]
    assert headers[0] == headers[1] == headers[2]
    assert list(LookupAttempt.objects.values_list("result", flat=True)) == ["failure"] * 3
    cert_p.refresh_from_db()
    assert cert_p.first_viewed_at is None


def test_a_malformed_number_is_a_400_logged_but_not_a_guess(cert_p, token_p):
    typo = NUMBER_P[:3] + str((int(NUMBER_P[3]) + 1) % 10) + NUMBER_P[4:]
    for _ in range(10):
        response = verify(token_p, {"number": typo, "key": KEY_P})
        assert (response.status_code, response.json()) == (400, {"error": "bad_number"})
    assert set(LookupAttempt.objects.values_list("result", "number_typed")) == {("bad_number", typo)}
    assert verify(token_p, {"number": NUMBER_P, "key": KEY_P}).status_code == 200


def test_the_key_sent_as_the_number_is_logged_as_asterisks(cert_p, token_p):
    assert verify(token_p, {"number": KEY_P, "key": NUMBER_P}).status_code == 400
    assert LookupAttempt.objects.get().number_typed == "*" * len(KEY_P)


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "\xff".encode("latin-1"),
        "[]",
        '"20108-00001K"',
        json.dumps({"number": NUMBER_P}),
        json.dumps({"key": KEY_P}),
        json.dumps({"number": NUMBER_P, "key": 12345}),
        json.dumps({"number": None, "key": KEY_P}),
        json.dumps({"number": NUMBER_P, "key": "   "}),
        json.dumps({"number": NUMBER_P, "key": "x" * 65}),
        # A JSON escape may name half of a surrogate pair, which no UTF-8 text can hold.
        '{"number": "' + NUMBER_P + '", "key": "\\ud800abc"}',
        '{"number": "\\udfff' + NUMBER_P + '", "key": "' + KEY_P + '"}',
        '{"number": "' + NUMBER_P + '\\u0000", "key": "' + KEY_P + '"}',  # PostgreSQL holds no NUL
        "[" * 3000 + "]" * 3000,
        '{"number": "' + NUMBER_P + '", "key": ' + "[" * 3000 + "]" * 3000 + "}",
    ],
)
def test_a_malformed_request_is_a_400_and_not_an_attempt(cert_p, token_p, raw):
    response = verify(token_p, None, raw=raw)
    assert (response.status_code, response.json()) == (400, {"error": "bad_request"})
    assert not LookupAttempt.objects.exists()


def test_a_query_string_is_refused_before_anything_else(cert_p, token_p, all_logs):
    response = Client().post(
        f"{URL}?key={KEY_P}",
        data=json.dumps({"number": NUMBER_P, "key": KEY_P}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_p}",
    )
    assert response.status_code == 400
    assert not LookupAttempt.objects.exists()
    assert KEY_P not in all_logs.text


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwdw==", "Bearer not-a-token", "Token {token}", "{token}"],
)
def test_without_a_valid_bearer_token_it_is_a_401(cert_p, token_p, authorization):
    extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization.format(token=token_p)}
    response = verify(None, {"number": NUMBER_P, "key": KEY_P}, **extra)
    assert (response.status_code, response.json()) == (401, {"error": "unauthorized"})
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not LookupAttempt.objects.exists()


def test_the_scheme_name_is_case_insensitive(cert_p, token_p):
    extra = {"HTTP_AUTHORIZATION": f"bearer {token_p}"}
    assert verify(None, {"number": NUMBER_P, "key": KEY_P}, **extra).status_code == 200


def test_a_revoked_token_is_a_401_at_once(cert_p, token_p):
    assert verify(token_p, {"number": NUMBER_P, "key": KEY_P}).status_code == 200
    assert api_client_revoke(api_client=ApiClient.objects.get()) is True
    assert verify(token_p, {"number": NUMBER_P, "key": KEY_P}).status_code == 401
    assert api_client_revoke(api_client=ApiClient.objects.get()) is False
    assert AuditEntry.objects.filter(action="dsure.api_client.revoke").count() == 1


def test_an_officials_session_is_no_credential_for_the_api(paul, cert_p):
    lookup(paul, NUMBER_P, KEY_P)
    response = paul.post(
        URL, data=json.dumps({"number": NUMBER_P, "key": KEY_P}), content_type="application/json"
    )
    assert response.status_code == 401


def test_another_bodys_token_never_reaches_the_certificate(cert_p, token_q):
    response = verify(token_q, {"number": NUMBER_P, "key": KEY_P})
    assert (response.status_code, response.json()) == (404, {"error": "not_found"})


def test_only_post_is_allowed(token_p):
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {token_p}")
    assert response.status_code == 405


# --- throttling: the web page's rules ------------------------------------------------------------------


def test_five_failures_on_a_number_lock_it_for_this_client_for_15_minutes(frozen, cert_p, token_p, token_q):
    for _ in range(4):
        assert "Retry-After" not in verify(token_p, {"number": NUMBER_P, "key": WRONG})
        frozen.shift(MINUTE)
    fifth = verify(token_p, {"number": NUMBER_P, "key": WRONG})  # 10:04
    assert (fifth.status_code, fifth.json(), fifth["Retry-After"]) == (404, {"error": "not_found"}, "900")
    frozen.shift(MINUTE)
    refused = verify(token_p, {"number": NUMBER_P, "key": KEY_P})  # the right key, 10:05
    assert (refused.status_code, refused.json(), refused["Retry-After"]) == (
        429,
        {"error": "throttled"},
        "840",
    )
    assert LookupAttempt.objects.latest("pk").result == "throttled"
    # Another client, and this client on another number, are not affected.
    assert verify(token_q, {"number": NUMBER_P, "key": WRONG}).status_code == 404
    assert verify(token_p, {"number": UNKNOWN_NUMBER, "key": WRONG}).status_code == 404
    frozen.shift(datetime.timedelta(minutes=14))  # 10:19
    assert verify(token_p, {"number": NUMBER_P, "key": KEY_P}).status_code == 200


def test_twenty_failures_in_an_hour_pause_the_client(frozen, cert_p, token_p):
    for serial in range(100, 120):
        verify(token_p, {"number": make_number(serial), "key": WRONG})
        frozen.shift(MINUTE)
    refused = verify(token_p, {"number": NUMBER_P, "key": KEY_P})  # 10:20, first failure at 10:00
    assert (refused.status_code, refused["Retry-After"]) == (429, str(40 * 60))
    frozen.shift(datetime.timedelta(minutes=40))
    assert verify(token_p, {"number": NUMBER_P, "key": KEY_P}).status_code == 200


def test_the_certificate_lock_counts_web_and_api_failures_together(
    frozen, client, official_p, cert_p, token_p
):
    Certificate.objects.filter(pk=cert_p.pk).update(consecutive_failures=98)
    client.force_login(official_p)
    lookup(client, NUMBER_P, WRONG)  # the 99th, on the web page
    verify(token_p, {"number": make_number(999), "key": WRONG})
    verify(token_p, {"number": NUMBER_P, "key": WRONG})  # the 100th, through the API
    cert_p.refresh_from_db()
    assert cert_p.locked_at is not None
    locked = verify(token_p, {"number": NUMBER_P, "key": KEY_P})
    assert (locked.status_code, locked.json()) == (423, {"error": "locked"})  # the body's own certificate
    assert "照会を停止しています" in lookup(client, NUMBER_P, KEY_P).content.decode()


def test_a_locked_certificate_is_a_plain_404_to_another_bodys_client(cert_p, token_q):
    Certificate.objects.filter(pk=cert_p.pk).update(
        locked_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    )
    assert verify(token_q, {"number": NUMBER_P, "key": KEY_P}).status_code == 404


def test_a_success_through_the_api_resets_the_consecutive_failures(cert_p, token_p):
    Certificate.objects.filter(pk=cert_p.pk).update(consecutive_failures=50)
    verify(token_p, {"number": NUMBER_P, "key": KEY_P})
    cert_p.refresh_from_db()
    assert cert_p.consecutive_failures == 0


# --- secrets -------------------------------------------------------------------------------------------


def test_neither_key_nor_token_is_in_any_table_or_log(cert_p, cert_q, token_p, all_logs):
    verify(token_p, {"number": NUMBER_P, "key": KEY_P})
    verify(token_p, {"number": NUMBER_P, "key": WRONG})
    verify(token_p, {"number": NUMBER_Q, "key": KEY_Q})
    verify(token_p, {"number": KEY_Q, "key": KEY_Q})
    verify(token_p, {"number": UNKNOWN_NUMBER, "key": fullwidth(KEY_P)})
    verify(f"{token_p}x", {"number": NUMBER_P, "key": KEY_P})
    secrets = [KEY_P, KEY_Q, WRONG, fullwidth(KEY_P), token_p]
    with connection.cursor() as cursor:
        for model in [*apps.get_app_config("dsure").get_models(), AuditEntry]:
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608
            dump = repr(cursor.fetchall())
            assert not any(secret in dump for secret in secrets), model
    written = " ".join(f"{r.getMessage()} {getattr(r, 'data', '')}" for r in all_logs.records)
    assert URL in written
    assert not any(secret in written for secret in secrets)
    assert LookupAttempt.objects.count() == 5


# --- the OpenAPI description ---------------------------------------------------------------------------


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


TYPES = {"object": dict, "array": list, "string": str, "integer": int}


def conforms(spec: dict, schema: dict, value, path="$") -> list[str]:
    """The subset of JSON Schema the description uses: type, required, properties,
    additionalProperties: false, items, enum, const, pattern, minimum, maxLength."""
    schema = resolve(spec, schema)
    errors = []
    expected = TYPES.get(schema.get("type"))
    if expected and (not isinstance(value, expected) or isinstance(value, bool)):
        return [f"{path}: {value!r} is not {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} != {schema['const']!r}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value!r} < {schema['minimum']}")
    if isinstance(value, dict):
        errors += [f"{path}: missing {name}" for name in schema.get("required", []) if name not in value]
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: unexpected {name}" for name in value if name not in properties]
        for name, sub in properties.items():
            if name in value:
                errors += conforms(spec, sub, value[name], f"{path}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += conforms(spec, schema["items"], item, f"{path}[{i}]")
    return errors


@pytest.fixture
def spec(db):
    response = Client().get("/dsure/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def response_schema(spec: dict, status: int) -> dict:
    operation = spec["paths"]["/verify"]["post"]
    return operation["responses"][str(status)]["content"]["application/json"]["schema"]


def test_the_description_states_the_throttling_the_service_applies(spec):
    """Built from dsure.services' limits (tests/dsure/test_throttling.py holds the service to them)."""
    assert (
        "5 failures on one number within an hour lock that number for this client for 15 minutes; "
        "20 failures within an hour pause the client; 100 consecutive failures on a certificate"
    ) in spec["paths"]["/verify"]["post"]["description"]
    assert "answer 2xx within 10 seconds" in spec["webhooks"]["certificateEvent"]["post"]["description"]


def test_the_description_is_openapi_3_1_of_the_verify_endpoint_and_the_public_log(spec):
    assert spec["openapi"].startswith("3.1")
    assert list(spec["paths"]) == [
        "/verify",
        "/webhooks",
        "/webhooks/{id}",
        "/log/checkpoint",
        "/log/key",
        "/log/entries/{index}",
        "/log/proof/inclusion",
        "/log/proof/consistency",
    ]
    assert list(spec["webhooks"]) == ["certificateEvent"]
    assert {path: item["servers"] for path, item in spec["paths"].items() if path.startswith("/log/")} == {
        path: [{"url": "/dsure"}] for path in spec["paths"] if path.startswith("/log/")
    }
    assert spec["servers"] == [{"url": "/dsure/api/v1"}]
    assert spec["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerToken"]["description"],
    }
    assert set(spec["paths"]["/verify"]["post"]["responses"]) == {
        *("200", "400", "401", "404", "405", "423", "429", "500", "503")
    }


def test_every_response_validates_against_the_description(frozen, spec, cert_p, cert_q, token_p):
    post(NUMBER_P, BODY_P, sequence=2, kind=PostedVersion.Kind.CHANGE, change_no=1)
    examples = {
        200: verify(token_p, {"number": NUMBER_P, "key": KEY_P}),
        400: verify(token_p, {"number": "12345-67890Z", "key": KEY_P}),
        401: verify("nope", {"number": NUMBER_P, "key": KEY_P}),
        404: verify(token_p, {"number": NUMBER_Q, "key": KEY_Q}),
    }
    assert examples[200].json()["proof"] is None  # not sequenced yet: nothing has committed
    sequence_pending()
    with_proof = verify(token_p, {"number": NUMBER_P, "key": KEY_P}).json()
    assert with_proof["proof"]["index"] == 2  # 新規 of P, of Q, then P's 変更
    assert conforms(spec, response_schema(spec, 200), with_proof) == []
    for _ in range(4):
        verify(token_p, {"number": NUMBER_Q, "key": KEY_Q})
    examples[429] = verify(token_p, {"number": NUMBER_Q, "key": KEY_Q})
    Certificate.objects.filter(pk=cert_p.pk).update(
        locked_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    )
    examples[423] = verify(token_p, {"number": NUMBER_P, "key": KEY_P})
    for status, response in examples.items():
        assert response.status_code == status
        assert conforms(spec, response_schema(spec, status), response.json()) == [], status
    assert len(examples[200].json()["history"]) == 2
    # The validator itself notices a missing, an unexpected and a mistyped field.
    broken = {**examples[200].json(), "status": "withdrawn", "extra": 1}
    del broken["work_name"]
    assert len(conforms(spec, response_schema(spec, 200), broken)) == 3


# --- managing clients ----------------------------------------------------------------------------------


def test_the_command_prints_a_working_token_once_and_lists_and_revokes(cert_p, capsys):
    call_command("dsure_api_client", "create", "--body", BODY_P.code, "--name", "電子契約システム")
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1]
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert verify(token, {"number": NUMBER_P, "key": KEY_P}).status_code == 200
    client = ApiClient.objects.get()
    assert token not in repr(list(ApiClient.objects.values()))
    assert AuditEntry.objects.filter(action="dsure.api_client.create", object_id=str(client.pk)).exists()

    call_command("dsure_api_client", "list")
    listing = capsys.readouterr().out
    assert f"{client.pk}\t{BODY_P.code}\t電子契約システム\tactive" in listing
    assert token not in listing

    call_command("dsure_api_client", "revoke", "--id", str(client.pk))
    assert "revoked" in capsys.readouterr().out
    assert verify(token, {"number": NUMBER_P, "key": KEY_P}).status_code == 401


def test_the_command_refuses_an_unknown_body(db):
    with pytest.raises(CommandError, match="No D-Sure ordering body"):
        call_command("dsure_api_client", "create", "--body", "999999", "--name", "x")
    assert not ApiClient.objects.exists()


def test_two_clients_never_share_a_token(db):
    tokens = {api_client_create(body=body(BODY_P), name=f"c{i}")[1] for i in range(20)}
    assert len(tokens) == 20


def test_the_admin_lists_clients_without_their_digest_and_revokes_them(client, superuser, cert_p, token_p):
    api_client = ApiClient.objects.get()
    client.force_login(superuser)
    html = client.get(f"/admin/dsure/apiclient/{api_client.pk}/change/").content.decode()
    assert "小谷村 電子契約システム" in html
    assert api_client.token_digest not in html
    assert client.get("/admin/dsure/apiclient/add/").status_code == 403
    response = client.post(
        "/admin/dsure/apiclient/", {"action": "revoke", "_selected_action": [api_client.pk], "index": "0"}
    )
    assert response.status_code == 302
    assert verify(token_p, {"number": NUMBER_P, "key": KEY_P}).status_code == 401
    entry = AuditEntry.objects.get(action="dsure.api_client.revoke")
    assert entry.actor == superuser


# --- every answer is JSON -----------------------------------------------------------------------------


def assert_json_error(response, status, error):
    assert response["Content-Type"] == "application/json"
    assert (response.status_code, response.json()) == (status, {"error": error})
    assert response["X-Simulation"].startswith("specimen")


def test_a_body_beyond_the_upload_limit_is_a_400_json(cert_p, token_p, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = verify(token_p, None, raw=json.dumps({"number": NUMBER_P, "key": "x" * 2000}))
    assert_json_error(response, 400, "bad_request")
    assert not LookupAttempt.objects.exists()


def test_with_the_database_down_the_api_answers_503_json(cert_p, token_p):
    down = mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused"))
    with down:
        response = verify(token_p, {"number": NUMBER_P, "key": KEY_P})
    assert_json_error(response, 503, "unavailable")
    assert response["Retry-After"] == "60"
    assert "connection refused" not in response.content.decode()


def test_an_unexpected_error_is_a_500_json_without_details(cert_p, token_p):
    client = Client(raise_request_exception=False)
    with mock.patch("dsure.api.certificate_lookup", side_effect=ValueError("a bug with details")):
        response = verify(token_p, {"number": NUMBER_P, "key": KEY_P}, client=client)
    assert_json_error(response, 500, "internal_error")
    assert "details" not in response.content.decode()


def test_a_wrong_method_and_an_unknown_api_url_answer_json(token_p):
    client = Client()
    assert_json_error(client.get(URL), 405, "method_not_allowed")
    assert client.get(URL)["Allow"] == "POST"
    assert_json_error(client.post("/dsure/api/v1/openapi.json"), 405, "method_not_allowed")
    assert_json_error(Client(enforce_csrf_checks=True).put(URL), 405, "method_not_allowed")
    assert_json_error(client.get("/dsure/api/v1/nothing"), 404, "not_found")
    assert_json_error(client.post("/dsure/api/v2/verify"), 404, "not_found")
