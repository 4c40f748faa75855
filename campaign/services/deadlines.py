"""The deadline rules: a unit's effective deadline, when a deliverable stops accepting it, and lateness.

Pure functions of values already loaded; `standing.stand` is their one caller that turns them into
what a page, rollup, e-mail or command shows, and the services call them through it too.
"""
from __future__ import annotations

from datetime import datetime

from ..models import CampaignState, LatePolicy


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


def is_late(submitted_at: datetime, unit_deadline: datetime) -> bool:
    """A submit is late when it comes after the unit's effective deadline."""
    return submitted_at > unit_deadline


def closed_message(campaign_state: CampaignState) -> str:
    """Why a unit can no longer save or submit, and whom to ask."""
    if campaign_state is CampaignState.closed:
        return "本次填报已结束，不再接收报送。如需补报，请联系通知的联系人。"
    if campaign_state is CampaignState.draft:
        return "通知尚未发布，暂不能填报。"
    return "已过报送截止时间，不再接收报送。如需延期，请联系通知的联系人。"
