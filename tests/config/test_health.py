"""GET /healthz tells a load balancer whether the app can reach its database, and nothing more."""

from unittest import mock

from django.db import OperationalError


def test_healthz_answers_ok_without_login_or_session(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_without_details_when_the_database_is_down(client, db):
    failure = OperationalError('connection to server at "db.internal" (10.0.0.5), port 5432 failed')
    with mock.patch("config.health.connection.cursor", side_effect=failure):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    assert b"db.internal" not in response.content
    assert b"5432" not in response.content


def test_healthz_answers_503_when_the_query_itself_fails(client, db):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("server closed")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}


def test_healthz_accepts_only_reads(client, db):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
