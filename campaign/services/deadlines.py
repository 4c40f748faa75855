"""Effective deadlines and whether a deliverable still accepts submissions."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import CampaignState, Deliverable, Extension, LatePolicy


def extension_for(deliverable: Deliverable, unit_id: int) -> Extension | None:
    return db.session.scalar(
        sa.select(Extension).where(Extension.deliverable_id == deliverable.id, Extension.unit_id == unit_id)
    )


# Passed as `extension` when the caller has not loaded the unit's extension.
LOOKUP = object()


def effective_deadline(deliverable: Deliverable, unit_id: int, extension=LOOKUP) -> datetime:
    """The unit's deadline: its extension if one was granted, else the deliverable's."""
    if extension is LOOKUP:
        extension = extension_for(deliverable, unit_id)
    if extension is not None and extension.deadline > deliverable.deadline:
        return extension.deadline
    return deliverable.deadline


def closes_at(deliverable: Deliverable, unit_deadline: datetime) -> datetime | None:
    """When the deliverable stops accepting this unit's submissions (None: open while the campaign is)."""
    if deliverable.late_policy is LatePolicy.close:
        return unit_deadline
    if deliverable.late_policy is LatePolicy.cutoff:
        return max(deliverable.cutoff, unit_deadline)
    return None


def accepts(deliverable: Deliverable, unit_id: int, now: datetime, extension=LOOKUP) -> bool:
    """True if the unit may still save or submit this deliverable at `now`."""
    if deliverable.campaign.state is not CampaignState.published:
        return False
    end = closes_at(deliverable, effective_deadline(deliverable, unit_id, extension))
    return end is None or now <= end


def closed_message(deliverable: Deliverable) -> str:
    if deliverable.campaign.state is CampaignState.closed:
        return "本次填报已结束，不再接收报送。如需补报，请联系通知的联系人。"
    if deliverable.campaign.state is CampaignState.draft:
        return "通知尚未发布，暂不能填报。"
    return "已过报送截止时间，不再接收报送。如需延期，请联系通知的联系人。"
