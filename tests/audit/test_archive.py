"""Archiving the oldest part of the trail (manage.py audit_archive): the rows leave the database, the
proof stays, and audit_verify still finds any row removed, changed or forged around the archive."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

import audit
from audit.models import ArchivedSegment, AuditEntry, TrailPosition
from audit.sequencer import sequence_pending
from tests.audit.helpers import raw_sql_bypassing_the_trigger

OLD = datetime.datetime(2024, 4, 1, 9, 0, tzinfo=datetime.UTC)
NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


def run(command, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def broken(command, *args) -> str:
    with pytest.raises(CommandError) as error:
        call_command(command, *args, stdout=io.StringIO())
    return str(error.value)


@pytest.fixture
def trail(db, time_machine):
    """Five entries from 2024, then three from 2026: a retention of one year archives the first five."""
    time_machine.move_to(OLD, tick=False)
    for n in range(5):
        audit.record(action="test.old", summary=f"古い記録 {n}", n=n)
    time_machine.move_to(NOW, tick=False)
    for n in range(3):
        audit.record(action="test.new", summary=f"新しい記録 {n}", n=n)
    sequence_pending()


def archive_file(tmp_path):
    (path,) = tmp_path.glob("*.jsonl")
    return path


def test_entries_older_than_the_retention_leave_the_database_and_the_trail_still_verifies(trail, tmp_path):
    output = run("audit_archive", "--to", str(tmp_path), "--days", "365")

    assert "Archived positions 1–5 (5 entries)" in output
    sequence_pending()  # the archive's own entry, as after its commit
    assert list(TrailPosition.objects.order_by("position").values_list("position", flat=True)) == [6, 7, 8, 9]
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == [
        "audit.archive", "test.new", "test.new", "test.new",
    ]  # fmt: skip
    assert "OK: 9 audit entries verified" in run("audit_verify")
    path = archive_file(tmp_path)
    assert "OK: audit-trail-000000000001-000000000005.jsonl holds positions 1–5" in run(
        "audit_verify", "--archive", str(path)
    )
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["summary"] for line in lines[1:]] == [f"古い記録 {n}" for n in range(5)]


def test_the_archive_is_itself_in_the_trail_and_a_second_run_continues_where_the_first_ended(
    trail, tmp_path, time_machine
):
    run("audit_archive", "--to", str(tmp_path), "--days", "365")
    (entry,) = AuditEntry.objects.filter(action="audit.archive")
    assert entry.detail["last_position"] == 5

    time_machine.move_to(NOW + datetime.timedelta(days=800), tick=False)
    output = run("audit_archive", "--to", str(tmp_path), "--days", "365")

    assert "Archived positions 6–9 (4 entries)" in output
    assert list(ArchivedSegment.objects.values_list("first_position", "last_position")) == [(1, 5), (6, 9)]
    assert "OK: 10 audit entries verified" in run("audit_verify")
    assert "Nothing to archive" in run("audit_archive", "--to", str(tmp_path), "--days", "365")


def test_an_archive_file_changed_afterwards_is_found(trail, tmp_path):
    run("audit_archive", "--to", str(tmp_path), "--days", "365")
    path = archive_file(tmp_path)
    path.write_text(path.read_text().replace("古い記録 2", "古い記録 X"))

    assert "not the file that was archived" in broken("audit_verify", "--archive", str(path))


def test_a_segment_row_forged_to_hide_deleted_positions_is_found(trail, tmp_path):
    place = TrailPosition.objects.get(position=5)
    ArchivedSegment(
        first_position=1,
        last_position=5,
        previous_chain_hash="0" * 64,
        last_chain_hash=place.chain_hash,
        file_name="forged.jsonl",
        file_sha256="0" * 64,
        archived_at=NOW,
        seal="0" * 64,
    ).save()
    with raw_sql_bypassing_the_trigger() as cursor:
        cursor.execute("DELETE FROM audit_trailposition WHERE position <= 5")

    assert "was not recorded by this server" in broken("audit_verify")


def test_a_position_deleted_after_the_archive_is_found(trail, tmp_path):
    run("audit_archive", "--to", str(tmp_path), "--days", "365")
    with raw_sql_bypassing_the_trigger() as cursor:
        cursor.execute("DELETE FROM audit_trailposition WHERE position = 7")

    assert "positions 7–7 are missing" in broken("audit_verify")


def test_a_broken_trail_is_not_archived_and_nothing_is_deleted(trail, tmp_path):
    with raw_sql_bypassing_the_trigger() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = '書き換え' WHERE action = 'test.old' AND id = "
                       "(SELECT MIN(id) FROM audit_auditentry)")  # fmt: skip

    assert "the trail is broken at position 1" in broken(
        "audit_archive", "--to", str(tmp_path), "--days", "365"
    )
    assert TrailPosition.objects.count() == 8
    assert not ArchivedSegment.objects.exists()
    assert not list(tmp_path.iterdir())


def test_a_retention_under_a_year_is_refused(trail, tmp_path):
    assert "at least 365 days" in broken("audit_archive", "--to", str(tmp_path), "--days", "30")
    assert TrailPosition.objects.count() == 8


def test_the_archive_file_is_readable_by_its_owner_only_and_its_directory_is_synced_before_the_record(
    trail, tmp_path, monkeypatch
):
    """The file holds actors, addresses and details: no group or other bits. After a crash the record
    must not say positions are archived while the rename was never made durable."""
    import os
    import stat

    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append((stat.S_ISDIR(os.fstat(fd).st_mode), ArchivedSegment.objects.exists()))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    run("audit_archive", "--to", str(tmp_path), "--days", "365")

    assert stat.S_IMODE(archive_file(tmp_path).stat().st_mode) & 0o077 == 0
    assert (True, False) in synced, "the directory is fsynced before the segment is recorded"


@pytest.mark.parametrize("days", ["999999999", "9999999999"])
def test_a_retention_reaching_before_the_calendar_is_refused_with_a_message(trail, tmp_path, days):
    assert "too long" in broken("audit_archive", "--to", str(tmp_path), "--days", days)
    assert TrailPosition.objects.count() == 8


def test_a_target_that_is_a_file_is_refused_with_a_message_and_nothing_is_archived(trail, tmp_path):
    target = tmp_path / "not-a-directory"
    target.write_text("")

    assert "cannot write the archive" in broken("audit_archive", "--to", str(target), "--days", "365")
    assert "cannot write the archive" in broken(
        "audit_archive", "--to", str(target / "below"), "--days", "365"
    )
    assert TrailPosition.objects.count() == 8
    assert not ArchivedSegment.objects.exists()


def test_the_newest_segment_record_deleted_after_its_rows_are_gone_shows_as_missing_positions(
    trail, tmp_path
):
    run("audit_archive", "--to", str(tmp_path), "--days", "365")
    with raw_sql_bypassing_the_trigger(ArchivedSegment) as cursor:
        cursor.execute("DELETE FROM audit_archivedsegment")

    assert "positions 1–5 are missing" in broken("audit_verify")


def test_an_interrupted_archive_still_verifies_and_the_next_run_deletes_what_it_left(
    trail, tmp_path, monkeypatch
):
    from audit import archive

    real, calls = archive._delete_archived_positions, []

    def crash_after_recording():
        calls.append(1)
        if len(calls) == 2:  # the deletion after the segment was recorded
            raise RuntimeError("the process was killed")
        real()

    monkeypatch.setattr(archive, "_delete_archived_positions", crash_after_recording)
    with pytest.raises(RuntimeError):
        run("audit_archive", "--to", str(tmp_path), "--days", "365")
    monkeypatch.setattr(archive, "_delete_archived_positions", real)

    assert ArchivedSegment.objects.get().last_position == 5
    assert TrailPosition.objects.filter(position__lte=5).count() == 5  # left behind
    assert "OK: 9 audit entries verified" in run("audit_verify")
    assert "Nothing to archive" in run("audit_archive", "--to", str(tmp_path), "--days", "365")
    assert not TrailPosition.objects.filter(position__lte=5).exists()
    assert not AuditEntry.objects.filter(action="test.old").exists()
    assert "OK: 9 audit entries verified" in run("audit_verify")


def test_the_chain_head_deleted_after_an_archive_is_found(trail, tmp_path):
    from audit.models import ChainHead

    run("audit_archive", "--to", str(tmp_path), "--days", "365")
    sequence_pending()
    ChainHead.objects.all().delete()
    audit.record(action="test.after", summary="ヘッド削除の後")  # not chained from scratch either

    assert "the chain head is missing" in broken("audit_verify")
    assert not TrailPosition.objects.filter(position__lte=5).exists()
    assert not ChainHead.objects.exists()
