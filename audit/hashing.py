"""The trail's arithmetic. An entry's `hash` is the hex SHA-256 of a canonical JSON of its content;
its `seal` is an HMAC of that hash with the server's secret, which only the application holds; its
place in the trail is a chain hash over the previous position's chain hash and its own hash.

Canonical = sorted keys, no whitespace, UTF-8, times in UTC to the microsecond, so the same entry
read back from SQLite or PostgreSQL hashes to the same value."""

import datetime
import hashlib
import hmac
import json

from django.conf import settings
from django.utils.crypto import salted_hmac

# The chain hash before the first position.
GENESIS = "0" * 64
_SEAL_SALT = "audit.seal"


def canonical_time(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical_json(content: dict) -> bytes:
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def content_hash(entry) -> str:
    """The hash of an entry's content (a model instance, also a migration's historical one)."""
    return hashlib.sha256(
        canonical_json(
            {
                "at": canonical_time(entry.at),
                "actor_id": entry.actor_id,
                "actor_label": entry.actor_label,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "summary": entry.summary,
                "detail": entry.detail,
                "ip_address": entry.ip_address,
            }
        )
    ).hexdigest()


def seal(entry_hash: str) -> str:
    return salted_hmac(_SEAL_SALT, entry_hash, algorithm="sha256").hexdigest()


def seal_matches(entry_hash: str, entry_seal: str) -> bool:
    """Also under a retired SECRET_KEY (SECRET_KEY_FALLBACKS), so rotating it breaks nothing."""
    return any(
        hmac.compare_digest(
            salted_hmac(_SEAL_SALT, entry_hash, secret=secret, algorithm="sha256").hexdigest(), entry_seal
        )
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )


def chain_hash(previous: str, entry_hash: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(entry_hash)).hexdigest()
