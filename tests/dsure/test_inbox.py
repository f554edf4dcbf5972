"""受領済み電子証書一覧: what a body's officials once looked up stays in the body's list, with its status,
保証期限, 「更新あり」 and 「期限切れ間近」, and opens again without the key; other bodies never see it."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from dsure.access import GRANTS_SESSION_KEY
from dsure.digest import key_digest
from dsure.models import BodyCertificateView, PostedVersion
from dsure.services import certificate_key_replace
from tests import factories
from tests.dsure.conftest import (
    BODY_P,
    KEY_P,
    KEY_Q,
    NUMBER_P,
    NUMBER_Q,
    lookup,
    post,
)

Kind = PostedVersion.Kind
INBOX = "/dsure/inbox/"
UPDATED = '<span class="inbox-mark updated">更新あり</span>'
EXPIRING = '<span class="inbox-mark expiring">期限切れ間近</span>'


def rows(html: str) -> list[str]:
    """The inbox table's body rows."""
    if "<tbody>" not in html:
        return []
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def row_of(html: str, number: str) -> str:
    (row,) = [row for row in rows(html) if number in row]
    return row


def inbox(client) -> str:
    response = client.get(INBOX)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def colleague(official_p):
    """Another official of 小谷村, in a fresh session: she never typed the key. `.user` to log in again
    after a time travel longer than the idle timeout."""
    client = Client()
    client.user = factories.OfficialFactory(user__username="pia", body=official_p.official.body).user
    client.force_login(client.user)
    return client


def open_from_inbox(client, certificate) -> str:
    """Click the number in the list: the certificate page, without the key."""
    response = client.get(f"/dsure/inbox/{certificate.public_id}/")
    assert response.status_code == 302
    assert response.url == f"/dsure/certificates/{certificate.public_id}/"
    page = client.get(response.url)
    assert page.status_code == 200
    return page.content.decode()


def test_the_header_links_to_the_inbox_and_it_starts_empty(paul):
    html = paul.get("/dsure/").content.decode()
    assert f'<a href="{INBOX}">受領済み電子証書一覧</a>' in html
    page = inbox(paul)
    assert "<h1>受領済み電子証書一覧</h1>" in page
    assert "受領済みの電子証書はまだありません。" in page
    assert "見本" in page
    assert "no-store" in paul.get(INBOX)["Cache-Control"]


def test_a_certificate_looked_up_once_stays_in_the_list_with_its_details(frozen, paul, official_p, cert_p):
    lookup(paul, NUMBER_P, KEY_P)
    frozen.shift(datetime.timedelta(days=3))
    paul.force_login(official_p)  # a new session days later: the list needs no key
    row = row_of(inbox(paul), NUMBER_P)
    assert f'href="/dsure/inbox/{cert_p.public_id}/"' in row
    for text in ("前払金保証", "中小谷地区道路改良工事", "20,000,000 円", "令和09年03月19日", "有効"):
        assert text in row
    assert "2026/06/01 10:00" in row  # 最終掲載日時: posted under the frozen clock
    assert UPDATED not in row and EXPIRING not in row
    assert KEY_P not in row


def test_failed_lookups_and_another_bodys_lookups_do_not_fill_the_list(
    client, paul, official_q, cert_p, cert_q
):
    lookup(paul, NUMBER_P, "WrongKey2345")
    lookup(paul, NUMBER_Q, KEY_Q)  # 栃木県's certificate with its right key: a failure for 小谷村
    assert rows(inbox(paul)) == []
    quinn = Client()
    quinn.force_login(official_q)
    lookup(quinn, NUMBER_P, KEY_P)  # 小谷村's certificate with its right key: a failure for 栃木県
    assert rows(inbox(quinn)) == []
    lookup(quinn, NUMBER_Q, KEY_Q)
    assert [NUMBER_Q in row for row in rows(inbox(quinn))] == [True]
    assert rows(inbox(paul)) == []


def test_a_colleague_opens_it_from_the_list_without_the_key(paul, colleague, cert_p):
    lookup(paul, NUMBER_P, KEY_P)
    assert NUMBER_P in row_of(inbox(colleague), NUMBER_P)
    assert colleague.get(f"/dsure/certificates/{cert_p.public_id}/").status_code == 404  # not directly
    assert "小谷村長" in open_from_inbox(colleague, cert_p)
    entry = AuditEntry.objects.filter(action="dsure.inbox.open").get()
    assert (entry.actor_label, entry.object_id, entry.detail) == ("pia", str(cert_p.pk), {"number": NUMBER_P})


def test_another_bodys_official_gets_a_404_from_the_list_url(paul, official_q, cert_p):
    lookup(paul, NUMBER_P, KEY_P)
    quinn = Client()
    quinn.force_login(official_q)
    assert quinn.get(f"/dsure/inbox/{cert_p.public_id}/").status_code == 404
    assert GRANTS_SESSION_KEY not in quinn.session
    assert quinn.get(f"/dsure/certificates/{cert_p.public_id}/").status_code == 404
    assert NUMBER_P not in inbox(quinn)
    assert not AuditEntry.objects.filter(action="dsure.inbox.open").exists()


def test_a_certificate_never_looked_up_by_the_body_does_not_open_from_the_list(colleague, cert_p):
    assert colleague.get(f"/dsure/inbox/{cert_p.public_id}/").status_code == 404
    assert colleague.post(f"/dsure/inbox/{cert_p.public_id}/").status_code == 405


def test_a_reissued_key_does_not_shut_the_body_out_of_its_own_list(paul, cert_p):
    """The documented choice: a re-issue after a leak protects against third parties, and the body
    already proved the key once."""
    certificate_url = lookup(paul, NUMBER_P, KEY_P).url
    certificate_key_replace(number=NUMBER_P, key_digest=key_digest(NUMBER_P, "Nw4KeyQ7rT2s"))
    assert paul.get(certificate_url).status_code == 404  # the old grant died with the old key
    open_from_inbox(paul, cert_p)
    assert paul.get(certificate_url).status_code == 200


def test_a_version_posted_after_the_last_view_is_marked_until_the_body_opens_it(
    frozen, paul, official_p, colleague, cert_p
):
    lookup(paul, NUMBER_P, KEY_P)  # the lookup's redirect is not followed: the first view counts
    frozen.shift(datetime.timedelta(days=10))  # 2026-06-11
    paul.force_login(official_p)
    post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1, guarantee_amount=24_000_000)
    row = row_of(inbox(paul), NUMBER_P)
    assert UPDATED in row
    assert "24,000,000 円" in row  # the current version's content
    assert "2026/06/11 10:00" in row

    frozen.shift(datetime.timedelta(minutes=5))
    colleague.force_login(colleague.user)
    open_from_inbox(colleague, cert_p)
    assert UPDATED not in row_of(inbox(paul), NUMBER_P)  # a colleague's view counts for the body

    frozen.shift(datetime.timedelta(minutes=30))
    post(NUMBER_P, BODY_P, sequence=3, kind=Kind.CORRECTION, change_no=1, guarantee_amount=25_000_000)
    row = row_of(inbox(paul), NUMBER_P)
    assert UPDATED in row and "25,000,000 円" in row  # a 訂正 is an update too
    # Any page of the certificate counts, here the colleague's view of an older version.
    assert colleague.get(f"/dsure/certificates/{cert_p.public_id}/versions/1/").status_code == 200
    assert UPDATED not in row_of(inbox(paul), NUMBER_P)
    assert BodyCertificateView.objects.count() == 1


@pytest.mark.parametrize(
    ("deadline", "status", "expiring"),
    [
        ("2026-06-01", "有効", True),  # today
        ("2026-07-01", "有効", True),  # 30 days ahead
        ("2026-07-02", "有効", False),  # 31 days ahead
        ("2026-05-31", "期限切れ", False),
    ],
)
def test_status_and_the_expiry_mark_follow_the_guarantee_deadline(
    frozen, paul, official_p, deadline, status, expiring
):
    post(NUMBER_P, BODY_P, key=KEY_P, guarantee_deadline=deadline)
    lookup(paul, NUMBER_P, KEY_P)
    row = row_of(inbox(paul), NUMBER_P)
    assert f">{status}</span>" in row
    assert (EXPIRING in row) is expiring


def test_a_change_that_extends_the_deadline_clears_the_expiry_mark(frozen, paul, official_p, cert_p):
    lookup(paul, NUMBER_P, KEY_P)
    frozen.move_to(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC))
    paul.force_login(official_p)
    assert EXPIRING in row_of(inbox(paul), NUMBER_P)  # 2027-03-19 is 18 days away
    post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1, guarantee_deadline="2027-09-30")
    row = row_of(inbox(paul), NUMBER_P)
    assert EXPIRING not in row and "令和09年09月30日" in row and UPDATED in row


# --- 1,000 certificates --------------------------------------------------------------------------------


def test_1000_certificates_paginate_by_20_latest_posting_first_with_bounded_queries(
    paul, thousand, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        first = inbox(paul)
    first_rows = rows(first)
    assert len(first_rows) == 20
    # The amended ones (every tenth, a day later) come first, the latest first: 1000, 990, …, 810.
    assert [re.search(r"工事(\d{4})", row)[1] for row in first_rows] == [
        f"{i:04d}" for i in range(1000, 800, -10)
    ]
    assert all(UPDATED in row and "30,000,000 円" in row for row in first_rows)
    assert "1 / 50 ページ（1000件）" in first

    with django_assert_max_num_queries(12):
        last = paul.get(INBOX, {"page": 50}).content.decode()
    assert len(rows(last)) == 20
    assert "工事0001" in last and UPDATED not in last
    assert paul.get(INBOX, {"page": "abc"}).status_code == 200  # a bad page number is the first page


def test_opening_a_certificate_writes_one_read_marker_per_body(paul, colleague, cert_p):
    lookup(paul, NUMBER_P, KEY_P)
    for client in (paul, colleague, paul):
        open_from_inbox(client, cert_p)
    marker = BodyCertificateView.objects.get()
    assert marker.body.code == BODY_P.code
    assert marker.last_opened_at <= timezone.now()
