"""閲覧履歴 for the official, the log for clerks and admins, and the first-view selector for Net Desk."""

import datetime

import pytest

from dsure.models import Body, LookupAttempt, Official
from dsure.selectors import first_views
from dsure.services import certificate_lookup
from tests import factories
from tests.dsure.conftest import KEY_P, NUMBER_P, NUMBER_Q, UNKNOWN_NUMBER, lookup, make_number


def test_officials_see_their_own_attempts_and_nobody_elses(client, official_p, official_q, cert_p, frozen):
    client.force_login(official_q)
    lookup(client, make_number(777), "WrongKey2345")
    client.force_login(official_p)
    lookup(client, NUMBER_P.lower(), "WrongKey2345")
    frozen.shift(datetime.timedelta(minutes=1))
    lookup(client, NUMBER_P, KEY_P)
    lookup(client, "12345-67890Z", "x")
    html = client.get("/dsure/history/").content.decode()
    assert make_number(777) not in html
    rows = html[html.index("<tbody>") : html.index("</tbody>")]
    assert rows.count("<tr>") == 3
    assert rows.index("番号の形式誤り") < rows.index("閲覧") < rows.index("不一致")  # newest first
    assert "2026/06/01 10:01:00" in rows and "2026/06/01 10:00:00" in rows
    assert NUMBER_P in rows and "12345-67890Z" in rows
    assert KEY_P not in html and "WrongKey2345" not in html
    assert "no-store" in client.get("/dsure/history/")["Cache-Control"]


def test_the_history_is_paginated_with_bounded_queries(client, official_p, django_assert_max_num_queries):
    official = official_p.official
    LookupAttempt.objects.bulk_create(
        LookupAttempt(
            at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC) + datetime.timedelta(seconds=i),
            official=official,
            number_typed=UNKNOWN_NUMBER,
            number=UNKNOWN_NUMBER,
            result=LookupAttempt.Result.FAILURE,
        )
        for i in range(120)
    )
    client.force_login(official_p)
    with django_assert_max_num_queries(10):
        first = client.get("/dsure/history/").content.decode()
    assert first.count(f"<td>{UNKNOWN_NUMBER}</td>") == 50
    assert "1 / 3 ページ" in first and 'href="?page=2"' in first
    with django_assert_max_num_queries(10):
        last = client.get("/dsure/history/", {"page": 3}).content.decode()
    assert last.count(f"<td>{UNKNOWN_NUMBER}</td>") == 20


def test_the_history_needs_an_official(client, contractor_a):
    assert client.get("/dsure/history/").status_code == 302
    client.force_login(contractor_a)
    assert client.get("/dsure/history/").status_code == 403


# --- admin ---------------------------------------------------------------------------------------


@pytest.fixture
def logged_attempts(official_p, official_q, cert_p, cert_q):
    for user, number, key in [
        (official_p, NUMBER_P, KEY_P),
        (official_p, NUMBER_P, "WrongKey2345"),
        (official_q, NUMBER_P, KEY_P),
        (official_q, "１２３", "x"),
    ]:
        certificate_lookup(official=user.official, number_typed=number, key=key, ip_address="198.51.100.7")


def test_the_admin_lists_every_attempt_read_only_with_filters_and_search(
    admin_client, logged_attempts, django_assert_max_num_queries
):
    url = "/admin/dsure/lookupattempt/"
    with django_assert_max_num_queries(12):
        page = admin_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("198.51.100.7") == 4
    assert "paul" in html and "quinn" in html and "栃木県" in html
    assert "/admin/dsure/lookupattempt/add/" not in html
    assert KEY_P not in html
    body_q = Body.objects.get(code="090000")
    filtered = admin_client.get(url, {"result__exact": "failure", "official__body__id__exact": body_q.pk})
    assert filtered.content.decode().count("198.51.100.7") == 1
    assert admin_client.get(url, {"q": NUMBER_P}).content.decode().count("198.51.100.7") == 3
    assert "今日" in html  # the date filter
    attempt = LookupAttempt.objects.first()
    assert admin_client.get(f"{url}add/").status_code == 403
    assert admin_client.post(f"{url}{attempt.pk}/delete/", {"post": "yes"}).status_code == 403
    change = admin_client.get(f"{url}{attempt.pk}/change/").content.decode()
    assert 'name="_save"' not in change


def test_a_clerk_with_the_view_permission_sees_the_log(client, clerk_x, logged_attempts):
    from django.contrib.auth.models import Permission

    clerk_x.user_permissions.add(Permission.objects.get(codename="view_lookupattempt"))
    client.force_login(clerk_x)
    assert client.get("/admin/dsure/lookupattempt/").status_code == 200


def test_certificates_and_versions_are_read_only_and_show_no_key_digest(admin_client, cert_p):
    for url in (
        "/admin/dsure/certificate/",
        f"/admin/dsure/certificate/{cert_p.pk}/change/",
        "/admin/dsure/postedversion/",
        f"/admin/dsure/postedversion/{cert_p.versions.get().pk}/change/",
    ):
        response = admin_client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert cert_p.key_digest not in html
        assert "ダイジェスト" not in html
        assert 'name="_save"' not in html
    assert admin_client.get("/admin/dsure/certificate/add/").status_code == 403


def test_bodies_and_officials_are_edited_in_the_admin(admin_client, official_p):
    response = admin_client.post("/admin/dsure/body/add/", {"code": "212041", "name": "富士見町"})
    assert response.status_code == 302
    body = Body.objects.get(code="212041")
    user = factories.UserFactory(username="fujimi")
    response = admin_client.post("/admin/dsure/official/add/", {"user": user.pk, "body": body.pk})
    assert response.status_code == 302
    assert Official.objects.get(user=user).body == body
    assert admin_client.get("/admin/dsure/official/").status_code == 200


# --- first_views ---------------------------------------------------------------------------------


def test_first_views_tells_which_certificates_the_body_has_seen_in_one_query(
    official_p, cert_p, cert_q, frozen, django_assert_num_queries
):
    certificate_lookup(official=official_p.official, number_typed=NUMBER_P, key=KEY_P, ip_address=None)
    with django_assert_num_queries(1):
        seen = first_views([NUMBER_P, NUMBER_Q, UNKNOWN_NUMBER])
    assert seen == {NUMBER_P: datetime.datetime(2026, 6, 1, 1, 0, tzinfo=datetime.UTC)}
    with django_assert_num_queries(0):
        assert first_views([]) == {}
