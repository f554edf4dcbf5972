"""The lookup page: an official types the number and key from the notice and sees the certificate; every
other outcome is told apart only where that gives nothing away."""

import logging

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection

from dsure.access import GRANTS_SESSION_KEY
from dsure.models import Certificate, LookupAttempt
from tests.dsure.conftest import (
    KEY_P,
    KEY_Q,
    NUMBER_P,
    NUMBER_Q,
    UNKNOWN_NUMBER,
    fullwidth,
    lookup,
    without_csrf,
)

FAILURE = "保証契約番号または認証キーが正しくないか、貴団体で閲覧できる電子証書ではありません。"
BAD_NUMBER = "保証契約番号の形式が正しくありません。"


def test_the_form_has_labelled_fields_and_no_certificate(paul):
    page = paul.get("/dsure/").content.decode()
    assert '<label for="id_number">保証契約番号' in page
    assert '<label for="id_key">認証キー' in page
    assert 'method="post"' in page
    assert "見本" in page


def test_the_number_can_come_from_the_qr_code_link_but_the_form_still_posts(paul):
    page = paul.get("/dsure/", {"number": NUMBER_P.lower()}).content.decode()
    assert f'value="{NUMBER_P}"' in page


def test_official_sees_the_certificate_with_number_and_key_from_the_notice(paul, cert_p):
    response = lookup(paul, NUMBER_P, KEY_P)
    assert response.status_code == 302
    assert KEY_P not in response.url
    page = paul.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert NUMBER_P in html
    assert "小谷村長" in html
    assert "中小谷地区道路改良工事" in html
    assert KEY_P not in html


def test_a_full_width_copy_paste_of_number_and_key_works(paul, cert_p):
    response = lookup(paul, f"\u3000{fullwidth(NUMBER_P)}\u3000", f" {fullwidth(KEY_P)}\u3000")
    assert response.status_code == 302
    attempt = LookupAttempt.objects.get()
    assert attempt.result == LookupAttempt.Result.SUCCESS
    assert attempt.number == NUMBER_P
    assert attempt.number_typed == fullwidth(NUMBER_P)  # as typed, without the spaces around it


@pytest.mark.parametrize("hyphen", list("ー−‐－‑–—ｰ"))
def test_each_hyphen_look_alike_in_the_number_works(paul, cert_p, hyphen):
    assert lookup(paul, NUMBER_P.replace("-", hyphen), KEY_P).status_code == 302


@pytest.mark.parametrize(
    "typed", [NUMBER_P.lower(), NUMBER_P.replace("-", ""), NUMBER_P.replace("-", " - "), f" {NUMBER_P} "]
)
def test_lower_case_letter_missing_hyphen_and_spaces_are_forgiven(paul, cert_p, typed):
    assert lookup(paul, typed, KEY_P).status_code == 302


def test_keys_are_case_sensitive(paul, cert_p):
    response = lookup(paul, NUMBER_P, KEY_P.swapcase())
    assert FAILURE in response.content.decode()
    assert LookupAttempt.objects.get().result == LookupAttempt.Result.FAILURE


def test_spaces_inside_the_key_are_forgiven(paul, cert_p):
    assert lookup(paul, NUMBER_P, f"{KEY_P[:4]} {KEY_P[4:8]}\u3000{KEY_P[8:]}").status_code == 302


def test_a_mistyped_number_gets_its_own_message_at_once_and_is_not_a_guess(paul, cert_p):
    typo = NUMBER_P[:3] + str((int(NUMBER_P[3]) + 1) % 10) + NUMBER_P[4:]
    response = lookup(paul, typo, KEY_P)
    html = response.content.decode()
    assert response.status_code == 200
    assert BAD_NUMBER in html
    assert FAILURE not in html
    assert 'aria-invalid="true"' in html and 'id="id_number_error"' in html
    attempt = LookupAttempt.objects.get()
    assert attempt.result == LookupAttempt.Result.BAD_NUMBER
    assert attempt.number_typed == typo
    assert attempt.number == ""
    cert_p.refresh_from_db()
    assert cert_p.consecutive_failures == 0
    # Ten mistyped numbers later the right one still works: they did not count as guesses.
    for _ in range(10):
        lookup(paul, typo, "whatever")
    assert lookup(paul, NUMBER_P, KEY_P).status_code == 302


def test_the_key_is_never_written_back_into_the_page(paul, cert_p):
    html = lookup(paul, NUMBER_P, "WrongKey2345").content.decode()
    assert "WrongKey2345" not in html
    assert f'value="{NUMBER_P}"' in html


def test_empty_fields_are_errors_next_to_them_and_no_attempt(paul):
    html = paul.post("/dsure/", {"number": "", "key": ""}).content.decode()
    assert "保証契約番号を入力してください。" in html
    assert "認証キーを入力してください。" in html
    assert not LookupAttempt.objects.exists()


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


def _normalised_page(response, number):
    return without_csrf(response.content.decode()).replace(number, "NUMBER")


def test_wrong_number_wrong_key_and_another_bodys_certificate_look_the_same(
    client, official_q, cert_p, cert_q
):
    client.force_login(official_q)
    wrong_number = lookup(client, UNKNOWN_NUMBER, KEY_Q)
    wrong_key = lookup(client, NUMBER_Q, KEY_P)
    other_body = lookup(client, NUMBER_P, KEY_P)  # 小谷村's certificate with its right key
    assert wrong_number.status_code == wrong_key.status_code == other_body.status_code == 200
    assert FAILURE in wrong_number.content.decode()
    pages = {
        _normalised_page(wrong_number, UNKNOWN_NUMBER),
        _normalised_page(wrong_key, NUMBER_Q),
        _normalised_page(other_body, NUMBER_P),
    }
    assert len(pages) == 1
    assert (
        list(LookupAttempt.objects.order_by("at", "pk").values_list("result", flat=True)) == ["failure"] * 3
    )


def test_another_bodys_official_with_the_right_key_never_gets_access(client, official_q, cert_p):
    client.force_login(official_q)
    lookup(client, NUMBER_P, KEY_P)
    assert GRANTS_SESSION_KEY not in client.session
    assert client.get(f"/dsure/certificates/{cert_p.public_id}/").status_code == 404
    cert_p.refresh_from_db()
    assert cert_p.first_viewed_at is None


def test_every_attempt_is_logged_with_time_official_ip_number_and_result(paul, official_p, cert_p, frozen):
    lookup(paul, NUMBER_P.lower(), "WrongKey2345")
    lookup(paul, NUMBER_P, KEY_P)
    rows = list(LookupAttempt.objects.order_by("pk"))
    assert [(r.result, r.number_typed, r.number) for r in rows] == [
        ("failure", NUMBER_P.lower(), NUMBER_P),
        ("success", NUMBER_P, NUMBER_P),
    ]
    assert all(r.official.user == official_p and r.ip_address == "127.0.0.1" for r in rows)
    assert rows[0].at.isoformat().startswith("2026-06-01T01:00")  # 10:00 in Tokyo


def test_a_key_pasted_into_the_number_field_is_not_logged(paul, cert_p):
    response = lookup(paul, KEY_P, NUMBER_P)  # the two fields swapped
    assert BAD_NUMBER in response.content.decode()
    attempt = LookupAttempt.objects.get()
    assert KEY_P not in attempt.number_typed
    assert attempt.number_typed == "*" * len(KEY_P)


def test_the_first_view_by_the_body_is_recorded_once(client, official_p, cert_p, frozen):
    client.force_login(official_p)
    lookup(client, NUMBER_P, KEY_P)
    cert_p.refresh_from_db()
    first = cert_p.first_viewed_at
    assert first is not None
    assert cert_p.first_viewed_by.user == official_p
    frozen.shift(3600 * 24)
    lookup(client, NUMBER_P, KEY_P)
    cert_p.refresh_from_db()
    assert cert_p.first_viewed_at == first


@pytest.mark.parametrize("url", ["/dsure/", "/dsure/history/", "/dsure/login/"])
@pytest.mark.parametrize("name", ["key", "認証キー", "auth_key", "KEY"])
def test_a_url_carrying_a_key_is_refused_and_not_logged(client, official_p, cert_p, all_logs, url, name):
    client.force_login(official_p)
    response = client.get(url, {"number": NUMBER_P, name: KEY_P})
    assert response.status_code == 400
    assert "Bad Request: /dsure/" in all_logs.text
    assert "no-store" in response["Cache-Control"]
    assert KEY_P not in response.content.decode()
    assert KEY_P not in all_logs.text
    assert not LookupAttempt.objects.exists()


def test_an_anonymous_url_with_a_key_is_refused_before_the_login_redirect(client, all_logs):
    response = client.get("/dsure/", {"key": KEY_P})
    assert response.status_code == 400
    assert "Location" not in response
    assert KEY_P not in all_logs.text


def test_a_post_with_the_key_in_the_query_string_is_refused_too(paul, cert_p):
    response = paul.post(f"/dsure/?key={KEY_P}", {"number": NUMBER_P, "key": KEY_P})
    assert response.status_code == 400
    assert not LookupAttempt.objects.exists()


def test_pages_are_not_cached(paul, cert_p):
    assert "no-store" in paul.get("/dsure/")["Cache-Control"]
    response = lookup(paul, NUMBER_P, KEY_P)
    assert "no-store" in response["Cache-Control"]
    assert "no-store" in paul.get(response.url)["Cache-Control"]


def test_officials_sessions_expire_after_an_hour_of_inactivity(paul, cert_p, frozen):
    lookup(paul, NUMBER_P, KEY_P)
    assert paul.session.get_expiry_age() == 3600
    frozen.shift(59 * 60)
    assert paul.get("/dsure/history/").status_code == 200  # activity renews the hour
    frozen.shift(59 * 60)
    assert paul.get("/dsure/history/").status_code == 200
    frozen.shift(61 * 60)
    response = paul.get("/dsure/history/")
    assert response.status_code == 302
    assert response.url.startswith("/dsure/login/")


def test_no_dsure_table_and_no_session_holds_the_key_after_lookups(
    client, official_p, official_q, cert_p, cert_q
):
    client.force_login(official_p)
    lookup(client, NUMBER_P, KEY_P)
    lookup(client, fullwidth(NUMBER_P), fullwidth(KEY_P))
    lookup(client, NUMBER_Q, KEY_Q)
    lookup(client, KEY_P, KEY_Q)  # keys in the number field
    client.force_login(official_q)
    lookup(client, NUMBER_Q, KEY_Q)
    keys = [KEY_P, KEY_Q, fullwidth(KEY_P)]
    with connection.cursor() as cursor:
        for model in apps.get_app_config("dsure").get_models():
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608
            dump = repr(cursor.fetchall())
            assert not any(key in dump for key in keys), model
    for session in Session.objects.all():
        decoded = repr(session.get_decoded())
        assert not any(key in decoded for key in keys)
    assert Certificate.objects.count() == 2


def test_the_lookup_costs_a_bounded_number_of_queries(paul, cert_p, django_assert_max_num_queries):
    # session, user with official and body; the official's lock, one read of the certificate and both
    # throttle windows; the failure counter (on a failure), the attempt, the audit entry; the grant in
    # the session (on a success) or the header's unread 通知 count (on a failure) — and here, inside the
    # test's transaction, a savepoint and its release. Exactly, with real commits:
    # tests/dsure/test_lookup_statements.py. (The first page of a session also writes its idle expiry.)
    paul.get("/dsure/")
    with django_assert_max_num_queries(10):
        lookup(paul, NUMBER_P, "WrongKey2345")
    with django_assert_max_num_queries(10):
        lookup(paul, NUMBER_P, KEY_P)


def test_lookups_write_no_key_to_the_logs(paul, cert_p, all_logs):
    lookup(paul, NUMBER_P, "WrongKey2345")
    lookup(paul, NUMBER_P, KEY_P)
    written = [f"{r.getMessage()} {getattr(r, 'data', '')}" for r in all_logs.records]
    assert any("/dsure/" in line for line in written)
    assert not any(KEY_P in line or "WrongKey2345" in line for line in written)


def test_logging_in_without_next_lands_on_the_lookup_page(client, official_p):
    response = client.post("/dsure/login/", {"username": "paul", "password": "pw"})
    assert response.status_code == 302
    assert response.url == "/dsure/"


def test_the_qr_code_link_survives_the_login(client, official_p):
    response = client.get("/dsure/", {"number": NUMBER_P})
    assert response.status_code == 302
    login = client.post(
        response.url, {"username": "paul", "password": "pw", "next": f"/dsure/?number={NUMBER_P}"}
    )
    assert login.url == f"/dsure/?number={NUMBER_P}"
    assert f'value="{NUMBER_P}"' in client.get(login.url).content.decode()


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MATHEMATICAL = str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗")


@pytest.mark.parametrize("digits", [ARABIC_INDIC, MATHEMATICAL], ids=["arabic-indic", "mathematical"])
def test_digits_other_than_ascii_are_a_malformed_number_not_a_guess(paul, cert_p, digits):
    response = lookup(paul, NUMBER_P.translate(digits), KEY_P)
    assert "保証契約番号の形式が正しくありません" in response.content.decode()
    assert LookupAttempt.objects.get().result == LookupAttempt.Result.BAD_NUMBER


@pytest.mark.parametrize("name", ["ｋｅｙ", "ＫＥＹ", "認証ｷｰ", "auth_ｋｅｙ"])
def test_a_full_width_key_parameter_is_refused_like_key(client, official_p, cert_p, all_logs, name):
    client.force_login(official_p)
    response = client.get("/dsure/", {"number": NUMBER_P, name: KEY_P})
    assert response.status_code == 400
    assert KEY_P not in all_logs.text
