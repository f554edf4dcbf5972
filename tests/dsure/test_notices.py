"""通知: each event on a certificate in a body's inbox is one notice for that body — 変更, 訂正, 変更取消,
取消, 保証期限 within 30 and 7 days, 期限切れ — with an unread count in the header, a list, links through
the inbox's access rules, and e-mail for officials who chose it. Other bodies see nothing."""

import datetime
import re
import socket

import pytest
import time_machine
from django.core import mail
from django.test import Client

from dsure.deliveries import deliveries_due
from dsure.events import certificates_expire
from dsure.models import Body, Certificate, CertificateEvent, Delivery, PostedVersion
from dsure.services import certificate_revoke
from tests import factories
from tests.dsure.conftest import BODY_P, KEY_P, KEY_Q, NUMBER_P, NUMBER_Q, TOKYO, lookup, make_number, post

Kind = PostedVersion.Kind
NOTICES = "/dsure/notices/"


def notice_rows(client) -> list[str]:
    html = client.get(NOTICES).content.decode()
    if "<tbody>" not in html:
        return []
    return re.findall(r"<tr>(.*?)</tr>", html[html.index("<tbody>") : html.index("</tbody>")], flags=re.S)


def unread_badge(client) -> str | None:
    match = re.search(
        r'<span class="notice-count">(\d+)<span class="visually-hidden">件の未読</span></span>',
        client.get("/dsure/history/").content.decode(),
    )
    return match[1] if match else None


@pytest.fixture
def received(paul, cert_p, quinn_client, cert_q):
    """Both bodies looked their own certificate up once: each is in its body's inbox."""
    lookup(paul, NUMBER_P, KEY_P)
    lookup(quinn_client, NUMBER_Q, KEY_Q)
    return cert_p


@pytest.fixture
def quinn_client(official_q):
    client = Client()
    client.force_login(official_q)
    return client


def test_a_change_is_one_unread_notice_for_the_body_and_nothing_for_another(paul, quinn_client, received):
    assert unread_badge(paul) is None
    post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1, guarantee_amount=25_000_000)

    (event,) = CertificateEvent.objects.all()
    assert (event.kind, event.body.code, event.certificate.number) == ("changed", "204862", NUMBER_P)
    assert unread_badge(paul) == "1"
    (row,) = notice_rows(paul)
    assert NUMBER_P in row and "変更一" in row and "未読" in row
    assert unread_badge(quinn_client) is None and notice_rows(quinn_client) == []
    assert quinn_client.get(f"{NOTICES}{event.public_id}/").status_code == 404


def test_opening_a_notice_reads_it_and_shows_the_certificate_through_the_inbox(paul, official_p, received):
    post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1)
    event = CertificateEvent.objects.get()
    colleague = Client()
    colleague.force_login(factories.OfficialFactory(user__username="pia", body=official_p.official.body).user)

    response = colleague.get(f"{NOTICES}{event.public_id}/", follow=True)
    assert response.redirect_chain[0] == (f"/dsure/inbox/{received.public_id}/", 302)
    assert response.status_code == 200 and NUMBER_P in response.content.decode()
    assert unread_badge(colleague) is None
    assert unread_badge(paul) == "1"  # read per official: the colleague's reading is hers


def test_each_kind_of_posting_and_the_withdrawal_is_one_notice(paul, received):
    post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1)
    post(NUMBER_P, BODY_P, sequence=3, kind=Kind.CORRECTION, change_no=1)
    post(NUMBER_P, BODY_P, sequence=4, kind=Kind.CANCELLATION, change_no=1)
    certificate_revoke(number=NUMBER_P, at=datetime.datetime(2026, 6, 2, tzinfo=TOKYO))

    kinds = list(CertificateEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["changed", "corrected", "change_cancelled", "revoked"]
    assert [
        re.search(r'<td data-label="内容">(変更一|訂正|変更取消|取消)</td>', row)[1]
        for row in notice_rows(paul)
    ] == [
        "取消",
        "変更取消",
        "訂正",
        "変更一",
    ]
    assert CertificateEvent.objects.get(kind="revoked").payload["data"]["status"] == "revoked"


def test_a_certificate_nobody_of_the_body_has_looked_up_raises_nothing(paul, cert_p):
    post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1)
    certificate_revoke(number=NUMBER_P, at=datetime.datetime(2026, 6, 2, tzinfo=TOKYO))
    assert not CertificateEvent.objects.exists()
    assert notice_rows(paul) == []


def at_tokyo(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=TOKYO), tick=False)


def test_expiry_turns_at_midnight_in_japan_and_raises_each_reminder_once(paul, official_p, cert_p):
    """保証期限 2027-03-19 (conftest): 30 days before, 7 days before, and the day after, in Japan time."""
    lookup(paul, NUMBER_P, KEY_P)
    with at_tokyo(2027, 2, 16, 23, 59):
        certificates_expire()
    assert not CertificateEvent.objects.exists()
    with at_tokyo(2027, 2, 17, 0, 0):  # 2027-02-16 15:00 UTC: already the 17th in Japan
        certificates_expire()
        certificates_expire()
    assert list(CertificateEvent.objects.values_list("kind", flat=True)) == ["expiring_30"]
    with at_tokyo(2027, 3, 12, 9, 0):
        certificates_expire()
    with at_tokyo(2027, 3, 19, 23, 59, 59):  # the last day of the guarantee
        assert certificates_expire() == 0
    assert Certificate.objects.get(number=NUMBER_P).expired_at is None
    with at_tokyo(2027, 3, 20, 0, 0):
        assert certificates_expire() == 1
        assert certificates_expire() == 0
        paul.force_login(official_p)  # months later: a new session
        page = paul.get(f"/dsure/inbox/{cert_p.public_id}/", follow=True).content.decode()
    assert "期限切れ" in page.split('id="main"', 1)[1]
    kinds = list(CertificateEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["expiring_30", "expiring_7", "expired"]
    assert CertificateEvent.objects.get(kind="expired").payload["data"]["status"] == "expired"


def test_every_body_gets_the_events_of_its_own_certificates_only(paul, quinn_client, received):
    """Both certificates expire on the same day: one 期限切れ each, each in its own body's list."""
    with at_tokyo(2027, 3, 20, 0, 0):
        assert certificates_expire() == 2
    assert sorted(CertificateEvent.objects.values_list("certificate__number", "body__code")) == sorted(
        [(NUMBER_P, "204862"), (NUMBER_Q, "090000")]
    )
    assert [NUMBER_P in row for row in notice_rows(paul)] == [True]
    assert [NUMBER_Q in row for row in notice_rows(quinn_client)] == [True]


def test_a_change_that_extends_the_deadline_makes_an_expired_certificate_valid_and_due_again(paul, received):
    with at_tokyo(2027, 3, 20, 0, 0):
        certificates_expire()
        post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1, guarantee_deadline="2027-06-30")
    certificate = Certificate.objects.get(number=NUMBER_P)
    assert (certificate.guarantee_deadline, certificate.expired_at) == (datetime.date(2027, 6, 30), None)
    with at_tokyo(2027, 7, 1, 0, 0):
        certificates_expire()
    assert CertificateEvent.objects.filter(kind="expired", certificate__number=NUMBER_P).count() == 2


def closed_port() -> int:
    """A local port nothing listens on: an SMTP server (or a webhook receiver) that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def test_officials_who_chose_e_mail_get_one_mail_per_event_without_the_key(
    paul, official_p, quinn_client, received, django_capture_on_commit_callbacks
):
    paul.post(NOTICES, {"notify_by_email": "on"})
    official_p.email = "paul@vill.otari.example"
    official_p.save()
    factories.OfficialFactory(
        user__username="pia", user__email="pia@vill.otari.example", body=official_p.official.body
    )
    quinn_client.post(NOTICES, {"notify_by_email": "on"})

    with django_capture_on_commit_callbacks(execute=True):
        post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1)

    (message,) = mail.outbox
    assert message.to == ["paul@vill.otari.example"]
    assert NUMBER_P in message.subject and "変更一" in message.subject
    assert KEY_P not in message.body and KEY_P not in message.subject
    assert "/dsure/notices/" in message.body and "見本" in message.body


def test_the_notice_mail_is_plain_text_not_html_escaped(
    paul, official_p, received, django_capture_on_commit_callbacks
):
    Body.objects.filter(code=BODY_P.code).update(name="小谷村 & <見本>")
    official_p.email = "paul@vill.otari.example"
    official_p.save()
    paul.post(NOTICES, {"notify_by_email": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1)
    (message,) = mail.outbox
    assert "小谷村 & <見本> ご担当者様" in message.body
    assert "&amp;" not in message.body + message.subject


def test_a_mail_that_cannot_be_sent_is_retried_from_the_outbox(
    paul, official_p, received, settings, django_capture_on_commit_callbacks
):
    official_p.email = "paul@vill.otari.example"
    official_p.save()
    paul.post(NOTICES, {"notify_by_email": "on"})
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }
    with at_tokyo(2026, 7, 1, 10, 0) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1)
        delivery = Delivery.objects.get()
        assert (delivery.state, delivery.attempts, delivery.last_error) == (
            "pending",
            1,
            "ConnectionRefusedError",
        )
        settings.MAILERS = LOCMEM
        assert deliveries_due() == 0  # not due yet (backoff)
        traveller.shift(datetime.timedelta(seconds=6))
        assert deliveries_due() == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 2)
    assert len(mail.outbox) == 1
    assert [attempt.error for attempt in delivery.attempt_log.all()] == ["ConnectionRefusedError", ""]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("moved", "職員が別の発注機関に移りました。"),
        ("deactivated", "職員のアカウントが無効です。"),
        ("opted out", "職員がメールでの通知を止めました。"),
    ],
)
def test_a_queued_mail_is_not_sent_to_an_official_who_no_longer_should_get_it(
    paul, official_p, official_q, received, change, reason, django_capture_on_commit_callbacks
):
    official_p.email = "paul@vill.otari.example"
    official_p.save()
    paul.post(NOTICES, {"notify_by_email": "on"})
    with django_capture_on_commit_callbacks(execute=False):
        post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1)  # queued, sent later
    official = official_p.official
    if change == "moved":
        official.body = official_q.official.body
    elif change == "deactivated":
        official_p.is_active = False
        official_p.save()
    else:
        official.notify_by_email = False
    official.save()
    assert deliveries_due() == 1
    delivery = Delivery.objects.get()
    assert mail.outbox == []
    assert (delivery.state, delivery.last_error) == ("failed", reason)
    assert [attempt.error for attempt in delivery.attempt_log.all()] == [reason]


def test_the_choice_of_e_mail_is_a_labelled_checkbox_kept_per_official(paul, official_p):
    html = paul.get(NOTICES).content.decode()
    assert '<label for="id_notify_by_email">' in html
    response = paul.post(NOTICES, {"notify_by_email": "on"}, follow=True)
    assert "通知メールの設定を保存しました。" in response.content.decode()
    official_p.official.refresh_from_db()
    assert official_p.official.notify_by_email is True
    paul.post(NOTICES, {})
    official_p.official.refresh_from_db()
    assert official_p.official.notify_by_email is False


def test_1000_notices_page_by_20_with_bounded_queries(paul, received, django_assert_max_num_queries):
    certificate = Certificate.objects.get(number=NUMBER_P)
    CertificateEvent.objects.bulk_create(
        CertificateEvent(
            body=certificate.body,
            certificate=certificate,
            kind="changed",
            dedup_key=f"version:{i}",
            payload={"data": {"version": {"change_no": 1}, "guarantee_deadline": "2027-03-19"}},
        )
        for i in range(1000)
    )
    with django_assert_max_num_queries(12):
        first = paul.get(NOTICES).content.decode()
    assert first.count("変更一") == 20 and '<span class="notice-count">1000<' in first
    with django_assert_max_num_queries(12):
        assert paul.get(NOTICES, {"page": 50}).status_code == 200


def test_a_number_of_another_body_never_appears(paul, received):
    other = make_number(2)
    post(other, BODY_P, key=KEY_P)  # 小谷村's, but nobody looked it up
    post(other, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1)
    assert all(other not in row for row in notice_rows(paul))
