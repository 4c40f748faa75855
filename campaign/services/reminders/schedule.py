"""When reminders fall due: the per-deliverable schedule and quiet hours, as pure functions."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Scheduled reminders go out at this local time of day; the notice goes when it is published.
SEND_AT = time(9, 0)
# No mail between these local times; anything due then waits until QUIET_END.
QUIET_START, QUIET_END = time(22, 0), time(8, 0)

NOTICE = "notice"
DUE_DAY = "due-day"
MANUAL_PREFIX = "manual-"


@dataclass(frozen=True)
class Schedule:
    """A deliverable's reminder schedule as the coordinator set it (stored as JSON on the deliverable)."""

    on_publish: bool = True
    days_before: tuple[int, ...] = (7, 3, 1)
    on_deadline_day: bool = True
    overdue_every_days: int = 2  # 0: no reminders once overdue
    overdue_max: int = 4

    @classmethod
    def from_json(cls, data: dict | None) -> Schedule:
        """The stored schedule, with defaults for whatever it does not say."""
        data = data or {}
        default = cls()
        return cls(
            on_publish=bool(data.get("on_publish", default.on_publish)),
            days_before=tuple(sorted({int(d) for d in data.get("days_before", default.days_before)}, reverse=True)),
            on_deadline_day=bool(data.get("on_deadline_day", default.on_deadline_day)),
            overdue_every_days=int(data.get("overdue_every_days", default.overdue_every_days)),
            overdue_max=int(data.get("overdue_max", default.overdue_max)),
        )

    def to_json(self) -> dict:
        data = asdict(self)
        data["days_before"] = list(self.days_before)
        return data

    def describe(self) -> str:
        """'发布时通知；截止前7、3、1天；截止当天；逾期后每2天一次，最多4次'."""
        parts = []
        if self.on_publish:
            parts.append("发布时通知")
        if self.days_before:
            parts.append("截止前" + "、".join(str(d) for d in self.days_before) + "天")
        if self.on_deadline_day:
            parts.append("截止当天")
        if self.overdue_every_days and self.overdue_max:
            parts.append(f"逾期后每{self.overdue_every_days}天一次，最多{self.overdue_max}次")
        return "；".join(parts) or "不发送定时催报"


def parse_days(text: str) -> tuple[int, ...]:
    """'7,3，1、 14' → (14, 7, 3, 1); raises ValueError with a message for the user."""
    pieces = [p for p in re.split(r"[\s,，、;；]+", text.strip()) if p]
    days = set()
    for piece in pieces:
        if not piece.isdigit() or not 1 <= int(piece) <= 60:
            raise ValueError(f"“{piece}”不是 1 到 60 之间的整数天数，请用逗号分隔，例如 7,3,1。")
        days.add(int(piece))
    return tuple(sorted(days, reverse=True))


@dataclass(frozen=True)
class Slot:
    kind: str
    at: datetime  # UTC instant the reminder is due (already moved out of quiet hours)


def kind_label(kind: str) -> str:
    """What the coordinator sees for a reminder kind."""
    if kind == NOTICE:
        return "发布通知"
    if kind == DUE_DAY:
        return "截止当天提醒"
    if kind.startswith("before-"):
        return f"截止前{kind.removeprefix('before-')}天提醒"
    if kind.startswith("overdue-"):
        return f"逾期{kind.removeprefix('overdue-')}天催报"
    if kind.startswith(MANUAL_PREFIX):
        return "手动催报"
    return kind


def in_quiet_hours(instant: datetime, zone: str) -> bool:
    local = instant.astimezone(ZoneInfo(zone)).time()
    return local >= QUIET_START or local < QUIET_END


def out_of_quiet_hours(instant: datetime, zone: str) -> datetime:
    """The instant itself, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(instant, zone):
        return instant
    tz = ZoneInfo(zone)
    local = instant.astimezone(tz)
    day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_END, tz).astimezone(ZoneInfo("UTC"))


def _send_time(day: date, zone: str) -> datetime:
    return datetime.combine(day, SEND_AT, ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def slots(schedule: Schedule, *, published_at: datetime, deadline: datetime, closes_at: datetime | None,
          zone: str) -> list[Slot]:
    """Every reminder the schedule gives one unit, in order; none before publication or after closing."""
    found: list[Slot] = []
    if schedule.on_publish:
        found.append(Slot(NOTICE, published_at))
    deadline_day = deadline.astimezone(ZoneInfo(zone)).date()
    for days in schedule.days_before:
        at = _send_time(deadline_day - timedelta(days=days), zone)
        if published_at < at < deadline:
            found.append(Slot(f"before-{days}", at))
    at = _send_time(deadline_day, zone)
    if schedule.on_deadline_day and published_at < at < deadline:
        found.append(Slot(DUE_DAY, at))
    if schedule.overdue_every_days > 0:
        for n in range(1, schedule.overdue_max + 1):
            days = n * schedule.overdue_every_days
            at = _send_time(deadline_day + timedelta(days=days), zone)
            if at > published_at and (closes_at is None or at <= closes_at):
                found.append(Slot(f"overdue-{days}", at))
    moved = [Slot(s.kind, out_of_quiet_hours(s.at, zone)) for s in found]
    return sorted(moved, key=lambda s: s.at)


def latest_due(unit_slots: list[Slot], now: datetime) -> Slot | None:
    """The most recent slot that is due; earlier ones a run missed are superseded, not sent in a burst."""
    due = [s for s in unit_slots if s.at <= now]
    return due[-1] if due else None
