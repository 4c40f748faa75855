"""Campaigns: create from a preset or a definition, edit, choose recipients, publish, close.

A campaign goes draft → published → closed. What each action may start from is in TRANSITIONS;
the checks that depend on what units have already filed are in the functions themselves.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..forms.deliverables import DeliverableDefinition
from ..forms.presets import Preset
from ..models import (Campaign, CampaignState, Deliverable, LatePolicy, Submission, SubmissionState, Unit, User,
                      record, utcnow)
from . import WorkflowError
from .unit_tree import unit_parents

C = CampaignState

# Which campaign states each action may start from; everything else is refused.
TRANSITIONS: dict[str, set[CampaignState]] = {
    "edit": {C.draft, C.published},
    "recipients": {C.draft, C.published},
    "remove_deliverable": {C.draft, C.published},
    "publish": {C.draft},
    "close": {C.published},
}

REFUSALS = {
    "edit": "通知已结束，不能再修改。",
    "recipients": "通知已结束，不能再调整报送单位。",
    "remove_deliverable": "通知已结束，不能再删除报送事项。",
    "publish": "只有草稿状态的通知可以发布。",
    "close": "只有已发布的通知可以结束。",
}


def allowed(action: str, campaign: Campaign) -> bool:
    """True if the campaign's state lets the action start (other checks may still refuse it)."""
    return campaign.state in TRANSITIONS[action]


def _check(action: str, campaign: Campaign) -> None:
    if not allowed(action, campaign):
        raise WorkflowError(REFUSALS[action])


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
    record("campaign_created", user=user, campaign_id=campaign.id, preset=preset.key, shifted_years=years)
    return campaign


def create_from_definition(definitions: list[DeliverableDefinition], *, user: User, title: str,
                           default_deadline: datetime | None, doc_number: str = "", issuer: str = "",
                           timezone: str = "Asia/Shanghai") -> Campaign:
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
                    deliverables: dict[int, DeliverableSettings]) -> list[str]:
    """Change the campaign's details and its deliverables' deadlines and late policies.

    Returns the names of what changed (for the audit log and the confirmation message).
    """
    _check("edit", campaign)
    if "title" in details and not (details["title"] or "").strip():
        raise WorkflowError("请填写通知标题。")
    changed = []
    for name in CAMPAIGN_DETAILS:
        if name in details and details[name] != getattr(campaign, name):
            setattr(campaign, name, details[name])
            changed.append(name)
    zone = campaign.zone
    by_id = {d.id: d for d in campaign.deliverables}
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
    _check("remove_deliverable", campaign)
    if len(campaign.deliverables) <= 1:
        raise WorkflowError("通知至少需要一个报送事项，不能删除最后一个。")
    started = db.session.scalar(sa.select(sa.func.count()).where(
        Submission.deliverable_id == deliverable.id, Submission.state != SubmissionState.not_started))
    if started:
        raise WorkflowError(f"已有 {started} 个单位填写或报送了“{deliverable.label}”，不能删除。")
    campaign.deliverables.remove(deliverable)
    record("deliverable_removed", user=user, campaign_id=campaign.id, key=deliverable.key, title=deliverable.title)
    db.session.flush()


def expand_subtrees(parents: Iterable[tuple[int, int | None]], roots: Iterable[int]) -> set[int]:
    """Every unit below the given roots (not the roots themselves), from (id, parent_id) pairs."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in parents:
        children.setdefault(parent_id, []).append(unit_id)
    found: set[int] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def selected_units(unit_ids: Iterable[int], subtree_ids: Iterable[int]) -> list[Unit]:
    """The units chosen one by one plus every unit below the chosen subtree roots."""
    pairs = unit_parents()
    known = {unit_id for unit_id, _ in pairs}
    wanted = set(unit_ids) | set(subtree_ids)
    if wanted - known:
        raise WorkflowError("所选单位中有已不存在的单位，请刷新页面后重新选择。")
    ids = set(unit_ids) | expand_subtrees(pairs, subtree_ids)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)).order_by(Unit.sort_order, Unit.id)))


def started_units(campaign: Campaign) -> set[int]:
    """Units that have saved or filed anything for the campaign (they can no longer be removed)."""
    return set(db.session.scalars(
        sa.select(Submission.unit_id).join(Deliverable).where(
            Deliverable.campaign_id == campaign.id, Submission.state != SubmissionState.not_started)
    ))


@dataclass(frozen=True)
class RecipientChange:
    added: list[Unit]
    removed: list[Unit]


def choose_recipients(campaign: Campaign, *, user: User, unit_ids: Iterable[int] = (),
                      subtree_ids: Iterable[int] = ()) -> RecipientChange:
    """Set the recipients to the chosen units and whole subtrees (see `set_recipients`)."""
    change = set_recipients(campaign, selected_units(unit_ids, subtree_ids))
    if change.added or change.removed:
        record("recipients_changed", user=user, campaign_id=campaign.id,
               added=[u.id for u in change.added], removed=[u.id for u in change.removed])
    return change


def set_recipients(campaign: Campaign, units: list[Unit]) -> RecipientChange:
    """Replace the campaign's recipients (in unit order).

    After publishing, new recipients get their submissions at once, and a unit can be removed
    only while it has not saved or filed anything.
    """
    _check("recipients", campaign)
    before = {u.id: u for u in campaign.recipients}
    after = {u.id: u for u in units}
    removed = [u for i, u in before.items() if i not in after]
    added = [u for i, u in after.items() if i not in before]
    if campaign.state is CampaignState.published:
        if removed and not after:
            raise WorkflowError("已发布的通知至少需要一个报送单位。")
        blocked = [u for u in removed if u.id in started_units(campaign)]
        if blocked:
            names = "、".join(u.name for u in blocked[:10]) + (" 等" if len(blocked) > 10 else "")
            raise WorkflowError(f"{names}已填写或报送材料，不能从报送单位中移除。")
        if removed:
            db.session.execute(sa.delete(Submission).where(
                Submission.unit_id.in_([u.id for u in removed]),
                Submission.deliverable_id.in_([d.id for d in campaign.deliverables]),
                Submission.state == SubmissionState.not_started,
            ).execution_options(synchronize_session=False))
    campaign.recipients = sorted(after.values(), key=lambda u: (u.sort_order, u.id))
    db.session.flush()
    if campaign.state is CampaignState.published and added:
        ensure_submissions(campaign)
    return RecipientChange(added=sorted(added, key=lambda u: (u.sort_order, u.id)),
                           removed=sorted(removed, key=lambda u: (u.sort_order, u.id)))


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


class PastDeadline(WorkflowError):
    """Publishing would open deliverables whose deadline has already passed; needs confirmation."""

    def __init__(self, deliverables: list[Deliverable]):
        self.deliverables = deliverables
        names = "、".join(f"“{d.label}”" for d in deliverables)
        super().__init__(f"{names}的填报截止时间已过。仍要发布，请勾选确认；或先修改截止时间。")


def past_deadlines(campaign: Campaign, now: datetime | None = None) -> list[Deliverable]:
    """The campaign's deliverables whose deadline is already past."""
    now = now or utcnow()
    return [d for d in campaign.deliverables if d.deadline <= now]


def publish(campaign: Campaign, *, user: User, now: datetime | None = None,
            confirm_past_deadline: bool = False) -> Campaign:
    """Open the campaign to its recipients: every recipient gets a 未填报 submission per deliverable.

    A deadline already past is refused (PastDeadline) unless the coordinator confirmed it.
    """
    now = now or utcnow()
    _check("publish", campaign)
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
    _check("close", campaign)
    campaign.state = CampaignState.closed
    campaign.closed_at = now or utcnow()
    record("campaign_closed", user=user, campaign_id=campaign.id)
    db.session.flush()
    return campaign
