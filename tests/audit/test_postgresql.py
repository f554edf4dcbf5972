"""What only PostgreSQL can show: the append-only trigger, and many writers appending at once."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction

import audit
from audit.models import AuditEntry, ChainHead, PendingEntry, TrailPosition
from audit.verify import verify_chain
from dsure.models import PostedVersion
from issuers.models import CertificateVersion, FeeStatement, KeyIssue

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger and real concurrent writers need PostgreSQL (set DATABASE_URL)",
)

PROTECTED = [AuditEntry, TrailPosition, CertificateVersion, KeyIssue, FeeStatement, PostedVersion]


def _raw(sql: str, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("model", PROTECTED, ids=lambda m: m._meta.db_table)
def test_raw_sql_can_neither_update_nor_delete_an_issued_row(contract, model):
    row = model.objects.order_by("pk").first()
    assert row is not None, "the issue should have written one"
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)

    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f"UPDATE {table} SET {pk} = {pk} WHERE {pk} = %s", [row.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f"DELETE FROM {table} WHERE {pk} = %s", [row.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f"DELETE FROM {table}", [])
    assert model.objects.filter(pk=row.pk).exists()


def test_appending_still_works_under_the_trigger(contract, clerk_x):
    before = AuditEntry.objects.count()
    audit.record(action="test.step", summary="追記", by=clerk_x)
    assert AuditEntry.objects.count() == before + 1
    assert verify_chain().ok


THREADS = 8
PER_THREAD = 25


@pytest.mark.django_db(transaction=True)
def test_eight_writers_appending_200_entries_at_once_leave_one_unbroken_chain(time_machine, superuser):
    """Each writer commits and the sequencer runs after each commit, from whichever thread gets the
    head first; the others skip it. In the end every entry has exactly one position, 1…200."""
    time_machine.move_to(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=True)

    def write(thread):
        try:
            for n in range(PER_THREAD):
                audit.record(
                    action="test.concurrent", summary=f"{thread}-{n}", by=superuser, thread=thread, n=n
                )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(write, range(THREADS)))

    report = verify_chain()
    assert report.ok, report.reason
    assert report.verified == THREADS * PER_THREAD
    assert ChainHead.objects.get().entries == THREADS * PER_THREAD
    assert not PendingEntry.objects.exists()
    positions = sorted(TrailPosition.objects.values_list("position", flat=True))
    assert positions == list(range(1, THREADS * PER_THREAD + 1))
    assert TrailPosition.objects.values("entry").distinct().count() == THREADS * PER_THREAD
