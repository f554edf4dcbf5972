"""The outbox of postings to D-Sure (issuers.postings) with DSURE_URL set, D-Sure's answers played by a
stand-in for issuers.dsure_client.post: what the clerk, the contractor and the audit trail see when
workers race or D-Sure answers oddly."""

import datetime

import pytest

from audit.models import AuditEntry
from issuers import dsure_client, postings
from issuers.models import ContractEvent, DsurePosting
from tests.netdesk.contracts_helpers import NOW, issue_application


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
