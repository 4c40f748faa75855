"""Campaigns: create from a preset, choose recipients, publish, close."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..forms.presets import Preset
from ..models import (Campaign, CampaignState, Deliverable, LatePolicy, Submission, SubmissionState, Unit, User,
                      record, utcnow)
from . import WorkflowError


def shift_years(preset: Preset, year: int) -> int:
    """Years to add so the preset's first deadline falls in `year`."""
    first = min(d.deadline for d in preset.deliverables)
    return year - first.year


def _add_years(moment, years: int):
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a year without one
        return moment.replace(year=moment.year + years, day=28)


def create_from_preset(preset: Preset, *, user: User, shift_to_year: int | None = None,
                       shift_by: timedelta | None = None) -> Campaign:
    """A draft campaign with all the preset's deliverables, forms, deadlines and contacts.

    `shift_to_year` moves every date to the same day of that year; `shift_by` moves them by a
    fixed span (the notice's intervals are kept either way).
    """
    zone = ZoneInfo(preset.timezone)
    years = shift_years(preset, shift_to_year) if shift_to_year else 0

    def move(moment):
        if moment is None:
            return None
        moved = _add_years(moment, years) if years else moment
        return moved + shift_by if shift_by else moved

    campaign = Campaign(
        title=preset.title, doc_number=preset.doc_number, issuer=preset.issuer,
        issued_on=move(preset.issued_on) if isinstance(preset.issued_on, date) else None,
        contact_department=preset.contact.get("department", ""), contact_name=preset.contact.get("name", ""),
        contact_phone=str(preset.contact.get("phone", "")), contact_email=preset.contact.get("email", ""),
        timezone=preset.timezone, office_hours_end=preset.office_hours_end, preset=preset.key,
        state=CampaignState.draft,
    )
    campaign.coordinators.append(user)
    for order, item in enumerate(preset.deliverables):
        local = move(item.deadline).replace(tzinfo=zone)
        campaign.deliverables.append(Deliverable(
            key=item.key, short_title=item.short_title, title=item.title, sort_order=order, form=item.form,
            deadline=local.astimezone(ZoneInfo("UTC")), late_policy=LatePolicy(preset.late_policy),
        ))
    db.session.add(campaign)
    db.session.flush()
    record("campaign_created", user=user, campaign_id=campaign.id, preset=preset.key)
    return campaign


def set_recipients(campaign: Campaign, units: list[Unit]) -> None:
    """Replace the campaign's recipients (in unit order)."""
    campaign.recipients = sorted(set(units), key=lambda u: (u.sort_order, u.id))
    db.session.flush()


def ensure_submissions(campaign: Campaign) -> int:
    """Create a 未填报 submission for every recipient and deliverable that has none; return how many."""
    created = 0
    for deliverable in campaign.deliverables:
        existing = set(db.session.scalars(
            sa.select(Submission.unit_id).where(Submission.deliverable_id == deliverable.id)
        ))
        for unit in campaign.recipients:
            if unit.id not in existing:
                db.session.add(Submission(deliverable=deliverable, unit=unit, state=SubmissionState.not_started,
                                          data={}))
                created += 1
    db.session.flush()
    return created


def publish(campaign: Campaign, *, user: User, now: datetime | None = None) -> Campaign:
    """Open the campaign to its recipients."""
    if campaign.state is not CampaignState.draft:
        raise WorkflowError("只有草稿状态的通知可以发布。")
    if not campaign.recipients:
        raise WorkflowError("请先选择需要报送的单位，再发布。")
    campaign.state = CampaignState.published
    campaign.published_at = now or utcnow()
    ensure_submissions(campaign)
    record("campaign_published", user=user, campaign_id=campaign.id, recipients=len(campaign.recipients))
    db.session.flush()
    return campaign


def close(campaign: Campaign, *, user: User, now: datetime | None = None) -> Campaign:
    """Stop accepting submissions for every deliverable of the campaign."""
    if campaign.state is not CampaignState.published:
        raise WorkflowError("只有已发布的通知可以结束。")
    campaign.state = CampaignState.closed
    campaign.closed_at = now or utcnow()
    record("campaign_closed", user=user, campaign_id=campaign.id)
    db.session.flush()
    return campaign
