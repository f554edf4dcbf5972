"""The trail's arithmetic. An entry's `hash` is the hex SHA-256 of a canonical JSON of its content;
its `seal` is an HMAC of that hash with the server's secret, which only the application holds; its
place in the trail is a chain hash over the previous position's chain hash and its own hash.

Canonical = sorted keys, no whitespace, UTF-8, times in UTC to the microsecond, so the same entry
read back from SQLite or PostgreSQL hashes to the same value."""

import datetime
import functools
import hashlib
import hmac
import json

from django.conf import settings

# The chain hash before the first position.
GENESIS = "0" * 64
_SEAL_SALT = "audit.seal"
SEGMENT_SALT = "audit.archive"  # the archived segments' records (audit.archive)
# What the hash covers: every field of an entry but its id, hash and seal.
CONTENT_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "summary",
    "detail",
    "ip_address",
)


def canonical_time(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical_json(content: dict) -> bytes:
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def content_hash(entry) -> str:
    """The hash of an entry's content (a model instance, also a migration's historical one)."""
    return content_hash_of(*(getattr(entry, name) for name in CONTENT_FIELDS))


def content_hash_of(at, actor_id, actor_label, action, object_type, object_id, summary, detail, ip_address):
    """The same hash from the plain values, in CONTENT_FIELDS order (a row read with values_list)."""
    return hashlib.sha256(
        canonical_json(
            {
                "at": canonical_time(at),
                "actor_id": actor_id,
                "actor_label": actor_label,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "summary": summary,
                "detail": detail,
                "ip_address": ip_address,
            }
        )
    ).hexdigest()


def seal(value: str, *, salt: str = _SEAL_SALT) -> str:
    """HMAC-SHA256 of the value (an entry's hash by default), keyed as Django's salted_hmac(salt, …,
    algorithm="sha256") keys it: SHA-256(salt ‖ SECRET_KEY)."""
    return hmac.new(seal_keys(salt)[0], value.encode(), hashlib.sha256).hexdigest()


def seal_keys(salt: str = _SEAL_SALT) -> tuple[bytes, ...]:
    """The sealing key of SECRET_KEY, then of each SECRET_KEY_FALLBACKS, derived once (not per entry)."""
    return _derived_keys(salt, (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


@functools.lru_cache(maxsize=8)
def _derived_keys(salt: str, secrets: tuple[str | bytes, ...]) -> tuple[bytes, ...]:
    return tuple(
        hashlib.sha256(salt.encode() + (s if isinstance(s, bytes) else s.encode())).digest() for s in secrets
    )


def seal_matches(
    value: str, value_seal: str, keys: tuple[bytes, ...] | None = None, *, salt: str = _SEAL_SALT
) -> bool:
    """Also under a retired SECRET_KEY (SECRET_KEY_FALLBACKS), so rotating it breaks nothing. A
    sequencer passes `keys` (seal_keys()) read once for its round."""
    message = value.encode()
    return any(
        hmac.compare_digest(hmac.new(key, message, hashlib.sha256).hexdigest(), value_seal)
        for key in (keys if keys is not None else seal_keys(salt))
    )


def chain_hash(previous: str, entry_hash: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(entry_hash)).hexdigest()
