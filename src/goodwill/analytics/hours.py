"""Business time, vectorised: minutes between many pairs of instants, counting only the workspace's business
hours in its time zone (the same hours and zone the SLA clocks use: goodwill.inbox.sla).

The open windows of the whole span are laid out once as UTC intervals with the business seconds before each;
then any instant maps to "business seconds since the span began" with one binary search, and a duration is
the difference. Daylight-saving changes are handled because every window is placed with its own offset.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray

from goodwill.inbox.sla import BusinessHours

Floats = NDArray[np.float64]


class BusinessClock:
    def __init__(self, hours: BusinessHours, start: float, end: float) -> None:
        """`start` and `end`: epoch seconds that every instant given later lies between."""
        self.always = hours.windows is None
        if self.always:
            return
        assert hours.windows is not None
        starts: list[float] = []
        ends: list[float] = []
        day = datetime.fromtimestamp(start, UTC).astimezone(hours.zone).date() - timedelta(days=1)
        last = datetime.fromtimestamp(end, UTC).astimezone(hours.zone).date() + timedelta(days=1)
        while day <= last:
            for first, stop in hours.windows.get(day.weekday(), ()):
                begin = datetime.combine(day, time(first // 60, first % 60), hours.zone)
                if stop >= 24 * 60:
                    finish = datetime.combine(day + timedelta(days=1), time(0), hours.zone)
                else:
                    finish = datetime.combine(day, time(stop // 60, stop % 60), hours.zone)
                starts.append(begin.timestamp())
                ends.append(finish.timestamp())
            day += timedelta(days=1)
        self.starts = np.array(starts or [start], dtype=np.float64)
        self.ends = np.array(ends or [start], dtype=np.float64)
        lengths = self.ends - self.starts
        self.before = np.concatenate(([0.0], np.cumsum(lengths)[:-1]))

    def position(self, instants: Floats) -> Floats:
        """Business seconds from the start of the span to each instant."""
        index = np.searchsorted(self.starts, instants, side="right") - 1
        index = np.clip(index, 0, len(self.starts) - 1)
        inside = np.clip(instants - self.starts[index], 0.0, self.ends[index] - self.starts[index])
        inside = np.where(instants < self.starts[0], 0.0, inside)
        result: Floats = self.before[index] + inside
        return result

    def minutes(self, begin: Floats, end: Floats) -> Floats:
        """Business minutes from each `begin` to its `end` (wall-clock minutes when hours are 24/7)."""
        if self.always:
            wall: Floats = (end - begin) / 60.0
            return wall
        business: Floats = (self.position(end) - self.position(begin)) / 60.0
        return business


def percentiles(values: Floats) -> dict[str, float | None]:
    """Median and 90th percentile, by linear interpolation between closest ranks (numpy's default, the same
    as Python's statistics.quantiles(method="inclusive")); None when there is nothing to measure."""
    if values.size == 0:
        return {"median": None, "p90": None}
    median, p90 = np.percentile(values, [50, 90])
    return {"median": round(float(median), 1), "p90": round(float(p90), 1)}
