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


OLD = datetime.datetime(2024, 4, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
def test_archiving_deletes_while_another_transaction_holds_an_uncommitted_audit_entry(time_machine, tmp_path):
    """Archiving takes no table lock: a request that wrote an audit entry and has not committed yet
    (nor the requests queueing behind it) does not stall the deletion, and the deletion does not stall
    them. Outside the archive, DELETE and UPDATE are still refused."""
    import io
    import threading

    from django.core.management import call_command

    from audit.sequencer import sequence_pending

    time_machine.move_to(OLD, tick=False)
    for n in range(3):
        audit.record(action="test.old", summary=f"古い記録 {n}", n=n)
    time_machine.move_to(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
    audit.record(action="test.new", summary="新しい記録")
    sequence_pending()

    written, release = threading.Event(), threading.Event()

    def open_request():
        try:
            with transaction.atomic():
                audit.record(action="test.open", summary="未確定の記録")
                written.set()
                release.wait(30)
        finally:
            connection.close()

    def archive():
        try:
            call_command("audit_archive", "--to", str(tmp_path), "--days", "365", stdout=io.StringIO())
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(open_request)
        assert written.wait(10)
        archiving = pool.submit(archive)
        try:
            archiving.result(timeout=10)  # TimeoutError: the deletion waited for the open transaction
        finally:
            release.set()
        holder.result(timeout=10)

    assert not TrailPosition.objects.filter(position__lte=3).exists()
    assert not AuditEntry.objects.filter(action="test.old").exists()
    sequence_pending()
    assert verify_chain().ok
    kept = AuditEntry.objects.get(action="test.new")
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [kept.pk])
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL audit.archiving = 'on'")
        cursor.execute("UPDATE audit_auditentry SET summary = '書き換え' WHERE id = %s", [kept.pk])
    assert AuditEntry.objects.get(pk=kept.pk).summary == "新しい記録"


@pytest.mark.django_db(transaction=True)
def test_audit_verify_waits_for_a_round_in_progress_and_sees_what_was_committed_before_it_started(
    time_machine, superuser
):
    """A sequencer (A) holds the head; an entry (B) commits meanwhile and its own round skips the held
    head. audit_verify (C), started after B's commit, waits for A's round and then sequences B's entry
    itself: it reports the whole trail, nothing left waiting."""
    import io
    import threading
    import time

    from django.core.management import call_command

    from audit.sequencer import sequence_pending

    time_machine.move_to(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=True)
    audit.record(action="test.first", summary="最初", by=superuser)
    sequence_pending()
    holding, release = threading.Event(), threading.Event()

    def hold_the_head():
        try:
            with transaction.atomic():
                ChainHead.objects.select_for_update().get(pk=ChainHead.SINGLETON)
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    def verify():
        try:
            out = io.StringIO()
            call_command("audit_verify", stdout=out)
            return out.getvalue()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(hold_the_head)
        assert holding.wait(10)
        entry = audit.record(action="test.during", summary="保持中に確定", by=superuser)
        assert PendingEntry.objects.filter(entry=entry).exists()
        verifying = pool.submit(verify)
        time.sleep(0.5)
        waited = not verifying.done()
        release.set()
        holder.result(timeout=10)
        output = verifying.result(timeout=10)

    assert waited, "audit_verify should wait for the round in progress"
    assert "OK: 2 audit entries verified." in output
    assert TrailPosition.objects.filter(entry=entry).exists()


def test_a_second_audit_archive_while_one_runs_is_refused_and_writes_nothing(contract, tmp_path):
    """Two overlapping runs would archive the same positions twice: the second is told to wait."""
    import io

    from django.core.management import CommandError, call_command
    from django.db import connections

    from audit.archive import RUN_LOCK
    from audit.models import ArchivedSegment

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [RUN_LOCK])
        with pytest.raises(CommandError, match="another audit_archive is running"):
            call_command("audit_archive", "--to", str(tmp_path), "--days", "365", stdout=io.StringIO())
    finally:
        other.close()
    assert not ArchivedSegment.objects.exists()
    assert not list(tmp_path.iterdir())
