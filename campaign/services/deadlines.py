"""The deadline rules: a unit's effective deadline, when a deliverable stops accepting it, and lateness.

Pure functions of values already loaded; `standing.stand` is their one caller that turns them into
what a page, rollup, e-mail or command shows, and the services call them through it too. Whatever
decides "late" — a submit, a standing, an extension, a deadline already past, the time left — asks
`is_overdue`, so a change to the rule is a change to that one function.
"""
from __future__ import annotations

from datetime import datetime

from ..models import CampaignState, LatePolicy
from ..timefmt import format_span


def effective_deadline(deadline: datetime, extended_to: datetime | None) -> datetime:
    """The unit's deadline: its extension if one was granted (and is later), else the deliverable's."""
    if extended_to is not None and extended_to > deadline:
        return extended_to
    return deadline


def closes_at(late_policy: LatePolicy, cutoff: datetime | None, unit_deadline: datetime) -> datetime | None:
    """When the deliverable stops accepting this unit's submissions (None: open while the campaign is)."""
    if late_policy is LatePolicy.close:
        return unit_deadline
    if late_policy is LatePolicy.cutoff:
        return max(cutoff, unit_deadline) if cutoff is not None else unit_deadline
    return None


def is_open(campaign_state: CampaignState, closes: datetime | None, now: datetime) -> bool:
    """True if the unit may still save, submit or withdraw at `now`."""
    return campaign_state is CampaignState.published and (closes is None or now <= closes)


def is_overdue(deadline: datetime, moment: datetime, *, extended_to: datetime | None = None) -> bool:
    """True if `moment` (a submit, or now) is after the effective deadline, the extension applied."""
    return moment > effective_deadline(deadline, extended_to)


def time_left(deadline: datetime, now: datetime) -> str:
    """'还剩 3天4小时' before the (effective) deadline, '已逾期 2天' after it."""
    if is_overdue(deadline, now):
        return f"已逾期 {format_span(now - deadline)}"
    return f"还剩 {format_span(deadline - now)}"


def closed_message(campaign_state: CampaignState) -> str:
    """Why a unit can no longer save or submit, and whom to ask."""
    if campaign_state is CampaignState.closed:
        return "本次填报已结束，不再接收报送。如需补报，请联系通知的联系人。"
    if campaign_state is CampaignState.draft:
        return "通知尚未发布，暂不能填报。"
    return "已过报送截止时间，不再接收报送。如需延期，请联系通知的联系人。"
