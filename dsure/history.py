"""Which versions a certificate's history shows, and which one is current (used by D-Sure and, through
issuers, by Net Desk: one rule for both sides).

Rows are appended in sequence order and never changed. Reading them as a stack:
- 新規 pushes the first entry; 変更 pushes the next (its 変更の発生番号 is its depth);
- 訂正 replaces the content shown for the top entry, which keeps its place and label;
- 変更取消 pops the top entry (a 変更), so the previous one is current again.
So corrected and cancelled entries never appear (「※訂正、変更取消された履歴は表示されません。」).
"""

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


def current_version[V: VersionRow](versions: list[V]) -> V | None:
    history = visible_history(versions)
    return history[-1].shown if history else None


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
