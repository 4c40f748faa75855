"""What the coordinator's 催报 page shows: who owes what (their standing), each message previewed, the ledger."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Campaign, Deliverable, Reminder, ReminderStatus, Unit
from ..relays import relay_progress
from ..standing import Standing, campaign_standing
from .messages import Composed
from .runner import Recipient, message_for, owing_recipients, reporters_by_unit, unit_recipients
from .schedule import Schedule

# A row still `sending` this long after its claim belongs to a run that died mid-send.
STUCK_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class OwingRow:
    """A unit that still owes a deliverable: its standing (with what it was last told) and its addresses."""

    deliverable_id: int
    unit: Unit
    standing: Standing
    recipients: list[Recipient]

    @property
    def value(self) -> str:
        """The checkbox value."""
        return f"{self.deliverable_id}:{self.unit.id}"


@dataclass(frozen=True)
class DeliverableOverview:
    deliverable: Deliverable
    schedule: Schedule
    owing: list[OwingRow]


@dataclass(frozen=True)
class Preview:
    unit: Unit
    deliverable: Deliverable
    recipient: Recipient
    message: Composed


def overview(campaign: Campaign, now: datetime) -> list[DeliverableOverview]:
    """Per deliverable: its schedule and the units that still owe it, with addresses and last reminder."""
    board = campaign_standing(campaign, now, contacts=True)
    owing = {d.id: board.owing(d.id) for d in board.deliverables}
    reporters = reporters_by_unit(sorted({unit.id for rows in owing.values() for unit, _ in rows}))
    return [DeliverableOverview(
        deliverable, Schedule.from_json(deliverable.reminder_schedule),
        [OwingRow(deliverable.id, unit, standing, unit_recipients(unit, reporters.get(unit.id, ())))
         for unit, standing in owing[deliverable.id]],
    ) for deliverable in board.deliverables]


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


def previews(campaign: Campaign, pairs: list[tuple[Deliverable, Unit]], now: datetime, kind: str) -> list[Preview]:
    """Every message a manual 催报 of these units would send, exactly as it would be sent now."""
    below = relay_progress(campaign, now)
    return [Preview(unit, deliverable, recipient,
                    message_for(deliverable, unit, standing, kind=kind, recipient=recipient, now=now,
                                below=below[(unit.id, deliverable.id)][1] if (unit.id, deliverable.id) in below
                                else None))
            for deliverable, unit, standing, recipients in owing_recipients(campaign, pairs, now)
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


def owing_values(campaign: Campaign, now: datetime) -> set[str]:
    """Checkbox values of every (deliverable, unit) that still owes, for validating a posted selection."""
    board = campaign_standing(campaign, now, reminders=False)
    return {f"{deliverable.id}:{unit.id}" for deliverable in board.deliverables
            for unit, _ in board.owing(deliverable.id)}


def problem_count(campaign: Campaign, now: datetime) -> int:
    """How many of the campaign's reminders failed or are stuck (for a warning on other pages)."""
    return db.session.scalar(
        sa.select(sa.func.count(Reminder.id)).join(Deliverable).where(
            Deliverable.campaign_id == campaign.id,
            sa.or_(Reminder.status.in_([ReminderStatus.failed, ReminderStatus.abandoned]),
                   sa.and_(Reminder.status == ReminderStatus.sending, Reminder.claimed_at < now - STUCK_AFTER))))
