"""How a 電子保証 certificate reads from its postings: which versions its history shows, which one is
current, and its status (有効 / 期限切れ / 取消). These are the scheme's published rules, like the check
character of common.contract_numbers: the surety company applies them to its own CertificateVersion
rows, D-Sure to the PostedVersion rows it received; neither reads the other's tables.

Rows are appended in sequence order and never changed. Reading them as a stack:
- 新規 pushes the first entry; 変更 pushes the next (its 変更の発生番号 is its depth);
- 訂正 replaces the content shown for the top entry, which keeps its place and label;
- 変更取消 pops the top entry (a 変更), so the previous one is current again.
So corrected and cancelled entries never appear (「※訂正、変更取消された履歴は表示されません。」).
"""

import datetime
from dataclasses import dataclass
from typing import Protocol


class VersionRow(Protocol):
    sequence: int
    kind: str


@dataclass(frozen=True)
class HistoryEntry[V: VersionRow]:
    number: int  # No. in the history table, 1-based
    entry: V  # the row that opened this entry (新規 or 変更)
    shown: V  # the row whose content is shown: the entry or its latest 訂正

    @property
    def change_no(self) -> int:
        return self.number - 1


def visible_history[V: VersionRow](versions: list[V]) -> list[HistoryEntry[V]]:
    stack: list[tuple[V, V]] = []
    for row in sorted(versions, key=lambda v: v.sequence):
        if row.kind == "new":
            stack = [(row, row)]
        elif row.kind == "change":
            stack.append((row, row))
        elif row.kind == "correction":
            stack[-1] = (stack[-1][0], row)
        elif row.kind == "cancellation":
            stack.pop()
    return [HistoryEntry(number=i, entry=e, shown=s) for i, (e, s) in enumerate(stack, start=1)]


def current_entry[V: VersionRow](versions: list[V]) -> HistoryEntry[V] | None:
    """The history entry shown as current (its No., 新規 or 変更 and 変更の発生番号); None while there is
    none. Its `shown` is current_version."""
    history = visible_history(versions)
    return history[-1] if history else None


def current_version[V: VersionRow](versions: list[V]) -> V | None:
    """The version shown now (after a 訂正 the correction, after a 変更取消 the one restored)."""
    entry = current_entry(versions)
    return entry.shown if entry is not None else None


def current_content(versions) -> dict:
    """The current version's content (rows with a `content`); {} while nothing is shown."""
    current = current_version(list(versions))
    return current.content if current is not None else {}


CURRENT = "current"  # the version shown now
SUPERSEDED = "superseded"  # an earlier entry: a later 変更 is current
REPLACED = "replaced"  # a version that a 訂正 replaced or a 変更取消 withdrew: shown nowhere
REVOKED = "revoked"  # the whole contract was withdrawn (取消)


@dataclass(frozen=True)
class Standing[V: VersionRow]:
    """Where one posted version stands in its certificate's history (電子証書の真正性確認)."""

    state: str
    entry: HistoryEntry[V] | None  # the history entry showing this version (None when REPLACED)
    current: HistoryEntry[V] | None


def standing_of[V: VersionRow](versions: list[V], sequence: int, *, revoked: bool) -> Standing[V]:
    history = visible_history(versions)
    current = history[-1] if history else None
    entry = next((e for e in history if e.shown.sequence == sequence), None)
    if revoked:
        state = REVOKED
    elif entry is None:
        state = REPLACED
    else:
        state = CURRENT if entry is current else SUPERSEDED
    return Standing(state=state, entry=entry, current=current)


# -- status ----------------------------------------------------------------------------------------

VALID = "有効"
EXPIRED = "期限切れ"
# Distinct from the standing REVOKED above: this is the status as pages print it.
WITHDRAWN = "取消"
STATUSES = (VALID, EXPIRED, WITHDRAWN)
EXPIRING_WITHIN = datetime.timedelta(days=30)


def certificate_status(content: dict, *, today: datetime.date, revoked: bool = False) -> str:
    """取消 once the guarantee contract was withdrawn; else 有効, or 期限切れ once the 保証期限 (end of
    the 保証期間) has passed. A cancelled 変更 (変更取消) is no 取消: it leaves the history instead."""
    if revoked:
        return WITHDRAWN
    deadline = content.get("guarantee_deadline") or ""
    try:
        if datetime.date.fromisoformat(deadline) < today:
            return EXPIRED
    except ValueError:
        pass
    return VALID


def expiring_soon(content: dict, *, today: datetime.date, status: str) -> bool:
    """「期限切れ間近」: still 有効 and the 保証期限 is today or within the next 30 days."""
    if status != VALID:
        return False
    try:
        deadline = datetime.date.fromisoformat(content.get("guarantee_deadline") or "")
    except ValueError:
        return False
    return deadline <= today + EXPIRING_WITHIN
