"""The outbox of postings to D-Sure (issuers.postings) with DSURE_URL set, D-Sure's answers played by a
stand-in for issuers.dsure_client.post: what the clerk, the contractor and the audit trail see when
workers race or D-Sure answers oddly."""

import datetime
import json
import re
from unittest import mock

import pytest
import requests
from django.core import mail
from django.core.management import call_command

from audit.models import AuditEntry
from issuers import dsure_client, postings, services
from issuers.mail import deliver_due
from issuers.models import ContractEvent, DsurePosting, OutboundMail
from tests.issuers.helpers import terms
from tests.netdesk.contracts_helpers import NOW, issue_application

original_post = dsure_client.post


@pytest.fixture
def over_http(settings):
    settings.DSURE_URL = "https://d-sure.example.jp"
    settings.DSURE_ISSUER = "surety-x"
    settings.DSURE_ISSUER_TOKEN = "Xq3vJ9yQm2Zt7Lw4Rb8Nc6Hd1Kf5Sg0PaEuYiOoTrWs"
    return settings


@pytest.fixture
def issued(over_http, time_machine, fee_rates, company_a, contractor_a, body_p, branch_x, clerk_x):
    """An issued 前払金保証 whose 新規 posting waits in the outbox (not sent: the test transaction never
    commits)."""
    time_machine.move_to(NOW, tick=False)
    advance, _ = issue_application(
        company=company_a, contractor=contractor_a, body=body_p, branch=branch_x, clerk=clerk_x
    )
    return advance.contract


def test_two_workers_racing_past_the_lease_record_the_posting_once(issued, monkeypatch):
    # Worker A's request outlives its lease; worker B claims the posting again and D-Sure (idempotent
    # on the posting id) answers both with the same posted_at.
    later = NOW + postings.CLAIM_LEASE + datetime.timedelta(minutes=1)
    answers = []

    def post(wire):
        if not answers:
            answers.append("A")
            assert postings.postings_send(contract_id=issued.pk, now=later)  # worker B, meanwhile
        return NOW

    monkeypatch.setattr(dsure_client, "post", post)
    posting = DsurePosting.objects.get(contract=issued)
    assert postings._attempt(posting, now=NOW)  # worker A
    assert ContractEvent.objects.filter(contract=issued, action=ContractEvent.Action.POST).count() == 1
    assert AuditEntry.objects.filter(action="dsure.post").count() == 1


def issue_with_notice(branch, body, clerk):
    return services.contract_issue(terms=terms(branch=branch, body=body), by=clerk)


def test_over_http_the_issued_mail_waits_until_d_sure_has_the_certificate(
    over_http,
    time_machine,
    fee_rates,
    branch_x,
    body_p,
    clerk_x,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    # Before D-Sure has the 新規 an official trying the key would fail (and count toward a lock).
    time_machine.move_to(NOW, tick=False)
    down = mock.Mock(side_effect=dsure_client.DsureUnavailable("ConnectionError"))
    monkeypatch.setattr(dsure_client, "post", down)
    with django_capture_on_commit_callbacks(execute=True):
        contract = issue_with_notice(branch_x, body_p, clerk_x)
    assert down.called
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    deliver_due()
    assert mail.outbox == []
    assert OutboundMail.objects.get().sent_at is None

    monkeypatch.setattr(dsure_client, "post", lambda wire: NOW + datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        postings.postings_send_due()
    assert [m.subject for m in mail.outbox] == [OutboundMail.objects.get().subject]
    assert contract.number in mail.outbox[0].body


def test_embedded_the_issued_mail_leaves_with_the_issue(
    time_machine, fee_rates, branch_x, body_p, clerk_x, django_capture_on_commit_callbacks
):
    time_machine.move_to(NOW, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        issue_with_notice(branch_x, body_p, clerk_x)
    assert len(mail.outbox) == 1


def refusing(status, error, field):
    def answer(method, url, **kwargs):
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps({"error": error}).encode()
        response.headers["X-Invalid-Field"] = field
        return response

    return answer


def test_a_posting_d_sure_refuses_for_good_is_marked_refused_not_retried_and_shown(
    issued, monkeypatch, admin_client, time_machine, clerk_x, client
):
    calls = mock.Mock(side_effect=refusing(409, "conflict", "number"))
    monkeypatch.setattr(requests, "request", calls)
    assert not postings.postings_send(contract_id=issued.pk)
    posting = DsurePosting.objects.get(contract=issued)
    assert posting.refused_at is not None and posting.posted_at is None
    assert "409" in posting.last_error and "number" in posting.last_error
    assert posting.key_ciphertext  # kept encrypted: the operator may still get it posted

    page = admin_client.get("/admin/issuers/dsureposting/?refused_at__isempty=0").content.decode()
    assert issued.number in page and "409" in page
    client.force_login(clerk_x)
    contract_page = client.get(f"/admin/issuers/guaranteecontract/{issued.pk}/change/").content.decode()
    assert "掲載拒否" in contract_page

    time_machine.move_to(NOW + datetime.timedelta(days=1), tick=False)
    postings.postings_send_due()
    assert DsurePosting.objects.get(contract=issued).attempts == posting.attempts  # never retried on its own

    # The operator, the cause fixed on D-Sure's side, sends it again.
    monkeypatch.setattr(dsure_client, "post", lambda wire: NOW + datetime.timedelta(days=1))
    call_command("send_outbox", retry_refused=[str(posting.posting_id)])
    posting.refresh_from_db()
    assert posting.posted_at is not None and posting.refused_at is None


@pytest.mark.parametrize("status", [401, 408, 429, 503])
def test_a_posting_d_sure_may_take_later_is_retried(issued, monkeypatch, status):
    monkeypatch.setattr(requests, "request", refusing(status, "x", ""))
    assert not postings.postings_send(contract_id=issued.pk)
    posting = DsurePosting.objects.get(contract=issued)
    assert posting.refused_at is None and posting.last_error == f"HTTP {status}"


def test_the_clerks_resend_is_refused_while_d_sure_has_not_taken_the_certificate(
    issued, monkeypatch, client, clerk_x, django_capture_on_commit_callbacks
):
    # The 再送 tells the contractor the certificate can be seen in D-Sure: not true while it waits.
    url = f"/admin/issuers/guaranteecontract/{issued.pk}/resend-mail/"
    client.force_login(clerk_x)
    before = OutboundMail.objects.count()
    page = client.post(url, {"confirm": "yes"})
    assert page.status_code == 200
    assert "D-Sureへの掲載待ちのため、発行完了のお知らせを再送できません。" in page.content.decode()
    assert OutboundMail.objects.count() == before
    assert not issued.events.filter(action=ContractEvent.Action.MAIL).exists()
    assert not AuditEntry.objects.filter(action="mail.resend").exists()

    # Refused for good, it is said so, and still nothing leaves.
    monkeypatch.setattr(requests, "request", refusing(409, "conflict", "number"))
    postings.postings_send(contract_id=issued.pk)
    page = client.post(url, {"confirm": "yes"}).content.decode()
    assert "D-Sureが掲載を拒否したため、発行完了のお知らせを再送できません。" in page
    assert OutboundMail.objects.count() == before

    # Once D-Sure has taken it, the 再送 leaves.
    monkeypatch.setattr(dsure_client, "post", lambda wire: NOW)
    postings.posting_retry_refused(posting_id=DsurePosting.objects.get(contract=issued).posting_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert OutboundMail.objects.filter(dedup_key=f"issued:{issued.number}:resend:1").exists()
    assert AuditEntry.objects.filter(action="mail.resend").count() == 1


@pytest.mark.parametrize(
    ("operation", "what", "consequence"),
    [
        (
            lambda contract, clerk: services.key_reissue(contract=contract, by=clerk, reason="紛失"),
            "認証キー再発行",
            "新しい認証キーはD-Sureでまだ使えません",
        ),
        (
            lambda contract, clerk: services.contract_revoke(contract=contract, by=clerk, reason="契約解除"),
            "保証契約の取消",
            "D-Sureではまだ取消と表示されません",
        ),
    ],
)
def test_a_refused_key_reissue_or_revocation_is_shown_to_the_branch_clerk_on_the_contract_page(
    issued, monkeypatch, client, clerk_x, clerk_y, operation, what, consequence
):
    monkeypatch.setattr(dsure_client, "post", lambda wire: NOW)
    assert postings.postings_send(contract_id=issued.pk)  # D-Sure took the 新規
    operation(issued, clerk_x)
    url = f"/admin/issuers/guaranteecontract/{issued.pk}/change/"
    client.force_login(clerk_x)

    monkeypatch.setattr(dsure_client, "post", mock.Mock(side_effect=dsure_client.DsureUnavailable("x")))
    postings.postings_send(contract_id=issued.pk)
    page = re.sub(r"\s+", " ", client.get(url).content.decode())
    assert f"{what}：掲載待ち" in page

    monkeypatch.setattr(requests, "request", refusing(409, "conflict", "number"))
    monkeypatch.setattr(dsure_client, "post", original_post)
    DsurePosting.objects.filter(contract=issued).update(next_attempt_at=NOW)
    postings.postings_send(contract_id=issued.pk, now=NOW + datetime.timedelta(days=1))
    page = re.sub(r"\s+", " ", client.get(url).content.decode())
    assert f"{what}：掲載拒否（D-Sureが受け付けず。運用担当者へ）" in page
    assert consequence in page

    client.force_login(clerk_y)  # another branch's contract stays out of reach
    assert client.get(url).status_code == 404
