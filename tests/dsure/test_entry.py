"""D-Sure's entry for surety companies (dsure.entry, over HTTP dsure.inbound): the issuer's token is the
only credential, a number belongs to the issuer that posted its 新規, a retried posting is stored and
logged once, and D-Sure keeps the key's digest, never the key."""

import base64
import importlib
import json
import uuid

import pytest

from dsure import digest
from dsure.models import Certificate, LogEntry, PostedVersion, ReceivedPosting
from tests.dsure.conftest import BODY_P, KEY_P, NUMBER_P, content, pdf_bytes

URL = "/dsure/surety/v1/postings"
TOKEN_X = "Xq3vJ9yQm2Zt7Lw4Rb8Nc6Hd1Kf5Sg0PaEuYiOoTrWs"
TOKEN_Y = "Yb2mK8pL4nQ7rT1vW5xZ9cF3gH6jD0sA-eUiOoTrWs_"


@pytest.fixture(autouse=True)
def issuers(settings):
    settings.DSURE_ISSUER_TOKENS = [f"surety-x:{TOKEN_X}", f"surety-y:{TOKEN_Y}"]


def new_posting(**overrides):
    posting = {
        "posting_id": str(uuid.uuid4()),
        "issuer": "surety-x",
        "kind": "new",
        "number": NUMBER_P,
        "body": {"code": BODY_P.code, "name": BODY_P.name},
        "product_name": "前払金保証",
        "sequence": 1,
        "content": content(NUMBER_P, BODY_P),
        "seal_digest": "",
        "pdf": base64.b64encode(pdf_bytes(f"SPECIMEN {NUMBER_P}")).decode(),
        "key": KEY_P,
    }
    return posting | overrides


def send(client, posting, token=TOKEN_X):
    return client.post(
        URL,
        json.dumps(posting),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_posting_is_stored_with_the_keys_digest_never_the_key(client, db):
    response = send(client, new_posting())
    assert response.status_code == 200
    certificate = Certificate.objects.get(number=NUMBER_P)
    assert certificate.issuer == "surety-x"
    assert digest.key_matches(
        NUMBER_P, KEY_P, version=certificate.digest_version, digest=certificate.key_digest
    )
    for model in (Certificate, PostedVersion, ReceivedPosting):
        assert KEY_P not in str(list(model.objects.values()))


@pytest.mark.parametrize("token", ["", "wrong-token-of-the-same-length-as-the-real-one", TOKEN_X[:-1]])
def test_without_an_issuers_token_nothing_is_stored(client, db, token):
    assert send(client, new_posting(), token=token).status_code == 401
    assert client.get("/dsure/surety/v1/first-views", {"number": NUMBER_P}).status_code == 401
    assert not Certificate.objects.exists()


def test_only_the_issuer_of_the_new_may_post_to_its_number(client, db):
    send(client, new_posting())
    change = new_posting(issuer="surety-y", kind="change", sequence=2, key=None)
    response = send(client, change, token=TOKEN_Y)
    assert response.status_code == 400
    assert response["X-Invalid-Field"] == "number"
    # Nor may a posting name an issuer other than its token's.
    assert send(client, new_posting(issuer="surety-y", kind="change", sequence=2)).status_code == 400
    assert PostedVersion.objects.count() == 1


def test_a_retried_posting_is_stored_and_logged_once(client, db):
    posting = new_posting()
    first = send(client, posting).json()
    again = send(client, posting).json()
    assert again == first
    assert PostedVersion.objects.count() == 1
    assert LogEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "delete"),
        ("sequence", "1"),
        ("content", []),
        ("pdf", "not base64!"),
        ("key", ""),
        ("posting_id", "x"),
    ],
)
def test_a_malformed_posting_is_a_400_naming_the_field(client, db, field, value):
    response = send(client, new_posting(**{field: value}))
    assert response.status_code == 400
    assert response["X-Invalid-Field"] == field
    assert not Certificate.objects.exists()


def test_a_certificate_posted_before_issuers_were_named_is_no_other_issuers(client, db, cert_p, settings):
    # Rows from before dsure 0009 had issuer "" until 0012 backfilled them; "" must read as nobody's.
    assert Certificate.objects.get(number=NUMBER_P).issuer == ""
    revocation = new_posting(kind="revocation", at="2026-06-01T09:00:00+09:00", key=None)
    reissue = new_posting(kind="key_reissue", key="Kq7RtW3mNa9F")
    for posting in (revocation, reissue):
        response = send(client, posting)
        assert response.status_code == 400
        assert response["X-Invalid-Field"] == "number"
    certificate = Certificate.objects.get(number=NUMBER_P)
    assert certificate.revoked_at is None
    assert digest.key_matches(
        NUMBER_P, KEY_P, version=certificate.digest_version, digest=certificate.key_digest
    )
    Certificate.objects.filter(number=NUMBER_P).update(first_viewed_at="2026-05-01T09:00:00+09:00")
    headers = {"Authorization": f"Bearer {TOKEN_X}"}
    assert client.get("/dsure/surety/v1/first-views", {"number": NUMBER_P}, headers=headers).json() == {}
    proof = client.get(f"/dsure/surety/v1/certificates/{NUMBER_P}/proof", headers=headers)
    assert proof.json() == {"bundle": None}


def test_the_backfill_gives_earlier_certificates_to_the_embedded_issuer(db, cert_p, settings):
    from django.apps import apps

    backfill = importlib.import_module("dsure.migrations.0012_certificate_issuer_backfill")
    settings.DSURE_ISSUER = "surety-x"
    backfill.backfill_issuer(apps, None)
    assert Certificate.objects.get(number=NUMBER_P).issuer == "surety-x"


@pytest.mark.parametrize(
    ("first", "second", "field"),
    [
        ({}, {}, "number"),  # a second 新規 of the same number
        ({}, {"kind": "change", "sequence": 1, "key": None}, "sequence"),  # a sequence taken
        ({}, {"kind": "change", "sequence": 5, "key": None}, "sequence"),  # a gap
    ],
)
def test_a_posting_that_conflicts_with_what_d_sure_has_is_a_409(client, db, first, second, field):
    assert send(client, new_posting(**first)).status_code == 200
    response = send(client, new_posting(**second))
    assert response.status_code == 409
    assert response.json() == {"error": "conflict"}
    assert response["X-Invalid-Field"] == field
    assert PostedVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("product_name", {"a": 1}),
        ("content", {"a": 1}),
        ("body", {"code": {"x": 1}, "name": "小谷村"}),
    ],
)
def test_a_posting_of_the_wrong_shape_is_a_400_not_a_500(client, db, field, value):
    response = send(client, new_posting(**{field: value}))
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_posting"}
    assert response["X-Invalid-Field"] == field
    assert not Certificate.objects.exists()
