"""What a reminder says: gather the facts for one unit and recipient, then render subject, text and HTML."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, render_template

from ... import timefmt
from ...models import Deliverable, Unit
from ..deadlines import time_left
from ..standing import Standing, Tally, word
from .schedule import NOTICE


@dataclass(frozen=True)
class ReminderContent:
    """Everything a reminder message shows, already formatted for the reader."""

    kind: str
    recipient_name: str
    unit_name: str
    campaign_title: str
    doc_number: str
    issuer: str
    deliverable: str
    deliverable_short: str
    deadline: str  # '2023年3月31日（星期五）23:59 北京时间'
    deadline_short: str  # '3月31日（星期五）23:59'
    overdue: bool
    time_left: str  # '还剩 3天4小时' or '已逾期 2天'
    state: str
    returned: bool
    return_reason: str
    link: str
    contact: str  # '质量发展局 张俭 010-82262773'
    contact_email: str
    below: str = ""  # for a unit that relayed the deliverable: how its own units stand

    @property
    def is_notice(self) -> bool:
        return self.kind == NOTICE


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def form_link(deliverable_id: int) -> str:
    """The public address of the unit's form for a deliverable, from BASE_URL."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build("unit.deliverable", {"deliverable_id": deliverable_id}, force_external=True)


def content_for(deliverable: Deliverable, unit: Unit, standing: Standing, *, kind: str, recipient_name: str,
                now: datetime, below: Tally | None = None) -> ReminderContent:
    """The facts of one reminder as they stand at `now` (state and time left are never stale); `below` is how
    the unit's own units stand when it relayed the deliverable to them."""
    campaign = deliverable.campaign
    zone = campaign.timezone
    deadline = standing.deadline
    local = timefmt.local(deadline, zone)
    return ReminderContent(
        kind=kind,
        recipient_name=recipient_name,
        unit_name=unit.name,
        campaign_title=campaign.title,
        doc_number=campaign.doc_number,
        issuer=campaign.issuer,
        deliverable=deliverable.label,
        deliverable_short=deliverable.short_title or deliverable.title,
        deadline=timefmt.format_instant(deadline, zone),
        deadline_short=f"{local.month}月{local.day}日（星期{timefmt.WEEKDAYS[local.weekday()]}）{local:%H:%M}",
        overdue=standing.overdue,
        time_left=time_left(deadline, now),
        state=standing.state.label,
        returned=standing.state.is_returned,
        return_reason=standing.return_reason,
        link=form_link(deliverable.id),
        contact=campaign.contact_line,
        contact_email=campaign.contact_email,
        below=(f"贵单位已转发给下级单位：{word('due')} {below.due} 家，{word('reported')} {below.reported} 家，"
               f"{word('missing')} {below.missing} 家。") if below is not None else "",
    )


def subject_for(content: ReminderContent) -> str:
    """One line saying what is due and how urgent it is."""
    what = content.deliverable_short
    if content.returned:
        return f"【退回修改】{what}：请修改后重新报送（{content.unit_name}）"
    if content.is_notice:
        return f"【报送通知】{content.campaign_title}：请于{content.deadline_short}前报送{what}"
    if content.overdue:
        return f"【催报】{what}{content.time_left}，请尽快报送（{content.unit_name}）"
    return f"【催报】{what}将于{content.deadline_short}截止，{content.time_left}（{content.unit_name}）"


def compose(content: ReminderContent) -> Composed:
    """Subject, plain text and HTML of one reminder (templates/email/reminder.*)."""
    return Composed(
        subject=subject_for(content),
        text=render_template("email/reminder.txt", m=content),
        html=render_template("email/reminder.html", m=content),
    )
