"""Checking the trail: every position in order with no gap, each entry's hash matching its content
and its seal the server's, each chain hash following from the one before, the chain ending where the
head says, and no entry outside the trail but those a sequencer has yet to take."""

from dataclasses import dataclass

from audit.archive import archive_problem
from audit.hashing import GENESIS, chain_hash, seal_matches
from audit.models import ArchivedSegment, AuditEntry, ChainHead, PendingEntry, TrailPosition


@dataclass(frozen=True)
class ChainReport:
    verified: int  # positions checked and found sound, in order, before any break
    broken: AuditEntry | None = None  # the entry that does not hold, if any
    reason: str = ""
    pending: int = 0  # sealed entries not yet sequenced

    @property
    def ok(self) -> bool:
        return not self.reason


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """The archived segments' records (audit.archive), then the positions after them up to the head's
    count, read once, in order; then every entry without a position. Positions added while it runs
    lie beyond the head it read and are left for the next run."""
    if problem := archive_problem():
        return ChainReport(0, None, problem)
    archived = ArchivedSegment.objects.order_by("-last_position").first()
    start, expected_chain = (archived.last_position, archived.last_chain_hash) if archived else (0, GENESIS)
    head = ChainHead.objects.filter(pk=ChainHead.SINGLETON).first()
    positions = TrailPosition.objects.select_related("entry").filter(position__gt=start).order_by("position")
    if head is not None:
        positions = positions.filter(position__lte=head.entries)
    last, verified = None, start
    for place in positions.iterator(chunk_size=chunk_size):
        entry = place.entry
        if place.position != verified + 1:
            return ChainReport(verified, entry, f"positions {verified + 1}–{place.position - 1} are missing")
        if entry.compute_hash() != entry.hash:
            return ChainReport(verified, entry, "its content does not match its hash")
        if not seal_matches(entry.hash, entry.seal):
            return ChainReport(verified, entry, "its seal was not made by this server")
        expected_chain = chain_hash(expected_chain, entry.hash)
        if place.chain_hash != expected_chain:
            return ChainReport(
                verified,
                entry,
                "its chain hash does not follow from the one before: an entry was "
                "removed, inserted or rewritten before it",
            )
        last, verified = entry, verified + 1
    if head is None:
        if verified:
            return ChainReport(verified, last, "the chain head is missing")
    elif verified != head.entries or expected_chain != head.last_hash:
        return ChainReport(
            verified,
            last,
            f"the trail should have {head.entries} positions: positions are missing at the end",
        )
    return _entries_outside_the_trail(verified)


def _entries_outside_the_trail(verified: int) -> ChainReport:
    """Every entry without a position must be waiting in the queue with a sound seal; any other was
    not written by audit.record, whatever its id."""
    pending = set(PendingEntry.objects.values_list("entry_id", flat=True))
    waiting = 0
    for entry in AuditEntry.objects.filter(position__isnull=True).order_by("id").iterator():
        if entry.pk not in pending:
            return ChainReport(
                verified, entry, "it is not in the trail (inserted, or refused by the sequencer)"
            )
        if entry.compute_hash() != entry.hash or not seal_matches(entry.hash, entry.seal):
            return ChainReport(
                verified, entry, "it waits to be sequenced but was not written by audit.record"
            )
        waiting += 1
    return ChainReport(verified, pending=waiting)
