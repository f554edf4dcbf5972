"""Writing the audit trail: `record`, the one function every app calls (as `audit.record`)."""

import datetime
import decimal
import enum
import ipaddress
import re
import uuid

from django.utils import timezone
from django.utils.functional import Promise

from audit import context, sequencer
from audit.hashing import seal
from audit.models import AuditEntry

# "contract.issue", "dsure.lookup.failure", "auth.login.failure": lower-case words joined by dots.
ACTION_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
# Detail fields named like a secret are refused, at any depth: an entry can never be edited, so a
# secret written once would stay for good.
SECRET_NAME = re.compile(
    r"key|pass|session|token|secret|csrf|cookie|authorization|キー|パスワード", re.IGNORECASE
)


def record(*, action: str, summary: str, obj=None, by=None, actor_label: str = "", **detail) -> AuditEntry:
    """Append one entry: `action` an English code, `summary` a short Japanese sentence, `obj` the model
    instance concerned, `by` the acting user, `**detail` plain JSON-able facts (never a key, a
    password or a session id).

    Without `by`, the user of the request being served (AuditContextMiddleware) is the actor; the
    client IP always comes from the request. Outside a request the actor is "system".

    Runs in the caller's transaction: the entry commits or rolls back with the business change. It
    takes no shared lock and sends one statement: the database queues the entry for the sequencer (a
    trigger, audit/migrations/0005), which gives it its place in the trail after the commit
    (audit.sequencer).
    """
    if not ACTION_PATTERN.match(action):
        raise ValueError(f"audit action must look like 'object.verb', not {action!r}")
    _refuse_secret_names(detail)
    request_context = context.current()
    if by is not None and not by.is_authenticated:
        by = None
    if by is None and request_context is not None:
        by = request_context.user
    if not actor_label:
        actor_label = by.get_username() if by is not None else ("anonymous" if request_context else "system")
    entry = AuditEntry(
        actor=by,
        actor_label=actor_label[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:200],
        detail=_plain(detail),
        ip_address=_normalized_ip(request_context.ip_address if request_context else None),
    )
    entry.at = timezone.now()
    entry.hash = entry.compute_hash()
    entry.seal = seal(entry.hash)
    # No transaction or savepoint of its own: one INSERT is atomic with its trigger, and an entry fails
    # with the business change it records.
    entry.save()
    sequencer.schedule()
    return entry


def _refuse_secret_names(detail: dict, path: str = "") -> None:
    for name, value in detail.items():
        if SECRET_NAME.search(str(name)):
            raise ValueError(f"audit detail may not hold secrets: field {path}{name!r} is named like one")
        if isinstance(value, dict):
            _refuse_secret_names(value, f"{path}{name}.")


def _plain(value):
    """JSON that reads back exactly as written on both databases, so the hash survives the round trip:
    dates, decimals, UUIDs and floats become strings."""
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str | Promise):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | float | uuid.UUID):
        return str(value)
    raise TypeError(f"audit detail takes plain values, not {type(value).__name__}")


def _normalized_ip(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
