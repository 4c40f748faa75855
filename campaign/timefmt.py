"""Showing instants in a campaign's zone, the way Chinese offices write them."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = "一二三四五六日"
# The zone of a campaign that names none, and of everything not tied to a campaign (link expiry times).
DEFAULT_ZONE = "Asia/Shanghai"
# Every date a user types falls in this range: a far-off year is a typing error, and date arithmetic
# near year 9999 overflows.
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 12, 31, 23, 59, 59)
RANGE_MESSAGE = "请填写 2000 年至 2100 年之间的日期。"


def check_range(moment: datetime) -> datetime:
    """The moment (naive local or aware) if it lies in 2000–2100; ValueError with RANGE_MESSAGE otherwise."""
    wall = moment.replace(tzinfo=None)
    if not EARLIEST <= wall <= LATEST:
        raise ValueError(RANGE_MESSAGE)
    return moment


ZONE_NAMES = {DEFAULT_ZONE: "北京时间", "Asia/Urumqi": "乌鲁木齐时间", "Asia/Hong_Kong": "香港时间"}


def zone_name(zone: str) -> str:
    return ZONE_NAMES.get(zone, zone)


def local(instant: datetime, zone: str | ZoneInfo) -> datetime:
    """The instant on the zone's wall clock. A stored instant at the very edge of the calendar (9999-12-31, put
    in by an older version or by hand) would overflow when shifted: it is shown as the calendar's last (or
    first) moment in the zone instead, so a page or a rollup that shows it still works."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    try:
        return instant.astimezone(tz)
    except OverflowError:
        edge = datetime.max if instant.year > 1 else datetime.min
        return edge.replace(tzinfo=tz)


def format_instant(instant: datetime | None, zone: str, *, weekday: bool = True, with_zone: bool = True) -> str:
    """'2023年3月31日（星期五）23:59 北京时间'."""
    if instant is None:
        return ""
    t = local(instant, zone)
    text = f"{t.year}年{t.month}月{t.day}日"
    if weekday:
        text += f"（星期{WEEKDAYS[t.weekday()]}）"
    text += f" {t:%H:%M}"
    if with_zone:
        text += f" {zone_name(zone)}"
    return text


def format_short(instant: datetime | None, zone: str) -> str:
    """'2023-03-31 23:59' in the zone, for tables."""
    if instant is None:
        return ""
    t = local(instant, zone)
    return f"{t.year:04d}-{t:%m-%d %H:%M}"


def format_span(span: timedelta) -> str:
    """A duration as days, hours and minutes: '3天4小时', '25分钟'."""
    minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分钟" if mins else f"{hours}小时"
    return f"{mins}分钟" if mins else "不到1分钟"

