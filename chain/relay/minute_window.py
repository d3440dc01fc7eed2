"""How many transactions the last minute saw, in constant time (spec 3.2.1 burst detection).

Each day's usage row (``relay_daily_usage``) keeps the count of the current clock minute and of
the one before. The last 60 seconds are estimated as the current minute's count plus the
previous minute's weighted by the share of it still inside the window: the sliding-window
counter, exact when transactions spread evenly over the previous minute. It replaced a count of
the app's stored transactions of the last minute, whose cost grew with the app's traffic (every
request counted every other request of its minute).

A day's first transaction starts a new row, so a burst straddling midnight UTC is counted from
midnight on. A request whose clock is a little behind another process's counts in the newer
minute: the window never moves backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MINUTE = timedelta(minutes=1)


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class MinuteWindow:
    start: datetime | None  # the current minute; None before the row's first count
    count: int
    previous: int

    def added(self, moment: datetime) -> MinuteWindow:
        """One more transaction at ``moment`` (the SQL of ``repository`` does the same)."""
        minute = minute_of(moment)
        if self.start is not None and self.start >= minute:
            return MinuteWindow(self.start, self.count + 1, self.previous)
        carried = self.count if self.start is not None and self.start == minute - MINUTE else 0
        return MinuteWindow(minute, 1, carried)

    def last_minute(self, now: datetime) -> float:
        """The estimated count of the 60 seconds up to ``now``."""
        if self.start is None:
            return 0.0
        elapsed = (now - self.start) / MINUTE
        if elapsed >= 2:
            return 0.0
        if elapsed >= 1:  # the window holds only the stored minute's tail
            return self.count * (2 - elapsed)
        return self.count + self.previous * (1 - max(elapsed, 0.0))
