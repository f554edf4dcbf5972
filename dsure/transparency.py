"""D-Sure's transparency log of postings (docs/transparency.md).

- `log_posting` is the writer's side: called by certificate_post, certificate_key_replace and
  certificate_revoke inside their own transaction, it stores one LogEntry and queues it, holding no
  shared lock.
- `sequence_pending` is the sequencer: after the commit (inline in the embedded default, on the task
  worker when scaled out), it takes the pending entries in batches, gives them contiguous indices, stores
  the perfect subtrees they complete and publishes a signed checkpoint.
- `inclusion_proof`, `consistency_proof` and `proof_bundle` read proofs from the stored subtrees.
"""

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from audit.hashing import canonical_time
from common import transparency as tlog
from common.certificates import current_version
from common.transactions import on_commit_once
from dsure.models import (
    Certificate,
    LogCheckpoint,
    LogEntry,
    LogHead,
    LogLeaf,
    LogNode,
    LogPending,
    PostedVersion,
)

logger = logging.getLogger(__name__)
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout expires

BATCH_SIZE = 500
SALT_BYTES = 32
# How long a round waits for the head on PostgreSQL before it leaves what is pending to the next
# round: a stuck round (or a long one) then cannot hold the posting requests waiting behind it.
HEAD_LOCK_TIMEOUT = "10s"


@cache
def _signer(key: str) -> tlog.NoteSigner:
    return tlog.NoteSigner(key)


def signer() -> tlog.NoteSigner:
    return _signer(settings.TRANSPARENCY_LOG_KEY)


# --- Writing ------------------------------------------------------------------------------------------


def posting_of(entry: LogEntry) -> bytes:
    """The canonical posting an entry commits to, rebuilt from what D-Sure holds now: a posted
    version's number, sequence, kind, body, product, content, posting time and PDF digest; for a 取消
    or a key re-issue only the number, the kind and the time (never the key or its digest)."""
    certificate = entry.certificate
    posting = {"number": certificate.number, "kind": entry.kind, "posted_at": canonical_time(entry.posted_at)}
    version = entry.posted_version
    if version is not None:
        posting |= {
            "sequence": version.sequence,
            "body": certificate.body.code,
            "product_name": certificate.product_name,
            "content": version.content,
            "pdf_sha256": _file_sha256(version.pdf) if version.pdf else None,
        }
    return tlog.canonical_json(posting)


def _file_sha256(field) -> str:
    with field.open("rb") as pdf:
        return hashlib.file_digest(pdf, "sha256").hexdigest()


def commitment(salt: bytes, posting: bytes) -> str:
    return base64.b64encode(hashlib.sha256(salt + posting).digest()).decode()


def log_posting(*, certificate: Certificate, kind: str, at, version: PostedVersion | None = None) -> LogEntry:
    """Log one posting in the caller's transaction and have it sequenced after the commit."""
    entry = LogEntry(certificate=certificate, posted_version=version, kind=kind, posted_at=at)
    entry.salt = secrets.token_bytes(SALT_BYTES)
    issuer = (version.content if version is not None else _latest_content(certificate)).get(
        "company_name", ""
    )
    entry.entry = tlog.canonical_json(
        {
            "commitment": commitment(entry.salt, posting_of(entry)),
            "kind": kind,
            "issuer": issuer,
            "posted_at": canonical_time(at),
        }
    )
    entry.save()
    LogPending.objects.create(entry=entry)
    on_commit_once(_enqueue)
    return entry


def _latest_content(certificate: Certificate) -> dict:
    latest = certificate.versions.order_by("-sequence").values_list("content", flat=True).first()
    return latest or {}


def _enqueue() -> None:
    sequence_log.enqueue()


# --- Sequencing ---------------------------------------------------------------------------------------


@task
def sequence_log() -> None:
    sequence_pending()


def sequence_pending(*, batch_size: int = BATCH_SIZE) -> int:
    """Integrate what is pending and publish a checkpoint per batch; returns how many. A round takes
    up to `batch_size` entries and repeats only when its batch was full; it does not chase entries
    committed meanwhile. A second sequencer waits for the head instead (each posting queues its own
    round after its commit), so every posting is in a checkpoint by the time its own round returns:
    the waiters take, in one batch, what was committed during the round they waited for. A round that
    waits longer than HEAD_LOCK_TIMEOUT for the head (PostgreSQL) gives up with a warning and leaves
    what is pending to the next round (the next posting's, the worker's, `sequence_logs`)."""
    integrated = 0
    while True:
        try:
            batch = _round(batch_size)
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            logger.warning(
                "the transparency log head stayed locked for %s: what is pending waits for the next round",
                HEAD_LOCK_TIMEOUT,
            )
            return integrated
        integrated += len(batch)
        if len(batch) < batch_size:
            return integrated


def _round(batch_size: int) -> list:
    """One batch, in one transaction: the entries it integrated (none when nothing was pending)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [HEAD_LOCK_TIMEOUT])
        head = LogHead.objects.select_for_update().filter(pk=LogHead.SINGLETON).first()
        if head is None:
            LogHead.objects.get_or_create(pk=LogHead.SINGLETON)
            head = LogHead.objects.select_for_update().get(pk=LogHead.SINGLETON)
        batch = list(
            LogEntry.objects.filter(
                pk__in=LogPending.objects.order_by("entry_id").values("entry_id")[:batch_size]
            )
            .order_by("id")
            .values_list("id", "entry")
        )
        if not batch:
            return batch
        old, new = head.size, head.size + len(batch)
        LogLeaf.objects.bulk_create(LogLeaf(index=old + i, entry_id=pk) for i, (pk, _) in enumerate(batch))
        leaves = {(0, old + i): tlog.leaf_hash(bytes(entry)) for i, (_, entry) in enumerate(batch)}
        completed = tlog.nodes_completed(old, new)
        root_nodes = tlog.subtree_nodes(0, new)
        children = [(level - 1, 2 * i + side) for level, i in completed for side in (0, 1)]
        known = leaves | _stored_nodes({node for node in children + root_nodes if node not in leaves})
        for level, i in completed:  # level by level, so both children are known
            known[level, i] = tlog.node_hash(known[level - 1, 2 * i], known[level - 1, 2 * i + 1])
        LogNode.objects.bulk_create(
            LogNode(level=level, index=i, hash=known[level, i]) for level, i in [*leaves, *completed]
        )
        root = tlog.fold([known[node] for node in root_nodes])
        LogCheckpoint.objects.create(
            size=new, root_hash=root, note=_signed(new, root), published_at=timezone.now()
        )
        LogPending.objects.filter(entry_id__in=[pk for pk, _ in batch]).delete()
        head.size = new
        head.save(update_fields=["size"])
        return batch


def _signed(size: int, root: bytes) -> str:
    key = signer()
    return key.sign(tlog.checkpoint_text(key.name, size, root))


def _stored_nodes(nodes) -> dict[tuple[int, int], bytes]:
    if not nodes:
        return {}
    query = Q()
    for level, index in nodes:
        query |= Q(level=level, index=index)
    return {
        (lv, i): bytes(h) for lv, i, h in LogNode.objects.filter(query).values_list("level", "index", "hash")
    }


# --- Reading ------------------------------------------------------------------------------------------


def latest_checkpoint() -> LogCheckpoint:
    """The newest published checkpoint; an empty log's is signed on the spot (never stored)."""
    checkpoint = LogCheckpoint.objects.order_by("-size").first()
    if checkpoint is None:
        checkpoint = LogCheckpoint(size=0, root_hash=tlog.EMPTY_ROOT, note=_signed(0, tlog.EMPTY_ROOT))
    return checkpoint


def _subtree_hashes(ranges: list[tuple[int, int]]) -> list[bytes]:
    """The hashes of the given leaf ranges, read in one query."""
    per_range = [tlog.subtree_nodes(start, end) for start, end in ranges]
    stored = _stored_nodes({node for nodes in per_range for node in nodes})
    return [tlog.fold([stored[node] for node in nodes]) for nodes in per_range]


def inclusion_proof(index: int, size: int) -> list[bytes]:
    return _subtree_hashes(tlog.inclusion_subtrees(index, size))


def consistency_proof(first: int, second: int) -> list[bytes]:
    return _subtree_hashes(tlog.consistency_subtrees(first, second)) if first < second else []


@dataclass(frozen=True)
class ProofBundle:
    posting: str
    salt: bytes
    entry: bytes
    index: int
    inclusion: list[bytes]
    checkpoint: str

    def as_json(self) -> dict:
        """The verify API's `proof` member and the downloadable file (docs/transparency.md)."""
        b64 = base64.b64encode
        return {
            "posting": self.posting,
            "salt": b64(self.salt).decode(),
            "entry": b64(self.entry).decode(),
            "index": self.index,
            "inclusion": [b64(h).decode() for h in self.inclusion],
            "checkpoint": self.checkpoint,
        }


def proof_bundle(certificate: Certificate, current: PostedVersion | None = None) -> ProofBundle | None:
    """The bundle of the certificate's current version (the one its history shows as current: after
    a 訂正 the correction, after a 変更取消 the version restored; pass it when the caller has read the
    history already) against the newest checkpoint, or None while that posting waits for the
    sequencer (or was posted before the log existed). Three queries: the entry, the checkpoint, the
    proof's subtrees."""
    if current is None:
        current = current_version(list(certificate.versions.only("sequence", "kind")))
    entry = (
        LogEntry.objects.filter(posted_version=current)
        .select_related("certificate__body", "posted_version", "leaf")
        .first()
        if current is not None
        else None
    )
    leaf = getattr(entry, "leaf", None) if entry is not None else None
    checkpoint = latest_checkpoint() if leaf is not None else None
    if leaf is None or leaf.index >= checkpoint.size:
        return None
    return ProofBundle(
        posting=posting_of(entry).decode(),
        salt=bytes(entry.salt),
        entry=bytes(entry.entry),
        index=entry.leaf.index,
        inclusion=inclusion_proof(entry.leaf.index, checkpoint.size),
        checkpoint=checkpoint.note,
    )
