"""The audit trail's sequencer: takes pending entries in batches, in id order, and gives them
contiguous positions chained to the one before (docs/audit.md).

It runs after a writer's commit, at most once per AUDIT_SEQUENCE_INTERVAL in each process (entries
written meanwhile wait for that round, one batch): inline in the embedded default, on the task worker
when scaled out (TASKS_BACKEND=database). It also runs before anyone reads the trail (`manage.py
audit_verify`, the admin's list) and from `manage.py sequence_logs` (the sweeper of what the last
writes of a burst or a lost task left pending). Only one
sequencer works at a time: it locks the chain head with SKIP LOCKED, so a second one returns at once
and the first takes what was committed meanwhile on its next round."""

import logging
import time

from django.conf import settings
from django.db import transaction
from django.tasks import task

from audit.hashing import chain_hash, seal_matches
from audit.models import AuditEntry, ChainHead, PendingEntry, TrailPosition
from common.transactions import on_commit_once

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


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


def sequence_pending(*, batch_size: int = BATCH_SIZE) -> int:
    """Integrate every pending entry; returns how many. Rounds repeat until the queue is empty, so an
    entry committed while another sequencer held the head is taken by that one."""
    integrated = 0
    while True:
        with transaction.atomic():
            head = _locked_head()
            if head is None:
                return integrated
            pending = list(
                AuditEntry.objects.filter(
                    pk__in=PendingEntry.objects.order_by("entry_id").values("entry_id")[:batch_size]
                ).order_by("id")
            )
            if not pending:
                return integrated
            positions, refused = [], []
            for entry in pending:
                if entry.compute_hash() != entry.hash or not seal_matches(entry.hash, entry.seal):
                    # Not written by audit.record: left out of the trail, so audit_verify names it.
                    refused.append(entry.pk)
                    continue
                head.entries += 1
                head.last_hash = chain_hash(head.last_hash, entry.hash)
                positions.append(TrailPosition(position=head.entries, entry=entry, chain_hash=head.last_hash))
            if refused:
                logger.warning("audit entries refused by the sequencer ids=%s", refused)
            TrailPosition.objects.bulk_create(positions)
            PendingEntry.objects.filter(entry_id__in=[entry.pk for entry in pending]).delete()
            head.save(update_fields=["entries", "last_hash"])
            integrated += len(positions)


def _locked_head() -> ChainHead | None:
    head = ChainHead.objects.select_for_update(skip_locked=True).filter(pk=ChainHead.SINGLETON).first()
    if head is not None:
        return head
    # Missing (a test's flush) or held by another sequencer: only the first case creates it.
    head, created = ChainHead.objects.get_or_create(pk=ChainHead.SINGLETON)
    return head if created else None
