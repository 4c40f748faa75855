"""The unit's 待办 list: what it must file, by when, and where each item stands."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Campaign, CampaignState, Deliverable, Extension, Submission, SubmissionState, Unit, campaigns
from .deadlines import accepts, effective_deadline


@dataclass
class TodoItem:
    deliverable: Deliverable
    submission: Submission | None
    deadline: datetime
    extension: Extension | None
    open: bool

    @property
    def state(self) -> SubmissionState:
        return self.submission.state if self.submission else SubmissionState.not_started

    @property
    def last_change(self) -> datetime | None:
        if self.submission is None:
            return None
        times = [t for t in (self.submission.updated_at, self.submission.submitted_at,
                             self.submission.returned_at, self.submission.accepted_at) if t]
        return max(times) if times else None

    def overdue(self, now: datetime) -> bool:
        return self.state.owes and now > self.deadline


def todo_items(unit: Unit, now: datetime) -> list[TodoItem]:
    """Every deliverable of a published or closed campaign the unit must file, soonest deadline first."""
    recipient = campaigns.campaign_recipients
    deliverables = db.session.scalars(
        sa.select(Deliverable).join(Campaign).join(recipient, recipient.c.campaign_id == Campaign.id)
        .where(recipient.c.unit_id == unit.id, Campaign.state != CampaignState.draft)
        .order_by(Deliverable.deadline, Deliverable.id)
    ).all()
    ids = [d.id for d in deliverables]
    submissions = {s.deliverable_id: s for s in db.session.scalars(
        sa.select(Submission).where(Submission.unit_id == unit.id, Submission.deliverable_id.in_(ids)))}
    extensions = {e.deliverable_id: e for e in db.session.scalars(
        sa.select(Extension).where(Extension.unit_id == unit.id, Extension.deliverable_id.in_(ids)))}
    items = []
    for d in deliverables:
        ext = extensions.get(d.id)
        items.append(TodoItem(
            deliverable=d, submission=submissions.get(d.id), extension=ext,
            deadline=effective_deadline(d, unit.id, ext), open=accepts(d, unit.id, now, ext),
        ))
    return items
