"""Shared set-up for the reminder tests: a campaign with fixed dates and an app that mails a loopback server."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from campaign.extensions import db
from campaign.definitions.presets import load_preset
from campaign.services.campaigns import create_from_preset, publish, set_recipients

SHANGHAI = ZoneInfo("Asia/Shanghai")
SENDER = "学习宣贯填报汇总系统 <noreply@campaign.example.cn>"


def local(*args: int) -> datetime:
    """A Beijing wall-clock time as an aware datetime."""
    return datetime(*args, tzinfo=SHANGHAI)


def fixed_campaign(coordinator, units, *, published: datetime, deadlines: list[datetime]):
    """The SAMR preset published at `published`, its deliverables due at `deadlines`."""
    campaign = create_from_preset(load_preset("samr_2023_9"), user=coordinator)
    for deliverable, deadline in zip(campaign.deliverables, deadlines, strict=True):
        deliverable.deadline = deadline
    set_recipients(campaign, units)
    publish(campaign, user=coordinator, now=published)
    db.session.commit()
    return campaign


def reminder_header(message) -> tuple[str, str]:
    """(ledger id, kind) from a received message's X-Campaign-Reminder header."""
    row_id, kind = str(message["X-Campaign-Reminder"]).split("-", 1)
    return row_id, kind


def to_address(received) -> str:
    [address] = received.message["To"].addresses
    return address.addr_spec


def zone_at(local_hour: int) -> str:
    """A fixed-offset zone in which it is now about `local_hour` o'clock (so quiet hours are predictable)."""
    utc_hour = datetime.now(timezone.utc).hour
    offset = (local_hour - utc_hour) % 24
    if offset > 14:
        offset -= 24
    return f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"  # Etc/GMT-8 is UTC+8
