"""What the coordinator's 催报 page shows: who owes what, each message previewed, the ledger."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Campaign, Deliverable, Extension, Reminder, ReminderStatus, SubmissionState, Unit
from .deadlines import effective_deadline
from .reminder_messages import Composed
from .reminder_schedule import Schedule
from .reminders import Recipient, message_for, owing_recipients, owing_units, reporters_by_unit, unit_recipients

# A row still `sending` this long after its claim belongs to a run that died mid-send.
STUCK_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class OwingUnit:
    deliverable_id: int
    unit: Unit
    state: SubmissionState
    return_reason: str
    deadline: datetime
    recipients: list[Recipient]
    last_sent: Reminder | None

    @property
    def value(self) -> str:
        """The checkbox value."""
        return f"{self.deliverable_id}:{self.unit.id}"


@dataclass(frozen=True)
class DeliverableOverview:
    deliverable: Deliverable
    schedule: Schedule
    owing: list[OwingUnit]


@dataclass(frozen=True)
class Preview:
    unit: Unit
    deliverable: Deliverable
    recipient: Recipient
    message: Composed


def overview(campaign: Campaign) -> list[DeliverableOverview]:
    """Per deliverable: its schedule and the units that still owe it, with addresses and last reminder."""
    result = []
    for deliverable in campaign.deliverables:
        owing = owing_units(deliverable)
        extensions = {e.unit_id: e for e in db.session.scalars(
            sa.select(Extension).where(Extension.deliverable_id == deliverable.id))}
        reporters = reporters_by_unit([u.id for u, _ in owing])
        last = {}
        for row in db.session.scalars(
                sa.select(Reminder).where(Reminder.deliverable_id == deliverable.id,
                                          Reminder.status == ReminderStatus.sent).order_by(Reminder.sent_at)):
            last[row.unit_id] = row
        rows = [OwingUnit(
            deliverable_id=deliverable.id, unit=unit, state=submission.state if submission else SubmissionState.not_started,
            return_reason=(submission.return_reason or "") if submission else "",
            deadline=effective_deadline(deliverable, unit.id, extensions.get(unit.id)),
            recipients=unit_recipients(unit, reporters.get(unit.id, ())), last_sent=last.get(unit.id),
        ) for unit, submission in owing]
        result.append(DeliverableOverview(deliverable, Schedule.from_json(deliverable.reminder_schedule), rows))
    return result


def selected_pairs(campaign: Campaign, values: list[str]) -> list[tuple[Deliverable, Unit]]:
    """'deliverable_id:unit_id' values → (deliverable, unit) of this campaign, once each, in page order."""
    deliverables = {d.id: d for d in campaign.deliverables}
    recipients = {u.id: u for u in campaign.recipients}
    chosen = set()
    for value in values:
        deliverable_id, _, unit_id = value.partition(":")
        if deliverable_id.isdigit() and unit_id.isdigit():
            deliverable, unit = deliverables.get(int(deliverable_id)), recipients.get(int(unit_id))
            if deliverable and unit:
                chosen.add((deliverable, unit))
    return sorted(chosen, key=lambda pair: (pair[0].sort_order, pair[0].id, pair[1].sort_order, pair[1].id))


def previews(pairs: list[tuple[Deliverable, Unit]], now: datetime, kind: str) -> list[Preview]:
    """Every message a manual 催报 of these units would send, exactly as it would be sent now."""
    extensions = {(e.deliverable_id, e.unit_id): e for e in db.session.scalars(
        sa.select(Extension).where(Extension.deliverable_id.in_({d.id for d, _ in pairs})))}
    return [Preview(unit, deliverable, recipient,
                    message_for(deliverable, unit, submission, kind=kind, recipient=recipient, now=now,
                                extension=extensions.get((deliverable.id, unit.id))))
            for deliverable, unit, submission, recipients in owing_recipients(pairs)
            for recipient in recipients]


def ledger_rows(campaign: Campaign, limit: int = 300) -> list[Reminder]:
    """The campaign's most recent ledger rows, newest first."""
    return db.session.scalars(
        sa.select(Reminder).join(Deliverable).where(Deliverable.campaign_id == campaign.id)
        .options(selectinload(Reminder.unit), selectinload(Reminder.deliverable))
        .order_by(Reminder.claimed_at.desc(), Reminder.id.desc()).limit(limit)
    ).all()


def problem_rows(campaign: Campaign, now: datetime) -> list[Reminder]:
    """Rows the coordinator should act on: failed (retrying), abandoned, or stuck mid-send."""
    return db.session.scalars(
        sa.select(Reminder).join(Deliverable).where(
            Deliverable.campaign_id == campaign.id,
            sa.or_(Reminder.status.in_([ReminderStatus.failed, ReminderStatus.abandoned]),
                   sa.and_(Reminder.status == ReminderStatus.sending, Reminder.claimed_at < now - STUCK_AFTER)))
        .options(selectinload(Reminder.unit), selectinload(Reminder.deliverable))
        .order_by(Reminder.id)
    ).all()


def owing_values(campaign: Campaign) -> set[str]:
    """Checkbox values of every (deliverable, unit) that still owes, for validating a posted selection."""
    values = set()
    for deliverable in campaign.deliverables:
        values.update(f"{deliverable.id}:{unit.id}" for unit, _ in owing_units(deliverable))
    return values


def problem_count(campaign: Campaign, now: datetime) -> int:
    """How many of the campaign's reminders failed or are stuck (for a warning on other pages)."""
    return db.session.scalar(
        sa.select(sa.func.count(Reminder.id)).join(Deliverable).where(
            Deliverable.campaign_id == campaign.id,
            sa.or_(Reminder.status.in_([ReminderStatus.failed, ReminderStatus.abandoned]),
                   sa.and_(Reminder.status == ReminderStatus.sending, Reminder.claimed_at < now - STUCK_AFTER))))


def sent_counts(deliverable_id: int) -> dict[int, int]:
    """Unit id → how many reminders it was sent for the deliverable (one per reminder, whatever the addresses)."""
    rows = db.session.execute(
        sa.select(Reminder.unit_id, sa.func.count(sa.distinct(Reminder.kind)))
        .where(Reminder.deliverable_id == deliverable_id, Reminder.status == ReminderStatus.sent)
        .group_by(Reminder.unit_id))
    return {unit_id: count for unit_id, count in rows}
