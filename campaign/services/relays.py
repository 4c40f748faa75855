"""Relays (转发) and compiling up (汇总上报).

A recipient unit with units below it relays a notice it received to its own subtree: a campaign of its own
(`relays_campaign_id`, `relaying_unit_id`) whose deliverables pass down the upper ones
(`relays_deliverable_id`), with earlier deadlines and its own contacts, run by the user who relayed it.
When its units have filed, the unit starts its own upward submission from their material (`gather`), edits
it and submits it as usual. Every count here comes from the standing model.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (Campaign, CampaignState, Deliverable, Gathering, LatePolicy, Submission, Unit, User, record,
                      utcnow)
from ..timefmt import format_instant, local
from . import WorkflowError
from .standing import Standing, Tally, campaign_tallies, unit_standing
from .submissions import check_transition, save_draft

GATHERED_TYPES = ("textarea", "section")  # one-line fields (title, contact) stay the relaying unit's own


class LateRelay(WorkflowError):
    """A relayed deadline on or after the relaying unit's own (its extension applied); allowed only when the
    user ticks that it is intended. The message names the unit's own deadline each was compared with."""

    def __init__(self, late: list[tuple[str, str]]):
        self.labels = [label for label, _ in late]
        super().__init__("；".join(f"“{label}”的截止时间不早于本单位向上级报送的截止时间（{own}）" for label, own in late)
                         + "，本单位将来不及汇总上报。"
                           "如确需如此，请勾选“截止时间晚于上级，仍然使用”；否则请提前截止时间。")


def own_deadline_text(standing: Standing, deliverable: Deliverable) -> str:
    """The relaying unit's effective deadline for an upper deliverable, in words, saying when it was extended."""
    text = format_instant(standing.deadline, deliverable.campaign.timezone)
    if standing.extension is not None and standing.deadline != deliverable.deadline:
        text += "，上级已为本单位延期，通知规定为 " + format_instant(deliverable.deadline, deliverable.campaign.timezone)
    return text


def own_deadlines(upper: Campaign, unit_id: int, now: datetime) -> dict[int, str]:
    """Upper deliverable id → the unit's own deadline for it in words (its extension applied)."""
    return {d.id: own_deadline_text(unit_standing(d, unit_id, now), d) for d in upper.deliverables}


def relayed_own_deadlines(relay: Campaign, now: datetime) -> dict[int, str]:
    """A relay's deliverable id → the relaying unit's own deadline for the upper one it passes down, in words."""
    if relay.relaying_unit_id is None or relay.relays is None:
        return {}
    upper = own_deadlines(relay.relays, relay.relaying_unit_id, now)
    return {d.id: upper[d.relays_deliverable_id] for d in relay.deliverables if d.relays_deliverable_id in upper}


def _late(pairs: list[tuple[Deliverable, datetime]], unit_id: int, now: datetime) -> list[tuple[str, str]]:
    """(label, the unit's own deadline in words) of each relayed deadline on or after the unit's own."""
    late = []
    for upper, deadline in pairs:
        standing = unit_standing(upper, unit_id, now)
        if deadline >= standing.deadline:
            late.append((upper.label, own_deadline_text(standing, upper)))
    return late


@dataclass(frozen=True)
class RelayDeliverable:
    """One upper deliverable to pass down, with the deadline the relaying unit sets for its units."""

    upper: Deliverable
    deadline: datetime


def has_subtree(unit: Unit) -> bool:
    return db.session.scalar(sa.select(sa.func.count(Unit.id)).where(Unit.parent_id == unit.id)) > 0


def can_relay(campaign: Campaign, unit: Unit) -> bool:
    """Whether the unit may pass the campaign down: it received it, the campaign is live, it has units below it."""
    return (campaign.state is CampaignState.published and any(u.id == unit.id for u in campaign.recipients)
            and has_subtree(unit))


def relay_of(campaign: Campaign, unit_id: int) -> Campaign | None:
    """The unit's relay of the campaign, if it made one."""
    return db.session.scalar(sa.select(Campaign).where(Campaign.relays_campaign_id == campaign.id,
                                                       Campaign.relaying_unit_id == unit_id))


def relayed_deliverable(upper: Deliverable, unit_id: int) -> Deliverable | None:
    """The deliverable of the unit's relay that passes `upper` down, if any."""
    return db.session.scalar(
        sa.select(Deliverable).join(Campaign).where(Deliverable.relays_deliverable_id == upper.id,
                                                     Campaign.relaying_unit_id == unit_id))


def create_relay(upper: Campaign, unit: Unit, *, user: User, chosen: list[RelayDeliverable], title: str,
                 doc_number: str = "", contact_department: str = "", contact_name: str = "",
                 contact_phone: str = "", contact_email: str = "", confirm_late: bool = False,
                 now: datetime | None = None) -> Campaign:
    """A draft relay of `upper` by `unit`, run by `user`; its deadlines must come before the unit's own."""
    now = now or utcnow()
    if not can_relay(upper, unit):
        raise WorkflowError("只有收到该通知且有下级单位的单位，才能在通知发布期间转发。")
    if relay_of(upper, unit.id) is not None:
        raise WorkflowError("本单位已转发过该通知，请在“我转发的通知”中继续。")
    if not chosen:
        raise WorkflowError("请至少选择一个需要下级报送的事项。")
    late = _late([(c.upper, c.deadline) for c in chosen], unit.id, now)
    if late and not confirm_late:
        raise LateRelay(late)
    relay = Campaign(
        title=title.strip() or f"关于转发《{upper.title}》的通知", doc_number=doc_number, issuer=unit.name,
        contact_department=contact_department, contact_name=contact_name, contact_phone=contact_phone,
        contact_email=contact_email, timezone=upper.timezone, office_hours_end=upper.office_hours_end,
        relays_campaign_id=upper.id, relaying_unit_id=unit.id, coordinators=[user],
    )
    for order, item in enumerate(sorted(chosen, key=lambda c: (c.upper.sort_order, c.upper.id))):
        relay.deliverables.append(Deliverable(
            key=item.upper.key, short_title=item.upper.short_title, title=item.upper.title, sort_order=order,
            form=item.upper.form, deadline=item.deadline, late_policy=LatePolicy.flag,
            reminder_schedule=item.upper.reminder_schedule, relays_deliverable_id=item.upper.id))
    db.session.add(relay)
    db.session.flush()
    record("relay_created", user=user, campaign_id=relay.id, unit_id=unit.id, relays_campaign_id=upper.id,
           deliverables=[c.upper.key for c in chosen], later_than_upper=[label for label, _ in late])
    return relay


def check_relay_deadlines(campaign: Campaign, deadlines: dict[int, datetime], *, confirm_late: bool,
                          now: datetime | None = None) -> None:
    """Refuse (LateRelay) relayed deadlines on or after the relaying unit's own, unless confirmed."""
    if campaign.relaying_unit_id is None or confirm_late:
        return
    now = now or utcnow()
    late = _late([(d.relays, deadlines[d.id]) for d in campaign.deliverables
                  if d.relays is not None and d.id in deadlines], campaign.relaying_unit_id, now)
    if late:
        raise LateRelay(late)


def relay_progress(campaign: Campaign, now: datetime) -> dict[tuple[int, int], tuple[Campaign, Tally]]:
    """(relaying unit id, upper deliverable id) → the unit's relay and the tally of the deliverable passing it
    down, for every relay of the campaign (a fixed number of queries whatever the number of units)."""
    relays = list(db.session.scalars(sa.select(Campaign).where(Campaign.relays_campaign_id == campaign.id)
                                      .options(selectinload(Campaign.deliverables))))
    tallies = campaign_tallies(relays, now)
    found = {}
    for relay in relays:
        for deliverable in relay.deliverables:
            if deliverable.relays_deliverable_id is not None:
                found[(relay.relaying_unit_id, deliverable.relays_deliverable_id)] = (
                    relay, tallies[relay.id][deliverable.id])
    return found


def chain(campaign: Campaign) -> list[Campaign]:
    """The campaign and every campaign it relays, upwards."""
    found, seen = [], set()
    while campaign is not None and campaign.id not in seen:
        found.append(campaign)
        seen.add(campaign.id)
        campaign = campaign.relays
    return found


# Compiling up ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    unit_id: int
    unit_name: str
    submission_id: int
    submitted_at: datetime


@dataclass(frozen=True)
class Gathered:
    """What the units below filed, put together as the relaying unit's draft for the upper deliverable."""

    data: dict
    sources: list[Source]
    due: int  # units that were to file the relayed deliverable
    skipped: list[str]  # fields that cannot be gathered (photos), by label

    @property
    def fingerprint(self) -> str:
        """Changes whenever a source is added, withdrawn or resubmitted."""
        raw = json.dumps([(s.submission_id, s.submitted_at.isoformat()) for s in self.sources])
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _sources(relayed: Deliverable) -> tuple[list[tuple[Source, dict]], int]:
    """The units below that have reported the relayed deliverable (已报送 or 已采用), in unit order, with data,
    and how many were to file it."""
    rows = db.session.execute(
        sa.select(Unit.id, Unit.name, Unit.short_name, Submission.id, Submission.submitted_at, Submission.data,
                  Submission.state)
        .join(Submission, Submission.unit_id == Unit.id)
        .where(Submission.deliverable_id == relayed.id)
        .order_by(Unit.sort_order, Unit.id))
    found = []
    for unit_id, name, short, submission_id, submitted_at, data, state in rows:
        if state.reported:
            found.append((Source(unit_id, short or name, submission_id, submitted_at), data or {}))
    return found, len(relayed.campaign.recipients)


def gather(upper: Deliverable, relayed: Deliverable) -> Gathered:
    """The upper deliverable's draft made from what the units below reported for `relayed`:
    table rows brought together (one row per 文件名称, the first unit's kept), each long text gathered under
    the unit's short name, one-line fields left to the relaying unit."""
    sources, due = _sources(relayed)
    data: dict = {}
    skipped = []
    for spec in upper.form["fields"]:
        key = spec["key"]
        if spec["type"] in GATHERED_TYPES:
            parts = [f"【{source.unit_name}】{str(values.get(key) or '').strip()}" for source, values in sources
                     if str(values.get(key) or "").strip()]
            data[key] = "\n\n".join(parts)
        elif spec["type"] == "rows":
            rows, seen = [], set()
            first = spec["columns"][0]["key"]
            for _source, values in sources:
                for row in values.get(key) or []:
                    if not isinstance(row, dict):
                        continue
                    name = str(row.get(first) or "").strip()
                    if name and name in seen:
                        continue
                    seen.add(name)
                    rows.append({c["key"]: str(row.get(c["key"]) or "") for c in spec["columns"]})
            if spec.get("max_rows"):
                rows = rows[: spec["max_rows"]]
            data[key] = rows
            if spec.get("none_label"):
                data[key + "_none"] = not rows and bool(sources) and all(v.get(key + "_none") for _, v in sources)
        elif spec["type"] == "photos":
            skipped.append(spec["label"])
    return Gathered(data=data, sources=[s for s, _ in sources], due=due, skipped=skipped)


def merged(current: dict, gathered: Gathered) -> dict:
    """The draft after gathering: the gathered fields replace the draft's, the rest stays as the unit typed it."""
    return {**(current or {}), **gathered.data}


def apply_gathering(submission: Submission, relayed: Deliverable, gathered: Gathered, *, user: User,
                    base_version: int | None, now: datetime | None = None) -> Gathering:
    """Save the gathered draft (never submitted) and record what was gathered from whom, and when."""
    now = now or utcnow()
    check_transition("save", submission)
    save_draft(submission, merged(submission.data, gathered), base_version=base_version, user=user, now=now)
    gathering = Gathering(submission_id=submission.id, relayed_deliverable_id=relayed.id, gathered_at=now,
                          gathered_by_id=user.id,
                          sources=[{"unit_id": s.unit_id, "submission_id": s.submission_id,
                                    "submitted_at": s.submitted_at.isoformat()} for s in gathered.sources])
    db.session.add(gathering)
    record("gathered", user=user, campaign_id=submission.deliverable.campaign_id, unit_id=submission.unit_id,
           submission_id=submission.id, relayed_deliverable_id=relayed.id,
           sources=[s.unit_id for s in gathered.sources])
    db.session.flush()
    return gathering


@dataclass(frozen=True)
class GatheringState:
    """Where the unit's gathered draft stands against what its units have reported since."""

    last: Gathering | None
    gathered: Gathered

    @property
    def outdated(self) -> list[str]:
        """Names of the units whose material was added, withdrawn or resubmitted since the last gathering."""
        if self.last is None:
            return []
        before = {(s["unit_id"], s["submitted_at"]) for s in self.last.sources}
        now = {(s.unit_id, s.submitted_at.isoformat()) for s in self.gathered.sources}
        changed = {unit_id for unit_id, _ in before ^ now}
        names = {s.unit_id: s.unit_name for s in self.gathered.sources}
        return [names.get(unit_id, "已撤回的单位") for unit_id in sorted(changed)]


def gathering_state(submission: Submission, relayed: Deliverable) -> GatheringState:
    last = db.session.scalar(sa.select(Gathering).where(Gathering.submission_id == submission.id)
                             .order_by(Gathering.id.desc()).limit(1))
    return GatheringState(last=last, gathered=gather(submission.deliverable, relayed))


def relay_defaults(upper: Campaign, unit: Unit, user: User, now: datetime | None = None) -> dict:
    """What the relay form starts with: a title, the unit's contact, and for each upper deliverable a local
    deadline five days before the unit's own (or a day before, or its own, when that is already past)."""
    now = now or utcnow()
    contact = unit.contacts[0] if unit.contacts else None
    deliverables = []
    for deliverable in upper.deliverables:
        own = unit_standing(deliverable, unit.id, now).deadline
        proposed = next((own - timedelta(days=days) for days in (5, 1) if own - timedelta(days=days) > now), own)
        deliverables.append({"id": str(deliverable.id), "chosen": True,
                             "deadline": local(proposed, upper.zone).replace(tzinfo=None, second=0, microsecond=0)})
    return {
        "title": f"关于转发《{upper.title}》的通知", "contact_department": "",
        "contact_name": user.name or (contact.name if contact else ""),
        "contact_phone": user.phone or (contact.phone if contact else ""),
        "contact_email": user.email or (contact.email if contact else ""),
        "deliverables": deliverables,
    }


def unit_relays(unit: Unit) -> dict[int, Campaign]:
    """Upper campaign id → the unit's relay of it (one query)."""
    return {relay.relays_campaign_id: relay for relay in db.session.scalars(
        sa.select(Campaign).where(Campaign.relaying_unit_id == unit.id))}


@dataclass(frozen=True)
class RelayPanel:
    """What the relaying unit's own form shows about its relay of the deliverable."""

    relayed: Deliverable
    state: GatheringState


def relay_panel(deliverable: Deliverable, unit_id: int) -> RelayPanel | None:
    """The compile-up panel for the unit's form of an upper deliverable it relayed (None if it did not)."""
    relayed = relayed_deliverable(deliverable, unit_id)
    if relayed is None:
        return None
    submission = db.session.scalar(sa.select(Submission).where(Submission.deliverable_id == deliverable.id,
                                                               Submission.unit_id == unit_id))
    if submission is None:
        return None
    return RelayPanel(relayed, gathering_state(submission, relayed))


def below_tally(deliverable: Deliverable, unit_id: int, now: datetime) -> Tally | None:
    """How the unit's own units stand on the deliverable it relayed (None when it did not relay it)."""
    relayed = relayed_deliverable(deliverable, unit_id)
    if relayed is None:
        return None
    return campaign_tallies([relayed.campaign], now)[relayed.campaign_id][relayed.id]
