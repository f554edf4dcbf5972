"""`manage.py log_monitor --url URL --key KEY --state FILE`: follow a D-Sure transparency log from
outside, as any third party could, over its public endpoints only.

Each round reads the newest checkpoint and checks its signature against the pinned key; checks that it
is consistent with the last checkpoint seen (RFC 9162 consistency proof); downloads the new entries,
checks that each holds nothing but a commitment, a kind, an issuer and a time, and recomputes the
root from the previous state (a compact range of subtree hashes) and the new entries; the root must be
the checkpoint's. The state file keeps the last checkpoint and the compact range, so a restart goes on
where it stopped. Any discrepancy stops the command with an ALARM and a non-zero exit status.
"""

import base64
import json
import time
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dsure.verifier import VerificationError, leaf_hash, node_hash, open_checkpoint, verify_consistency

ENTRY_MEMBERS = {"commitment", "kind", "issuer", "posted_at"}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 — an https/http URL from the operator
        return response.read()


class Command(BaseCommand):
    help = (
        "Follow D-Sure's transparency log: signatures, consistency, and the tree recomputed from its entries."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="D-Sure's base URL, e.g. https://d-sure.example")
        parser.add_argument("--key", required=True, help="the note verifier key (pinned), or @file")
        parser.add_argument("--state", required=True, help="a JSON file keeping the last checkpoint seen")
        parser.add_argument("--interval", type=int, default=60, help="seconds between rounds")
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    def handle(self, *args, url, key, state, interval, once, **options):
        vkey = Path(key[1:]).read_text() if key.startswith("@") else key
        base = url.rstrip("/") + "/dsure/log"
        state_file = Path(state)
        while True:
            try:
                message = follow(base, vkey, state_file)
            except VerificationError as error:
                raise CommandError(f"ALARM: {error}") from error
            self.stdout.write(message)
            if once:
                return
            time.sleep(interval)


def follow(base: str, vkey: str, state_file: Path) -> str:
    """One round; returns what it checked."""
    state = json.loads(state_file.read_text()) if state_file.exists() else {"size": 0, "range": []}
    note = fetch(f"{base}/checkpoint").decode()
    _, size, root = open_checkpoint(note, vkey)
    old_size = state["size"]
    compact = [(level, base64.b64decode(h)) for level, h in state["range"]]
    if size < old_size:
        raise VerificationError(f"the log shrank from {old_size} to {size} entries")
    if size == old_size:
        if old_size and base64.b64decode(state["root"]) != root:
            raise VerificationError(f"two different trees of size {size}: the log forked")
        return f"OK: no new entries (size {size})."
    if old_size:
        answer = json.loads(fetch(f"{base}/proof/consistency?first={old_size}&second={size}"))
        proof = [base64.b64decode(h) for h in answer["hashes"]]
        verify_consistency(old_size, size, base64.b64decode(state["root"]), root, proof)
    for index in range(old_size, size):
        entry = fetch(f"{base}/entries/{index}")
        members = set(json.loads(entry))
        if members != ENTRY_MEMBERS:
            raise VerificationError(
                f"entry {index} holds {sorted(members)}, not only {sorted(ENTRY_MEMBERS)}"
            )
        compact = _append(compact, leaf_hash(entry))
    if _root(compact) != root:
        raise VerificationError(f"the entries 0…{size - 1} do not make the checkpoint's root")
    state_file.write_text(
        json.dumps(
            {
                "size": size,
                "root": base64.b64encode(root).decode(),
                "range": [[level, base64.b64encode(h).decode()] for level, h in compact],
                "checkpoint": note,
            }
        )
    )
    return f"OK: {size - old_size} new entries, size {size}, consistent with size {old_size}."


def _append(compact: list[tuple[int, bytes]], leaf: bytes) -> list[tuple[int, bytes]]:
    """The perfect subtrees of a tree, largest first, after one more leaf (a binary counter's carry)."""
    compact = [*compact, (0, leaf)]
    while len(compact) > 1 and compact[-1][0] == compact[-2][0]:
        (level, left), (_, right) = compact[-2], compact[-1]
        compact[-2:] = [(level + 1, node_hash(left, right))]
    return compact


def _root(compact: list[tuple[int, bytes]]) -> bytes:
    root = compact[-1][1]
    for _, left in reversed(compact[:-1]):
        root = node_hash(left, root)
    return root
