"""Moving the oldest part of the trail out of the database without losing the proof (docs/audit.md).

The trail is append-only and chained, so it cannot be pruned in place. Instead a *segment* — the
positions from the first not yet archived up to the last whose entry is older than the retention —
is checked, written to a JSON-lines file, recorded as an `ArchivedSegment` (the file's SHA-256 and the
chain hashes at both ends, sealed) and only then deleted from the tables, in small batches. The chain
then starts where the archive ends: `audit_verify` checks the segments' records and the positions
after them; `audit_verify --archive FILE` checks a file against its record, entry by entry.
"""

import datetime
import hashlib
import json
import os
import types
from contextlib import contextmanager
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone

import audit
from audit import append_only
from audit.hashing import (
    GENESIS,
    SEGMENT_SALT,
    canonical_json,
    canonical_time,
    chain_hash,
    content_hash,
    seal,
    seal_matches,
)
from audit.models import ArchivedSegment, AuditEntry, ChainHead, TrailPosition
from audit.sequencer import sequence_pending

FORMAT = "esurety-audit-segment/1"
MINIMUM_RETENTION = datetime.timedelta(days=365)
DELETE_BATCH = 2000
RUN_LOCK = 0x65737572657479  # pg_advisory_lock key of audit_archive ("esurety")
_CONTENT_FIELDS = ("actor_id", "actor_label", "action", "object_type", "object_id", "summary", "detail")


class ArchiveError(Exception):
    """The trail (or an archive file) does not hold: nothing is deleted."""


def trail_archive(*, older_than: datetime.timedelta, directory: Path) -> ArchivedSegment | None:
    """Archive every position up to the last whose entry is older than `older_than` (and all before
    it), into a file in `directory`; None when there is nothing to archive. The trail is checked on
    the way: a broken chain raises ArchiveError before anything is written or deleted."""
    if older_than < MINIMUM_RETENTION:
        raise ValueError(f"the audit trail is kept at least {MINIMUM_RETENTION.days} days")
    try:
        timezone.now() - older_than
    except OverflowError:
        raise ValueError("the retention is too long: it reaches before the year 1") from None
    with _one_run():
        return _archive(older_than=older_than, directory=directory)


@contextmanager
def _one_run():
    """Runs one at a time: on PostgreSQL a session's advisory lock for the whole run, refused at once
    when another run holds it (two runs would write the same segment twice)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK])
        if not cursor.fetchone()[0]:
            raise ArchiveError("another audit_archive is running: try again when it has finished")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK])


def _archive(*, older_than: datetime.timedelta, directory: Path) -> ArchivedSegment | None:
    sequence_pending(wait=True)
    _delete_archived_positions()  # what an interrupted run left behind
    last = ArchivedSegment.objects.order_by("-last_position").first()
    start, previous_chain = (last.last_position, last.last_chain_hash) if last else (0, GENESIS)
    head = ChainHead.objects.filter(pk=ChainHead.SINGLETON).first()
    if head is None:
        return None
    cutoff = timezone.now() - older_than
    first_kept = TrailPosition.objects.filter(
        position__gt=start, position__lte=head.entries, entry__at__gte=cutoff
    ).aggregate(first=Min("position"))["first"]
    end = (first_kept - 1) if first_kept is not None else head.entries
    if end <= start:
        return None

    directory.mkdir(parents=True, exist_ok=True)
    name = f"audit-trail-{start + 1:012d}-{end:012d}.jsonl"
    last_chain, digest = _write_segment(directory / name, start=start, end=end, previous_chain=previous_chain)
    with transaction.atomic():
        segment = ArchivedSegment(
            first_position=start + 1,
            last_position=end,
            previous_chain_hash=previous_chain,
            last_chain_hash=last_chain,
            file_name=name,
            file_sha256=digest,
            archived_at=timezone.now(),
        )
        segment.seal = seal(segment.sealed_content(), salt=SEGMENT_SALT)
        try:
            with transaction.atomic():
                segment.save()
        except IntegrityError:
            # Another run recorded these positions meanwhile (SQLite, where runs are not locked out).
            if not ArchivedSegment.objects.filter(file_name=name).exists():
                (directory / name).unlink(missing_ok=True)
            raise ArchiveError("another audit_archive archived these positions meanwhile") from None
        audit.record(
            action="audit.archive",
            summary=f"監査記録 {segment.entries} 件（順序 {start + 1}〜{end}）を保管ファイルへ移動",
            obj=segment,
            first_position=start + 1,
            last_position=end,
            file_name=name,
            file_sha256=digest,
        )
    _delete_archived_positions()
    return segment


def _write_segment(path: Path, *, start: int, end: int, previous_chain: str) -> tuple[str, str]:
    """Check positions start+1…end as audit_verify does and write them; (last chain hash, file SHA-256).
    Written to a temporary name readable by its owner only (it holds actors, addresses and details),
    synced, renamed, and the directory synced, so a file under the final name is always whole and is
    still there after a crash once the segment's record has committed."""
    temporary = path.with_suffix(".partial")
    digest, expected_chain, expected_position = hashlib.sha256(), previous_chain, start + 1
    places = (
        TrailPosition.objects.filter(position__gt=start, position__lte=end)
        .select_related("entry")
        .order_by("position")
    )
    temporary.unlink(missing_ok=True)  # what a run that crashed while writing left
    with os.fdopen(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "wb") as out:

        def write(record: dict) -> None:
            line = canonical_json(record) + b"\n"
            digest.update(line)
            out.write(line)

        write({"format": FORMAT, "first_position": start + 1, "last_position": end,
               "previous_chain_hash": previous_chain})  # fmt: skip
        for place in places.iterator(chunk_size=DELETE_BATCH):
            entry = place.entry
            expected_chain = chain_hash(expected_chain, entry.hash)
            if (
                place.position != expected_position
                or entry.compute_hash() != entry.hash
                or not seal_matches(entry.hash, entry.seal)
                or place.chain_hash != expected_chain
            ):
                temporary.unlink()
                raise ArchiveError(
                    f"the trail is broken at position {expected_position}: run audit_verify; nothing archived"
                )
            write(_line(place, entry))
            expected_position += 1
        if expected_position != end + 1:
            temporary.unlink()
            raise ArchiveError(f"positions {expected_position}–{end} are missing; nothing archived")
        out.flush()
        os.fsync(out.fileno())
    temporary.rename(path)
    _fsync_directory(path.parent)
    return expected_chain, digest.hexdigest()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _line(place: TrailPosition, entry: AuditEntry) -> dict:
    return {
        "position": place.position,
        "chain_hash": place.chain_hash,
        "id": entry.pk,
        "at": canonical_time(entry.at),
        **{name: getattr(entry, name) for name in _CONTENT_FIELDS},
        "ip_address": entry.ip_address,
        "hash": entry.hash,
        "seal": entry.seal,
    }


def _delete_archived_positions() -> None:
    """Delete the positions (and their entries) that an archived segment covers, a batch per short
    transaction. On PostgreSQL the trail's append-only trigger lets DELETE through in a transaction that
    set `audit.archiving` (audit/append_only.py): no table lock, so neither the deletion nor the audited
    writes going on meanwhile wait for each other."""
    archived_up_to = (
        ArchivedSegment.objects.order_by("-last_position").values_list("last_position", flat=True).first()
    )
    if archived_up_to is None:
        return
    while True:
        with transaction.atomic():
            batch = list(
                TrailPosition.objects.filter(position__lte=archived_up_to)
                .order_by("position")
                .values_list("position", "entry_id")[:DELETE_BATCH]
            )
            if not batch:
                return
            with _archiving():
                TrailPosition.objects.filter(position__in=[p for p, _ in batch])._raw_delete(connection.alias)
                AuditEntry.objects.filter(pk__in=[e for _, e in batch])._raw_delete(connection.alias)


@contextmanager
def _archiving():
    """`audit.archiving` on for the statements inside only (and at most for the current transaction:
    set_config(…, true) is SET LOCAL, rolled back with it)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [append_only.ARCHIVING])
        yield
        cursor.execute("SELECT set_config(%s, 'off', true)", [append_only.ARCHIVING])


def archive_problem() -> str:
    """Why the segments' records do not hold (a gap, a forged or edited row), or "" when they do."""
    expected_first, expected_chain = 1, GENESIS
    for segment in ArchivedSegment.objects.order_by("first_position"):
        if segment.first_position != expected_first or segment.previous_chain_hash != expected_chain:
            return f"the archived segment {segment} does not follow the one before it"
        if not seal_matches(segment.sealed_content(), segment.seal, salt=SEGMENT_SALT):
            return f"the archived segment {segment} was not recorded by this server"
        expected_first, expected_chain = segment.last_position + 1, segment.last_chain_hash
    return ""


def verify_segment_file(path: Path) -> ArchivedSegment:
    """Check an archive file against its recorded segment: the file's SHA-256, then every entry's hash,
    seal and chain from the segment's first to its last position. Raises ArchiveError."""
    data = path.read_bytes()
    segment = ArchivedSegment.objects.filter(file_name=path.name).first()
    if segment is None:
        raise ArchiveError(f"no archived segment is recorded for {path.name}")
    if archive_problem():
        raise ArchiveError(archive_problem())
    if hashlib.sha256(data).hexdigest() != segment.file_sha256:
        raise ArchiveError(f"{path.name} is not the file that was archived (its SHA-256 differs)")
    lines = data.splitlines()
    header = json.loads(lines[0])
    if header != {"format": FORMAT, "first_position": segment.first_position,
                  "last_position": segment.last_position, "previous_chain_hash": segment.previous_chain_hash}:  # fmt: skip
        raise ArchiveError(f"{path.name}: its header does not match the recorded segment")
    expected_chain, expected_position = segment.previous_chain_hash, segment.first_position
    for raw in lines[1:]:
        record = json.loads(raw)
        entry = types.SimpleNamespace(
            at=datetime.datetime.fromisoformat(record["at"]),
            ip_address=record["ip_address"],
            **{name: record[name] for name in _CONTENT_FIELDS},
        )
        expected_chain = chain_hash(expected_chain, record["hash"])
        if (
            record["position"] != expected_position
            or content_hash(entry) != record["hash"]
            or not seal_matches(record["hash"], record["seal"])
            or record["chain_hash"] != expected_chain
        ):
            raise ArchiveError(f"{path.name}: position {expected_position} does not hold")
        expected_position += 1
    if expected_position != segment.last_position + 1 or expected_chain != segment.last_chain_hash:
        raise ArchiveError(f"{path.name}: it ends before the recorded segment does")
    return segment
