"""The chain's arithmetic: an entry's hash is the hex SHA-256 of a canonical JSON of its content,
previous hash included. Canonical = sorted keys, no whitespace, UTF-8, times in UTC to the microsecond,
so the same entry read back from SQLite or PostgreSQL hashes to the same value."""

import datetime
import hashlib
import json

# The prev_hash of the very first entry.
GENESIS = "0" * 64


def canonical_time(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical_json(content: dict) -> bytes:
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def chain_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()
