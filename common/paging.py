"""Totals counted only up to a cap, for lists whose exact count would cost what the company or branch
holds rather than what the page shows (docs/performance.md). The admin's CappedCountPaginator and
保証料計算書一覧 both say 「1,000件以上」 past the cap."""

from dataclasses import dataclass

COUNT_CAP = 1_000


@dataclass(frozen=True)
class CappedTotal:
    """A count of at most `cap` + 1 rows: `str()` is 「N件」, or 「1,000件以上」 past the cap."""

    count: int
    cap: int = COUNT_CAP

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    def __str__(self) -> str:
        return f"{self.cap:,}件以上" if self.capped else f"{self.count:,}件"
