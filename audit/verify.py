"""Walking the chain: every entry's prev_hash must be the previous entry's hash, every hash must match
the entry's content, and the chain must end where the head says it does."""

from dataclasses import dataclass

from audit.hashing import GENESIS
from audit.models import AuditEntry, ChainHead


@dataclass(frozen=True)
class ChainReport:
    verified: int  # entries checked and found sound, in id order, before any break
    broken: AuditEntry | None = None  # the first entry that does not hold, if any
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Entries up to the head's last entry, read once, oldest first. Entries appended while it runs lie
    beyond the head it read and are left for the next run."""
    head = ChainHead.objects.filter(pk=ChainHead.SINGLETON).first()
    entries = AuditEntry.objects.order_by("id")
    if head is not None and head.last_entry_id is not None:
        entries = entries.filter(id__lte=head.last_entry_id)
    expected_prev, last, verified = GENESIS, None, 0
    for entry in entries.iterator(chunk_size=chunk_size):
        if entry.prev_hash != expected_prev:
            return ChainReport(verified, entry, "its prev_hash is not the hash of the entry before it")
        if entry.compute_hash() != entry.hash:
            return ChainReport(verified, entry, "its content does not match its hash")
        expected_prev, last, verified = entry.hash, entry, verified + 1
    if head is None or (head.last_entry_id is None and head.entries == 0):
        if last is not None:
            return ChainReport(verified, last, "the chain head is missing")
        return ChainReport(verified)
    if last is None or last.pk != head.last_entry_id or last.hash != head.last_hash:
        return ChainReport(
            verified,
            last,
            f"the chain should end at entry id={head.last_entry_id} ({head.entries} entries): "
            "entries are missing at the end",
        )
    if verified != head.entries:
        return ChainReport(
            verified, last, f"the head counts {head.entries} entries, the chain has {verified}"
        )
    return ChainReport(verified)
