"""The arithmetic of a transparency log, with no database: RFC 9162 §2.1 Merkle tree hashing and the
subtrees its proofs are made of, the C2SP tlog-checkpoint text and its C2SP signed-note Ed25519
signature, and the canonical JSON the log's commitments hash (docs/transparency.md).

The log stores the hash of every perfect, aligned subtree ("node" (level, index) covers leaves
index·2^level … (index+1)·2^level − 1); any subtree a proof needs is a right fold of O(log n) of them,
so `subtree_nodes` says which to read and `fold` combines them.
"""

import base64
import hashlib
import json
import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

EMPTY_ROOT = hashlib.sha256(b"").digest()


# --- RFC 9162 §2.1 ---------------------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than size (size ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_subtrees(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges [start, end) whose hashes are PATH(index, D[size]) (RFC 9162 §2.1.3.1), in order."""
    if not 0 <= index < size:
        raise ValueError("index outside the tree")
    path, start = [], 0
    while size > 1:
        k = _split(size)
        if index < k:
            path.append((start + k, start + size))
            size = k
        else:
            path.append((start, start + k))
            start, index, size = start + k, index - k, size - k
    return path[::-1]


def consistency_subtrees(first: int, second: int) -> list[tuple[int, int]]:
    """The ranges whose hashes are PROOF(first, D[second]) (RFC 9162 §2.1.4.1), in order."""
    if not 0 < first <= second:
        raise ValueError("sizes must satisfy 0 < first ≤ second")
    proof, start, complete = [], 0, True
    m, n = first, second
    while m != n:
        k = _split(n)
        if m <= k:
            proof.append((start + k, start + n))
            n = k
        else:
            proof.append((start, start + k))
            start, m, n, complete = start + k, m - k, n - k, False
    if not complete:
        proof.append((start, start + n))
    return proof[::-1]


def subtree_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect aligned nodes (level, index), left to right, whose right fold is MTH(D[start:end])."""
    nodes = []
    while end - start > 0:
        size = end - start
        k = size if size & (size - 1) == 0 else _split(size)
        level = k.bit_length() - 1
        if start % k:
            raise ValueError("a Merkle subtree starts at a multiple of its split")
        nodes.append((level, start >> level))
        start += k
    return nodes


def fold(hashes: list[bytes]) -> bytes:
    """MTH of a range from its perfect nodes' hashes, left to right (the RFC's recursion, unrolled)."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def nodes_completed(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The nodes above the leaves that appending leaves old_size … new_size − 1 completes, level by level."""
    completed, level = [], 1
    while (new_size >> level) > 0:
        completed += [(level, i) for i in range(old_size >> level, new_size >> level)]
        level += 1
    return completed


# --- Canonical JSON -------------------------------------------------------------------------------


def canonical_json(value) -> bytes:
    """RFC 8785 (JCS) for the values D-Sure posts: objects, arrays, strings, integers within ±2^53,
    booleans and null — floats are refused, so no number formatting is involved. Keys are sorted by
    code point (the same as JCS's UTF-16 order for the BMP), no whitespace, UTF-8, and strings escaped
    as ECMAScript's JSON.stringify does (\\b \\t \\n \\f \\r \\" \\\\, other controls as \\u00xx)."""
    _refuse_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _refuse_floats(value) -> None:
    if isinstance(value, float) or (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53
    ):
        raise ValueError("canonical JSON takes integers within ±2^53, not floats or larger numbers")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("canonical JSON object keys are strings")
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


# --- C2SP signed note and tlog-checkpoint ---------------------------------------------------------

ED25519 = b"\x01"
_NAME = re.compile(r"^[^\s+]+$")


class NoteSigner:
    """An Ed25519 note signer from the Go/C2SP private key string
    `PRIVATE+KEY+<name>+<key hash, 8 hex>+<base64(0x01 ‖ 32-byte seed)>`."""

    def __init__(self, skey: str):
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or not _NAME.match(parts[2]):
            raise ValueError("not a note signer key (PRIVATE+KEY+name+hash+base64)")
        self.name = parts[2]
        raw = base64.b64decode(parts[4], validate=True)
        if len(raw) != 33 or raw[:1] != ED25519:
            raise ValueError("only Ed25519 (algorithm 1) note keys are supported")
        self._key = Ed25519PrivateKey.from_private_bytes(raw[1:])
        self.public_key = self._key.public_key().public_bytes_raw()
        self.key_id = hashlib.sha256(self.name.encode() + b"\n" + ED25519 + self.public_key).digest()[:4]
        if parts[3] != self.key_id.hex():
            raise ValueError("the key hash in the note signer key does not match the key")

    @property
    def verifier_key(self) -> str:
        """`<name>+<key hash>+<base64(0x01 ‖ public key)>`: what a verifier needs."""
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(ED25519 + self.public_key).decode()}"

    def sign(self, text: str) -> str:
        """The signed note: the text (ending in a newline), a blank line, one signature line."""
        if not text.endswith("\n"):
            raise ValueError("a note's text ends with a newline")
        signature = self._key.sign(text.encode())
        return f"{text}\n\u2014 {self.name} {base64.b64encode(self.key_id + signature).decode()}\n"


def generate_signer_key(name: str) -> str:
    """A new PRIVATE+KEY+… string for settings (manage.py log_keygen)."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    key_id = hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]
    seed = key.private_bytes_raw()
    return f"PRIVATE+KEY+{name}+{key_id.hex()}+{base64.b64encode(ED25519 + seed).decode()}"


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    """The C2SP tlog-checkpoint body: origin, tree size in decimal, base64 root hash, one per line."""
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
