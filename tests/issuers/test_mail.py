"""The outbox: nothing is lost when the mail server is down, nothing is sent twice."""

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command

from issuers import services
from issuers.mail import deliver_due
from issuers.models import OutboundMail
from tests.issuers.helpers import terms

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def issue(branch, body, clerk):
    return services.contract_issue(terms=terms(branch=branch, body=body), by=clerk)


def test_mail_server_down_keeps_the_mail_and_the_sweeper_sends_it_later(
    now, fee_rates, branch_x, body_p, clerk_x, django_capture_on_commit_callbacks
):
    mail_server_down = mock.patch(
        "django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionRefusedError
    )
    with mail_server_down, django_capture_on_commit_callbacks(execute=True):
        contract = issue(branch_x, body_p, clerk_x)
    queued = OutboundMail.objects.get()
    assert contract.pk is not None  # the issue itself is not undone by a mail failure
    assert (queued.sent_at, queued.attempts, queued.last_error) == (None, 1, "ConnectionRefusedError")
    assert mail.outbox == []

    assert deliver_due() == 0  # not yet due: backoff
    now.shift(datetime.timedelta(minutes=5))
    call_command("send_outbox")
    queued.refresh_from_db()
    assert queued.sent_at is not None and queued.attempts == 2
    assert len(mail.outbox) == 1


def test_a_sent_mail_is_never_sent_again(
    now, fee_rates, branch_x, body_p, clerk_x, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue(branch_x, body_p, clerk_x)
    now.shift(datetime.timedelta(hours=1))
    assert deliver_due() == 0
    assert len(mail.outbox) == 1


def test_no_mail_when_the_contractor_did_not_ask(
    now, fee_rates, branch_x, body_p, clerk_x, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_issue(terms=terms(branch=branch_x, body=body_p, notify_email=""), by=clerk_x)
    assert not OutboundMail.objects.exists()
    assert mail.outbox == []


def test_a_rolled_back_issue_leaves_no_mail(
    now, fee_rates, branch_x, body_p, clerk_x, django_capture_on_commit_callbacks
):
    failing_step = mock.patch("issuers.services._save_fee_statement", side_effect=RuntimeError("disk full"))
    with failing_step, django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        issue(branch_x, body_p, clerk_x)
    assert not OutboundMail.objects.exists()
    assert mail.outbox == []


def test_the_plain_text_mail_is_not_html_escaped(
    now, fee_rates, branch_x, body_p, clerk_x, django_capture_on_commit_callbacks
):
    work = "A&B <第2期> \"工事\" 'その1'"
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_issue(terms=terms(branch=branch_x, body=body_p, work_name=work), by=clerk_x)
    (sent,) = mail.outbox
    assert f"工事名　　　　: {work}" in sent.body
    assert "&amp;" not in sent.body + sent.subject
    html, _ = sent.alternatives[0]
    assert "A&amp;B &lt;第2期&gt;" in html  # the HTML part stays escaped
