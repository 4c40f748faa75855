"""Chart geometry for server-rendered SVG (no script, no inline style): templates draw what this computes.

The numbers a chart prints are the standing model's tally, never a count of its own."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from .timefmt import local as to_local

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 36
LABEL_ROOM = 110  # width of a "截止 02-27 18:00" label


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Marker:
    x: float
    label: str
    anchor: str = "end"  # the label's side of the line: "end" (left of it) or "start" (right of it)

    @property
    def label_x(self) -> float:
        return self.x - 4 if self.anchor == "end" else self.x + 4


class Counts(Protocol):
    """What a chart prints of a deliverable's tally (services.standing.Tally)."""

    due: int
    reported: int
    reported_late: int

    @property
    def on_time(self) -> int: ...


@dataclass(frozen=True)
class CumulativeChart:
    """A step line of when the units now counted 已报 filed what is on file, against the deadline."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    path: str
    due_y: float
    deadline: Marker
    now: Marker | None
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    due: int
    reported: int
    on_time: int
    reported_late: int


def cumulative_chart(times: list[datetime], *, tally: Counts, start: datetime, deadline: datetime, now: datetime,
                     zone: str) -> CumulativeChart:
    """Geometry for `times` (the sorted submit instants of the units the tally counts 已报) from `start`
    (or the deadline, if earlier: a notice published late) to past the deadline or now."""
    due = tally.due
    start = min(start, deadline)
    end = max(deadline, now, times[-1] if times else start)
    try:
        end = end + (end - start) / 20 if end > start else start + timedelta(days=1)
    except OverflowError:  # a deadline stored at the calendar's edge (9999-12-31): no margin after it
        pass
    span = (end - start).total_seconds()
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP
    top_count = max(due, len(times), 1)

    def x(moment: datetime) -> float:
        return round(x0 + (x1 - x0) * max(0.0, (moment - start).total_seconds()) / span, 1)

    def y(count: int) -> float:
        return round(y0 - (y0 - y1) * count / top_count, 1)

    points = [f"M{x0},{y0}"]
    for count, moment in enumerate(times, start=1):
        points.append(f"H{x(moment)}V{y(count)}")
    points.append(f"H{x(min(now, end))}")
    local = ZoneInfo(zone)
    return CumulativeChart(
        width=WIDTH, height=HEIGHT, left=x0, right=x1, top=y1, bottom=y0, path="".join(points), due_y=y(due),
        deadline=Marker(x(deadline), f"截止 {to_local(deadline, zone):%m-%d %H:%M}",
                        # near the left axis the label goes right of the line, clear of the counts
                        "end" if x(deadline) - x0 > LABEL_ROOM else "start"),
        now=Marker(x(now), "现在") if start <= now <= end else None,
        x_ticks=[Tick(x(t), f"{to_local(t, zone):%m-%d}") for t in _day_ticks(start, end, local)],
        y_ticks=[Tick(y(c), str(c)) for c in _count_ticks(top_count)],
        due=due, reported=tally.reported, on_time=tally.on_time, reported_late=tally.reported_late,
    )


def _day_ticks(start: datetime, end: datetime, zone: ZoneInfo, most: int = 8) -> list[datetime]:
    """Local midnights between start and end, thinned to at most `most`."""
    first = to_local(start, zone).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    days = max(1, (end - start).days)
    step = max(1, -(-days // most))
    ticks, day = [], first
    while day <= end:
        ticks.append(day)
        try:
            day = (day + timedelta(days=step)).replace(hour=0)  # wall-clock midnight, whatever the offset
        except OverflowError:  # the end lies at the calendar's edge
            break
    return ticks


def _count_ticks(top: int, most: int = 5) -> list[int]:
    """0, a round step, …, up to `top`."""
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        step = candidate
        if top / candidate <= most:
            break
    return list(range(0, top + 1, step))
