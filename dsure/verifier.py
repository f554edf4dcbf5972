"""Check D-Sure's transparency log offline: one file, Python's standard library plus `cryptography`.

    python dsure/verifier.py bundle PROOF.json --key KEY
        A certificate's proof bundle (the verify API's `proof` member, or the file D-Sure's certificate
        page offers): the posting's commitment, its inclusion in the checkpoint's tree, and the
        checkpoint's signature.
    python dsure/verifier.py consistency OLD.txt NEW.txt PROOF.json --key KEY
        Two checkpoints (signed notes) and GET /dsure/log/proof/consistency?first=M&second=N: the
        newer tree extends the older one.

KEY is the note verifier key of GET /dsure/log/key (or @file). Exit status 0 when everything holds.
RFC 9162 §2.1 (hashing, §2.1.3.2 and §2.1.4.2 verification), C2SP tlog-checkpoint and signed-note.
"""

import argparse
import base64
import binascii
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class VerificationError(Exception):
    pass


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def parse_key(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """`<name>+<hash, 8 hex>+<base64(0x01 ‖ public key)>` → (name, key id, key)."""
    try:
        name, key_hash, data = vkey.strip().split("+", 2)
        raw = base64.b64decode(data, validate=True)
    except (ValueError, binascii.Error) as error:
        raise VerificationError("not a note verifier key") from error
    if len(raw) != 33 or raw[0] != 1:
        raise VerificationError("not an Ed25519 note verifier key")
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if key_id.hex() != key_hash:
        raise VerificationError("the verifier key's hash does not match its key")
    return name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:])


def open_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    """Check the signed note's signature by the key; return (origin, size, root hash)."""
    name, key_id, key = parse_key(vkey)
    text, separator, signatures = note.rpartition("\n\n")
    if not separator or not note.endswith("\n"):
        raise VerificationError("not a signed note")
    text += "\n"
    signed = False
    for line in signatures.splitlines():
        dash, _, rest = line.partition(" ")
        signer, _, signature = rest.partition(" ")
        if dash != "\u2014" or signer != name:
            continue
        try:
            blob = base64.b64decode(signature, validate=True)
        except binascii.Error as error:
            raise VerificationError("a signature line is not base64") from error
        if blob[:4] != key_id:
            continue
        try:
            key.verify(blob[4:], text.encode())
        except InvalidSignature as error:
            raise VerificationError("the checkpoint's signature does not verify") from error
        signed = True
    if not signed:
        raise VerificationError("the checkpoint is not signed by this key")
    lines = text.split("\n")
    if len(lines) < 4 or lines[0] != name or not lines[1].isdigit():
        raise VerificationError("not a tlog-checkpoint of this log")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error as error:
        raise VerificationError("the checkpoint's root hash is not base64") from error
    return lines[0], int(lines[1]), root


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        raise VerificationError("the index is outside the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError("the inclusion proof is too short")
    return r


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]):
    """RFC 9162 §2.1.4.2."""
    if first == second:
        if proof or first_root != second_root:
            raise VerificationError("equal sizes need equal roots and an empty proof")
        return
    if not 0 < first < second or not proof:
        raise VerificationError("a consistency proof needs 0 < first < second")
    if first & (first - 1) == 0:
        proof = [first_root, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise VerificationError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise VerificationError("the two checkpoints are not consistent")


def verify_bundle(bundle: dict, vkey: str) -> dict:
    """Everything a proof bundle claims; returns the posting (a dict) when it all holds."""
    if "proof" in bundle:  # the whole verify API answer
        bundle = bundle["proof"] or {}
    try:
        posting, salt = bundle["posting"].encode(), base64.b64decode(bundle["salt"], validate=True)
        entry = base64.b64decode(bundle["entry"], validate=True)
        inclusion = [base64.b64decode(h, validate=True) for h in bundle["inclusion"]]
        index, note = int(bundle["index"]), bundle["checkpoint"]
        commitment = json.loads(entry)["commitment"]
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise VerificationError("not a proof bundle") from error
    if base64.b64encode(hashlib.sha256(salt + posting).digest()).decode() != commitment:
        raise VerificationError("the posting does not match the entry's commitment")
    _, size, root = open_checkpoint(note, vkey)
    if root_from_inclusion(index, size, leaf_hash(entry), inclusion) != root:
        raise VerificationError("the entry is not in the checkpoint's tree")
    return json.loads(posting)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    bundle = commands.add_parser("bundle")
    bundle.add_argument("bundle")
    consistency = commands.add_parser("consistency")
    consistency.add_argument("old")
    consistency.add_argument("new")
    consistency.add_argument("proof")
    for command in (bundle, consistency):
        command.add_argument("--key", required=True, help="the note verifier key, or @file")
    args = parser.parse_args(argv)
    vkey = _read(args.key[1:]) if args.key.startswith("@") else args.key
    try:
        if args.command == "bundle":
            posting = verify_bundle(json.loads(_read(args.bundle)), vkey)
            print(
                f"OK: {posting.get('number')} {posting.get('kind')} posted {posting.get('posted_at')} is in the log."
            )
        else:
            _, first, first_root = open_checkpoint(_read(args.old), vkey)
            _, second, second_root = open_checkpoint(_read(args.new), vkey)
            hashes = [base64.b64decode(h) for h in json.loads(_read(args.proof))["hashes"]]
            verify_consistency(first, second, first_root, second_root, hashes)
            print(f"OK: the tree of size {second} extends the tree of size {first}.")
    except VerificationError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    return 0


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()


if __name__ == "__main__":
    sys.exit(main())
