"""`manage.py dsure_prune_lookups`: lookup attempts past the operator's retention go (in batches),
newer ones — what the throttle and 閲覧履歴 read — stay, and the pruning is in the audit trail."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEntry
from dsure.models import LookupAttempt

NUMBER = "20108-900001"


def attempts(official, *, days_ago: float, count: int):
    now = timezone.now()
    LookupAttempt.objects.bulk_create(
        LookupAttempt(
            at=now - datetime.timedelta(days=days_ago, seconds=i),
            official=official,
            number_typed=NUMBER,
            number=NUMBER,
            result=LookupAttempt.Result.FAILURE,
        )
        for i in range(count)
    )


def test_attempts_older_than_the_retention_go_and_newer_ones_stay(client, official_p, settings):
    settings.LOOKUP_RETENTION_DAYS = 30
    official = official_p.official
    attempts(official, days_ago=400, count=25)
    attempts(official, days_ago=31, count=5)
    attempts(official, days_ago=29, count=3)
    attempts(official, days_ago=0, count=2)

    call_command("dsure_prune_lookups")

    assert LookupAttempt.objects.count() == 5
    assert all(a.at > timezone.now() - datetime.timedelta(days=30) for a in LookupAttempt.objects.all())
    client.force_login(official_p)
    assert client.get("/dsure/history/").content.decode().count(f"<td>{NUMBER}</td>") == 5
    entry = AuditEntry.objects.get(action="dsure.lookup_attempts.prune")
    assert entry.detail["deleted"] == 30


def test_batches_delete_everything_past_the_retention(official_p):
    from dsure.services import lookup_attempts_prune

    attempts(official_p.official, days_ago=50, count=23)

    assert lookup_attempts_prune(older_than=datetime.timedelta(days=10), batch=5) == 23
    assert not LookupAttempt.objects.exists()


def test_a_retention_the_throttle_still_needs_is_refused(official_p):
    attempts(official_p.official, days_ago=0.1, count=3)

    with pytest.raises(CommandError, match="throttle"):
        call_command("dsure_prune_lookups", "--days", "0")
    assert LookupAttempt.objects.count() == 3
