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
