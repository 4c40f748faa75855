"""Campaigns: create from a preset or a definition, edit, publish, close.

A campaign goes draft → published → closed. What each action may start from is in TRANSITIONS
(campaign_states.py); the checks that depend on what units have already filed are in the functions
themselves. Recipients are chosen in recipients.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..definitions.deliverables import DeliverableDefinition
from ..definitions.presets import Preset, PresetDeliverable
from ..models import (Campaign, CampaignState, Deliverable, LatePolicy, Role, Submission, SubmissionState, User,
                      campaigns as campaign_tables, record, utcnow)
from ..timefmt import DEFAULT_ZONE
from . import WorkflowError
from .campaign_states import REFUSALS, TRANSITIONS, allowed, check  # noqa: F401 - also used through this module
from .deadlines import is_overdue
from .relays import check_relay_deadlines
from .recipients import (RecipientChange, choose_recipients, ensure_submissions, expand_subtrees,  # noqa: F401
                         home_units, recipient_choices, selected_units, set_recipients, started_units)


def coordinated_campaigns(user: User) -> list[Campaign]:
    """The campaigns the user coordinates (all of them for an admin), newest first, deliverables loaded."""
    query = (sa.select(Campaign).options(selectinload(Campaign.deliverables))
             .order_by(Campaign.created_at.desc(), Campaign.id.desc()))
    if user.role is not Role.admin:
        link = campaign_tables.campaign_coordinators
        query = query.join(link, link.c.campaign_id == Campaign.id).where(link.c.user_id == user.id)
    return list(db.session.scalars(query))


def current_year(zone: str, now: datetime | None = None) -> int:
    """The year it is now in the zone (a notice's dates are moved to this year on request)."""
    return (now or utcnow()).astimezone(ZoneInfo(zone)).year


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
        timezone=preset.timezone, office_hours_end=preset.office_hours_end, preset=preset.key or None,
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
    record("campaign_created", user=user, campaign_id=campaign.id, preset=preset.key or None, shifted_years=years,
           **({} if preset.key else {"from_notice": True}))
    return campaign


def create_from_proposal(details: dict, definitions: list[DeliverableDefinition], *, user: User,
                         shift_to_year: int | None = None) -> Campaign:
    """A draft campaign from a notice the coordinator uploaded, as corrected on the proposal page:
    `details` holds title, doc_number, issuer, issued_on and the contact_* values."""
    preset = Preset(
        key="", title=details["title"], doc_number=details.get("doc_number") or "", issuer=details.get("issuer") or "",
        issued_on=details.get("issued_on"), timezone=DEFAULT_ZONE, office_hours_end=time(18, 0), late_policy="flag",
        contact={"department": details.get("contact_department") or "", "name": details.get("contact_name") or "",
                 "phone": details.get("contact_phone") or "", "email": details.get("contact_email") or ""},
        deliverables=[PresetDeliverable(key=d.key, short_title=d.short_title, title=d.title, deadline=d.deadline,
                                        form=d.form) for d in definitions],
    )
    return create_from_preset(preset, user=user, shift_to_year=shift_to_year)


def create_from_definition(definitions: list[DeliverableDefinition], *, user: User, title: str,
                           default_deadline: datetime | None, doc_number: str = "", issuer: str = "",
                           timezone: str = DEFAULT_ZONE) -> Campaign:
    """A draft campaign from a coordinator's own definition; contact details default to the coordinator.

    `default_deadline` (local wall time) applies to each deliverable whose definition sets none.
    """
    if not title.strip():
        raise WorkflowError("请填写通知标题。")
    zone = ZoneInfo(timezone)
    campaign = Campaign(
        title=title.strip(), doc_number=doc_number.strip(), issuer=issuer.strip(), contact_name=user.name,
        contact_phone=user.phone, contact_email=user.email, timezone=timezone, state=CampaignState.draft,
    )
    campaign.coordinators.append(user)
    for order, item in enumerate(definitions):
        deadline = item.deadline or default_deadline
        if deadline is None:
            raise WorkflowError(f"“{item.title}”没有截止时间：请在定义中写明 deadline，或在页面上填写填报截止时间。")
        campaign.deliverables.append(Deliverable(
            key=item.key, short_title=item.short_title, title=item.title, sort_order=order, form=item.form,
            deadline=deadline.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")), late_policy=LatePolicy.flag,
        ))
    db.session.add(campaign)
    db.session.flush()
    record("campaign_created", user=user, campaign_id=campaign.id, preset=None,
           deliverables=[d.key for d in definitions])
    return campaign


def add_deliverables(campaign: Campaign, definitions: list[DeliverableDefinition], *, user: User,
                     default_deadline: datetime | None) -> list[Deliverable]:
    """Add deliverables of the coordinator's own to a draft or published campaign (a relaying unit asking its
    units for more than the upper level does); recipients of a published one get them in their 待办 at once."""
    check("edit", campaign)
    taken = {d.key for d in campaign.deliverables}
    clashes = [d.key for d in definitions if d.key in taken]
    if clashes:
        raise WorkflowError(f"报送事项的 key 与已有事项重复：{'、'.join(clashes)}。请换一个 key。")
    zone = campaign.zone
    added = []
    start = max((d.sort_order for d in campaign.deliverables), default=-1) + 1
    for order, item in enumerate(definitions, start=start):
        deadline = item.deadline or default_deadline
        if deadline is None:
            raise WorkflowError(f"“{item.title}”没有截止时间：请在定义中写明 deadline，或在页面上填写填报截止时间。")
        deliverable = Deliverable(key=item.key, short_title=item.short_title, title=item.title, sort_order=order,
                                  form=item.form, deadline=deadline.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")),
                                  late_policy=LatePolicy.flag)
        campaign.deliverables.append(deliverable)
        added.append(deliverable)
    db.session.flush()
    if campaign.state is CampaignState.published:
        ensure_submissions(campaign)
    record("deliverables_added", user=user, campaign_id=campaign.id, deliverables=[d.key for d in added])
    return added


CAMPAIGN_DETAILS = ("title", "doc_number", "issuer", "issued_on", "contact_department", "contact_name",
                    "contact_phone", "contact_email")


@dataclass(frozen=True)
class DeliverableSettings:
    """What a coordinator may change on a deliverable; times are local wall times in the campaign's zone."""

    deadline: datetime
    late_policy: LatePolicy
    cutoff: datetime | None = None


def settings_errors(settings: DeliverableSettings) -> dict[str, str]:
    """Problems with one deliverable's settings, by field name (empty when they are consistent)."""
    if settings.late_policy is not LatePolicy.cutoff:
        return {}
    if settings.cutoff is None:
        return {"cutoff": "选择“补报截止”时，请填写补报截止时间。"}
    if settings.cutoff <= settings.deadline:
        return {"cutoff": "补报截止时间应晚于填报截止时间。"}
    return {}


def update_campaign(campaign: Campaign, *, user: User, details: dict,
                    deliverables: dict[int, DeliverableSettings], confirm_late_relay: bool = False) -> list[str]:
    """Change the campaign's details and its deliverables' deadlines and late policies.

    A relay's deadline on or after the relaying unit's own is refused (LateRelay) unless confirmed.
    Returns the names of what changed (for the audit log and the confirmation message).
    """
    check("edit", campaign)
    if "title" in details and not (details["title"] or "").strip():
        raise WorkflowError("请填写通知标题。")
    changed = []
    for name in CAMPAIGN_DETAILS:
        if name in details and details[name] != getattr(campaign, name):
            setattr(campaign, name, details[name])
            changed.append(name)
    zone = campaign.zone
    by_id = {d.id: d for d in campaign.deliverables}
    check_relay_deadlines(campaign, {i: s.deadline.replace(tzinfo=zone) for i, s in deliverables.items()
                                     if s.deadline is not None}, confirm_late=confirm_late_relay)
    for deliverable_id, settings in deliverables.items():
        deliverable = by_id.get(deliverable_id)
        if deliverable is None:
            raise WorkflowError("报送事项不属于这份通知，请刷新页面后重试。")
        problems = settings_errors(settings)
        if problems:
            raise WorkflowError(f"“{deliverable.label}”：{next(iter(problems.values()))}")
        deadline = settings.deadline.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))
        keep_cutoff = settings.late_policy is LatePolicy.cutoff
        cutoff = settings.cutoff.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")) if keep_cutoff else None
        for name, value in (("deadline", deadline), ("late_policy", settings.late_policy), ("cutoff", cutoff)):
            if getattr(deliverable, name) != value:
                setattr(deliverable, name, value)
                changed.append(f"{deliverable.key}.{name}")
    if changed:
        record("campaign_edited", user=user, campaign_id=campaign.id, changed=changed)
    db.session.flush()
    return changed


def remove_deliverable(deliverable: Deliverable, *, user: User) -> None:
    """Remove a deliverable; refused once any unit has started on it, and for the last one."""
    campaign = deliverable.campaign
    check("remove_deliverable", campaign)
    if len(campaign.deliverables) <= 1:
        raise WorkflowError("通知至少需要一个报送事项，不能删除最后一个。")
    started = db.session.scalar(sa.select(sa.func.count()).where(
        Submission.deliverable_id == deliverable.id, Submission.state != SubmissionState.not_started))
    if started:
        raise WorkflowError(f"已有 {started} 个单位填写或报送了“{deliverable.label}”，不能删除。")
    campaign.deliverables.remove(deliverable)
    record("deliverable_removed", user=user, campaign_id=campaign.id, key=deliverable.key, title=deliverable.title)
    db.session.flush()

class PastDeadline(WorkflowError):
    """Publishing would open deliverables whose deadline has already passed; needs confirmation."""

    def __init__(self, deliverables: list[Deliverable]):
        self.deliverables = deliverables
        names = "、".join(f"“{d.label}”" for d in deliverables)
        super().__init__(f"{names}的填报截止时间已过。仍要发布，请勾选确认；或先修改截止时间。")


def past_deadlines(campaign: Campaign, now: datetime | None = None) -> list[Deliverable]:
    """The campaign's deliverables whose deadline is already past."""
    now = now or utcnow()
    return [d for d in campaign.deliverables if is_overdue(d.deadline, now)]


def publish(campaign: Campaign, *, user: User, now: datetime | None = None,
            confirm_past_deadline: bool = False) -> Campaign:
    """Open the campaign to its recipients: every recipient gets a 未填报 submission per deliverable.

    A deadline already past is refused (PastDeadline) unless the coordinator confirmed it.
    """
    now = now or utcnow()
    check("publish", campaign)
    if not campaign.deliverables:
        raise WorkflowError("通知还没有报送事项，不能发布。")
    if not campaign.recipients:
        raise WorkflowError("请先选择需要报送的单位，再发布。")
    past = past_deadlines(campaign, now)
    if past and not confirm_past_deadline:
        raise PastDeadline(past)
    campaign.state = CampaignState.published
    campaign.published_at = now
    ensure_submissions(campaign)
    record("campaign_published", user=user, campaign_id=campaign.id, recipients=len(campaign.recipients),
           past_deadlines=[d.key for d in past])
    db.session.flush()
    return campaign


def close(campaign: Campaign, *, user: User, now: datetime | None = None) -> Campaign:
    """Stop accepting submissions for every deliverable of the campaign."""
    check("close", campaign)
    campaign.state = CampaignState.closed
    campaign.closed_at = now or utcnow()
    record("campaign_closed", user=user, campaign_id=campaign.id)
    db.session.flush()
    return campaign
