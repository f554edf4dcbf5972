"""Password guessing is cut off: after 10 failed logins for one username, or 30 from one address,
within 15 minutes, the admin's and both portals' login forms refuse without checking the password."""

import datetime
import json
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import forms as auth_forms

from accounts.models import LoginFailure, TokenBucket
from accounts.throttle import THROTTLED_MESSAGE
from audit.models import AuditEntry

NOW = datetime.datetime(2026, 4, 1, 9, 0, tzinfo=datetime.UTC)
INVALID = "正しいユーザー名とパスワードを入力してください"

# (login URL, persona fixture, username): every login form of the project.
LOGINS = [
    ("/netdesk/login/", "contractor_a", "alice"),
    ("/dsure/login/", "official_p", "paul"),
    ("/admin/login/", "superuser", "root"),
]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def login(client, url, username, password, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def is_logged_in(client):
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(("url", "persona", "username"), LOGINS)
def test_after_ten_failures_even_the_right_password_is_refused(
    client, request, frozen, url, persona, username
):
    request.getfixturevalue(persona)
    for _ in range(10):
        response = login(client, url, username, "wrong")
        assert INVALID in response.content.decode()
    response = login(client, url, username, "pw")
    assert response.status_code == 200
    assert THROTTLED_MESSAGE in response.content.decode()
    assert not is_logged_in(client)


@pytest.mark.parametrize(("url", "persona", "username"), LOGINS)
def test_the_lock_lifts_after_fifteen_minutes(client, request, frozen, url, persona, username):
    request.getfixturevalue(persona)
    for _ in range(11):
        login(client, url, username, "wrong")
    frozen.shift(datetime.timedelta(seconds=90))  # a fifteen-minute window refills one try in 90 s
    assert THROTTLED_MESSAGE not in login(client, url, username, "wrong").content.decode()
    assert THROTTLED_MESSAGE in login(client, url, username, "pw").content.decode()
    frozen.shift(datetime.timedelta(minutes=15))
    assert login(client, url, username, "pw").status_code == 302
    assert is_logged_in(client)


def test_a_throttled_login_does_not_check_the_password(client, contractor_a, frozen):
    for _ in range(10):
        login(client, "/netdesk/login/", "alice", "wrong")
    with mock.patch.object(auth_forms, "authenticate", wraps=auth_forms.authenticate) as authenticate:
        login(client, "/netdesk/login/", "alice", "pw")
    authenticate.assert_not_called()


def test_successful_logins_do_not_count(client, contractor_a, frozen):
    for _ in range(9):
        login(client, "/netdesk/login/", "alice", "wrong")
    for _ in range(15):
        assert login(client, "/netdesk/login/", "alice", "pw").status_code == 302
        client.logout()
    assert INVALID in login(client, "/netdesk/login/", "alice", "wrong").content.decode()
    assert THROTTLED_MESSAGE in login(client, "/netdesk/login/", "alice", "pw").content.decode()


def test_the_username_is_counted_across_portals_and_letter_case(client, contractor_a, frozen):
    for username in ["alice", "ALICE", "Alice "] * 3 + ["aLiCe"]:
        login(client, "/dsure/login/", username, "wrong")
    assert THROTTLED_MESSAGE in login(client, "/netdesk/login/", "alice", "pw").content.decode()


def test_unknown_usernames_are_throttled_alike_so_nothing_is_told_about_accounts(client, db, frozen):
    for _ in range(10):
        assert INVALID in login(client, "/netdesk/login/", "nobody", "guess").content.decode()
    assert THROTTLED_MESSAGE in login(client, "/netdesk/login/", "nobody", "guess").content.decode()


def test_thirty_failures_from_one_address_lock_that_address_only(client, contractor_a, frozen):
    for n in range(30):
        login(client, "/netdesk/login/", f"user{n}", "guess", REMOTE_ADDR="203.0.113.7")
    response = login(client, "/netdesk/login/", "alice", "pw", REMOTE_ADDR="203.0.113.7")
    assert THROTTLED_MESSAGE in response.content.decode()
    assert login(client, "/netdesk/login/", "alice", "pw", REMOTE_ADDR="198.51.100.2").status_code == 302


def test_behind_a_proxy_the_forwarded_address_counts_and_forged_entries_do_not(
    client, contractor_a, frozen, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(30):
        # The attacker forges a fresh left-hand entry each time; the proxy appends the real address.
        forwarded = f"10.9.{n}.1, 203.0.113.7"
        login(client, "/netdesk/login/", f"user{n}", "guess", HTTP_X_FORWARDED_FOR=forwarded)
    locked = login(client, "/netdesk/login/", "alice", "pw", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert THROTTLED_MESSAGE in locked.content.decode()
    other = login(client, "/netdesk/login/", "alice", "pw", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302


def test_each_failure_is_recorded_with_username_as_typed_address_and_time(client, contractor_a, frozen):
    for _ in range(10):
        login(client, "/netdesk/login/", "Alice", "wrong", REMOTE_ADDR="192.0.2.10")
    login(client, "/admin/login/", "alice", "pw", REMOTE_ADDR="192.0.2.10")
    login(client, "/netdesk/login/", "alice", "", REMOTE_ADDR="192.0.2.10")  # empty field: not an attempt
    failures = list(LoginFailure.objects.order_by("pk"))
    assert len(failures) == 11
    assert {(f.username, f.ip, f.path, f.throttled) for f in failures[:10]} == {
        ("Alice", "192.0.2.10", "/netdesk/login/", False)
    }
    assert (failures[10].username, failures[10].path, failures[10].throttled) == (
        "alice",
        "/admin/login/",
        True,
    )
    assert {f.at for f in failures} == {NOW}


def test_a_right_password_on_the_wrong_portal_counts_as_a_failure(client, contractor_a, frozen):
    login(client, "/dsure/login/", "alice", "pw")
    assert LoginFailure.objects.get().username == "alice"


def test_failure_records_are_read_only_in_the_admin(client, superuser, contractor_a, frozen):
    login(client, "/netdesk/login/", "alice", "wrong")
    client.force_login(superuser)
    listing = client.get("/admin/accounts/loginfailure/")
    assert listing.status_code == 200
    assert "alice" in listing.content.decode()
    failure = LoginFailure.objects.get()
    assert client.get("/admin/accounts/loginfailure/add/").status_code == 403
    assert (
        client.post(f"/admin/accounts/loginfailure/{failure.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert LoginFailure.objects.count() == 1


def test_a_login_attempt_costs_a_bounded_number_of_queries(
    client, contractor_a, frozen, django_assert_max_num_queries
):
    with django_assert_max_num_queries(19):  # savepoints and the audit entry included
        login(client, "/netdesk/login/", "alice", "wrong")
    with django_assert_max_num_queries(29):  # Django's own session and last_login writes included
        assert login(client, "/netdesk/login/", "alice", "pw").status_code == 302


@pytest.mark.parametrize(("url", "persona", "username"), LOGINS)
def test_a_failed_login_records_the_username_only_when_it_names_a_user(
    client, request, frozen, url, persona, username, caplog
):
    request.getfixturevalue(persona)
    password = "Secret-Pa55word"  # typed into the username field by mistake
    login(client, url, password, "wrong")
    login(client, url, username, "wrong")
    unknown, known = LoginFailure.objects.order_by("pk")
    assert (unknown.username, known.username) == ("", username)
    entries = list(AuditEntry.objects.filter(action="auth.login.failure").order_by("pk"))
    assert [entry.actor_label for entry in entries] == ["(登録のない利用者名)", username]
    assert password not in json.dumps([entry.detail for entry in entries], ensure_ascii=False)
    logged = [json.dumps(getattr(record, "data", {})) + record.getMessage() for record in caplog.records]
    assert logged and password not in "".join(logged)
    assert not TokenBucket.objects.filter(value__contains=password).exists()
    # The typed name still counts, existing or not: the throttle tells nothing about accounts.
    for _ in range(9):
        login(client, url, password, "wrong")
    assert THROTTLED_MESSAGE in login(client, url, password, "wrong").content.decode()
