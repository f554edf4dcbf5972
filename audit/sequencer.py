"""The audit trail's sequencer: takes pending entries in batches, in id order, and gives them
contiguous positions chained to the one before (docs/audit.md).

It runs after a writer's commit, at most once per AUDIT_SEQUENCE_INTERVAL in each process (entries
written meanwhile wait for that round, one batch): inline in the embedded default, on the task worker
when scaled out (TASKS_BACKEND=database). It also runs before anyone reads the trail (`manage.py
audit_verify`, the admin's list) and from `manage.py sequence_logs` (the sweeper of what the last
writes of a burst or a lost task left pending). Only one
sequencer works at a time. A writer's round locks the chain head with SKIP LOCKED, so a second one
returns at once; a reader's (`wait=True`) waits for the round in progress instead, so that it takes
everything committed before it was called. What was committed during a round goes with the next
round (a call repeats only while its batches come back full: it does not chase the writers with
rounds of one entry)."""

import logging
import time

from django.conf import settings
from django.db import connection, transaction
from django.tasks import task

from audit.hashing import CONTENT_FIELDS, chain_hash, content_hash_of, seal_keys, seal_matches
from audit.models import ArchivedSegment, AuditEntry, ChainHead, PendingEntry, TrailPosition
from common.transactions import on_commit_once

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
POSITION_FIELDS = ("position", "entry", "chain_hash")


_last_round = float("-inf")  # time.monotonic() of this process's last scheduled round


def schedule() -> None:
    """Sequence after the current transaction commits, unless this process did so within the interval:
    a busy writer (each D-Sure lookup is one) then commits once, without queueing a task or running
    a round itself, and its entry goes with the next round's batch."""
    if time.monotonic() - _last_round >= settings.AUDIT_SEQUENCE_INTERVAL:
        on_commit_once(_enqueue)


def _enqueue() -> None:
    global _last_round
    _last_round = time.monotonic()
    sequence_trail.enqueue()


@task
def sequence_trail() -> None:
    sequence_pending()


def sequence_pending(*, batch_size: int = BATCH_SIZE, wait: bool = False) -> int:
    """Integrate what is pending now; returns how many. A round takes up to `batch_size` entries and
    repeats only when its batch was full. With `wait` (readers of the trail: audit_verify, the admin's
    list, the archive) it waits for a round in progress, so every entry committed before the call is
    taken; without it (writers, the worker, the sweeper) it returns at once when another sequencer
    holds the head, and that one's round or the next takes what is pending. Entries committed during
    a round wait for the next one (the next writer's schedule(), the worker, `sequence_logs`, a reader
    of the trail) rather than being chased with rounds of one or two entries each."""
    integrated = 0
    while True:
        taken, sequenced = _round(batch_size, wait=wait)
        integrated += sequenced
        if taken < batch_size:
            return integrated


def _round(batch_size: int, *, wait: bool = False) -> tuple[int, int]:
    """One batch: (entries taken from the queue, entries given a position); (0, 0) when another
    sequencer holds the head and `wait` is false. Rows are read as plain values, the hashes and seals checked with keys
    derived once, and the positions, the queue and the head written with one statement each."""
    keys = seal_keys()
    with transaction.atomic():
        head = _locked_head(wait=wait)
        if head is None:
            return 0, 0
        rows = list(
            AuditEntry.objects.filter(
                pk__in=PendingEntry.objects.order_by("entry_id").values("entry_id")[:batch_size]
            )
            .order_by("id")
            .values_list("id", "hash", "seal", *CONTENT_FIELDS)
        )
        if not rows:
            return 0, 0
        count, last, positions, refused = head.entries, head.last_hash, [], []
        for pk, entry_hash, entry_seal, *content in rows:
            if content_hash_of(*content) != entry_hash or not seal_matches(entry_hash, entry_seal, keys):
                # Not written by audit.record: left out of the trail, so audit_verify names it.
                refused.append(pk)
                continue
            count += 1
            last = chain_hash(last, entry_hash)
            positions.append((count, pk, last))
        if refused:
            logger.warning("audit entries refused by the sequencer ids=%s", refused)
        _write(positions, [row[0] for row in rows])
        head.entries, head.last_hash = count, last
        head.save(update_fields=["entries", "last_hash"])
        return len(rows), len(positions)


def _write(positions: list[tuple[int, int, str]], taken: list[int]) -> None:
    """The batch's positions in one INSERT and its queue rows gone in one DELETE: plain SQL, as the
    ORM's bulk_create and delete spend more on building the statements than the database on running
    them (the positions' table only ever gets INSERTs; the queue's is not append-only). On PostgreSQL
    the values go as arrays, so the statements' text is the same whatever the batch's size (psycopg
    parses each new text's placeholders in Python, which cost more than the rows)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(TrailPosition._meta.get_field(name).column) for name in POSITION_FIELDS)
    insert = f"INSERT INTO {quote(TrailPosition._meta.db_table)} ({columns}) "  # noqa: S608
    delete = f"DELETE FROM {quote(PendingEntry._meta.db_table)} WHERE {quote('entry_id')} "  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if positions:
                cursor.execute(
                    insert + "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[])",  # noqa: S608
                    [list(column) for column in zip(*positions, strict=True)],
                )
            cursor.execute(delete + "= ANY(%s::bigint[])", [taken])
            return
        if positions:
            cursor.execute(
                insert + "VALUES " + ", ".join(["(%s, %s, %s)"] * len(positions)),
                [value for position in positions for value in position],
            )
        cursor.execute(delete + f"IN ({', '.join(['%s'] * len(taken))})", taken)


def _locked_head(*, wait: bool = False) -> ChainHead | None:
    head = ChainHead.objects.select_for_update(skip_locked=not wait).filter(pk=ChainHead.SINGLETON).first()
    if head is not None:
        return head
    # Missing, or held by another sequencer. Missing on an empty trail (a new database, a test's
    # flush): created. Missing while positions or archived segments exist, it was deleted: a new head
    # would chain from scratch over archived positions, so nothing is sequenced and audit_verify says so.
    if ChainHead.objects.filter(pk=ChainHead.SINGLETON).exists():
        return ChainHead.objects.select_for_update().get(pk=ChainHead.SINGLETON) if wait else None
    if TrailPosition.objects.exists() or ArchivedSegment.objects.exists():
        logger.error("the audit chain head is missing: nothing sequenced (run audit_verify)")
        return None
    head, created = ChainHead.objects.get_or_create(pk=ChainHead.SINGLETON)
    if created:
        return head
    return ChainHead.objects.select_for_update().get(pk=ChainHead.SINGLETON) if wait else None
