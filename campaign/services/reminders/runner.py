"""Reminders (催报): find what is due, claim it in the ledger, send it, record the outcome.

`run_pass` is the one entry point for cron (`flask reminders run`) and the workers' periodic pass
(`run_leased_pass`). Each message is claimed and committed immediately before it is sent, so
overlapping passes (two cron jobs, workers on several machines) never send the same message twice.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...mail import MailError, app_settings, build_message, deliver
from ...models import Campaign, CampaignState, Deliverable, Reminder, ReminderStatus, Role, Unit, User, record, utcnow
from ..relays import below_tally
from ..standing import Board, Standing, Tally, campaign_standing, unit_standing
from . import ledger
from .messages import Composed, compose, content_for
from .schedule import MANUAL_PREFIX, Schedule, in_quiet_hours, latest_due, out_of_quiet_hours, slots
# Consecutive mail-server failures after which a pass stops and leaves the rest for the next run.
BREAKER = 3
MANUAL_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Recipient:
    name: str
    address: str  # lower-cased


@dataclass(frozen=True)
class Due:
    """One message a pass would send (plain values: they outlive the commits of the claims)."""

    deliverable_id: int
    deliverable_label: str
    unit_id: int
    unit_name: str
    kind: str
    recipient: Recipient
    due_at: datetime


@dataclass(frozen=True)
class Outcome:
    status: str  # sent, failed, abandoned, skipped, would-send, would-retry, queued
    kind: str
    unit: str
    deliverable: str
    recipient: str
    detail: str = ""


@dataclass
class PassReport:
    now: datetime
    dry_run: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: bool = False  # the mail server kept failing; the rest waits for the next run

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def unit_recipients(unit: Unit, reporters: Iterable[User] = ()) -> list[Recipient]:
    """The unit's contacts and reporter accounts with an e-mail address, each address once."""
    found: dict[str, Recipient] = {}
    people = [(c.name, c.email) for c in unit.contacts] + [(u.name, u.email) for u in reporters if u.active]
    for name, address in people:
        address = (address or "").strip()
        if address and address.lower() not in found:
            found[address.lower()] = Recipient(name=name or "", address=address.lower())
    return list(found.values())


def reporters_by_unit(unit_ids: list[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = {}
    if unit_ids:
        for user in db.session.scalars(sa.select(User).where(User.unit_id.in_(unit_ids), User.role == Role.reporter,
                                                             User.email != "").order_by(User.id)):
            found.setdefault(user.unit_id, []).append(user)
    return found


def owing_recipients(campaign: Campaign, pairs: list[tuple[Deliverable, Unit]], now: datetime
                     ) -> list[tuple[Deliverable, Unit, Standing, list[Recipient]]]:
    """Of the chosen (deliverable, unit) pairs, those that still owe, with their standing and recipients, in
    the pairs' order; a few queries however many units were chosen."""
    if not pairs:
        return []
    board = campaign_standing(campaign, now, deliverable_ids=sorted({d.id for d, _ in pairs}),
                              unit_ids=sorted({u.id for _, u in pairs}), reminders=False, contacts=True)
    units = {unit.id: unit for unit in board.units}
    owing = [(deliverable, units[unit.id], standing) for deliverable, unit in pairs
             if (standing := board.cells.get((unit.id, deliverable.id))) is not None and standing.owing]
    reporters = reporters_by_unit(sorted({unit.id for _, unit, _ in owing}))
    return [(deliverable, unit, standing, unit_recipients(unit, reporters.get(unit.id, ())))
            for deliverable, unit, standing in owing]


def plan(now: datetime, *, campaign_id: int | None = None) -> list[Due]:
    """Scheduled messages due at `now` and not yet in the ledger (none for a campaign in its quiet hours).

    A deliverable whose plan cannot be made is logged and left out; the others go on.
    """
    query = sa.select(Campaign).where(Campaign.state == CampaignState.published).order_by(Campaign.id)
    if campaign_id is not None:
        query = query.where(Campaign.id == campaign_id)
    due: list[Due] = []
    for campaign in db.session.scalars(query):
        if in_quiet_hours(now, campaign.timezone):
            continue
        board = campaign_standing(campaign, now, reminders=False, contacts=True)
        for deliverable in board.deliverables:
            try:
                due.extend(_plan_deliverable(board, deliverable, now))
            except (OverflowError, ValueError):  # one deliverable's bad dates must not stop everyone's reminders
                current_app.logger.exception("reminders: cannot plan deliverable %s", deliverable.id)
    return due


def _plan_deliverable(board: Board, deliverable: Deliverable, now: datetime) -> list[Due]:
    owing = board.owing(deliverable.id)
    if not owing:
        return []
    campaign = board.campaign
    schedule = Schedule.from_json(deliverable.reminder_schedule)
    taken = set(tuple(row) for row in db.session.execute(
        sa.select(Reminder.unit_id, Reminder.kind, Reminder.recipient).where(Reminder.deliverable_id == deliverable.id)
    ).all())
    reporters = reporters_by_unit([unit.id for unit, _ in owing])
    due = []
    for unit, standing in owing:
        slot = latest_due(slots(schedule, published_at=campaign.published_at, deadline=standing.deadline,
                                closes_at=standing.closes_at, zone=campaign.timezone), now)
        if slot is None:
            continue
        for recipient in unit_recipients(unit, reporters.get(unit.id, ())):
            if (unit.id, slot.kind, recipient.address) not in taken:
                due.append(Due(deliverable.id, deliverable.label, unit.id, unit.name, slot.kind, recipient, slot.at))
    return due


def message_for(deliverable: Deliverable, unit: Unit, standing: Standing, *, kind: str, recipient: Recipient,
                now: datetime, below: Tally | None = None) -> Composed:
    """The message as it would be sent now (also the coordinator's preview); `below` is how the unit's own
    units stand if it relayed the deliverable."""
    return compose(content_for(deliverable, unit, standing, kind=kind, recipient_name=recipient.name, now=now,
                               below=below))


def _outcome(status: str, item: Reminder | Due, detail: str = "") -> Outcome:
    if isinstance(item, Due):
        return Outcome(status, item.kind, item.unit_name, item.deliverable_label, item.recipient.address, detail)
    return Outcome(status, item.kind, item.unit.name, item.deliverable.label, item.recipient, detail)


def _send_row(row: Reminder, now: datetime, settings: Mapping[str, Any]) -> Outcome:
    """Send a row this run has claimed (status `sending`) and record the result."""
    max_attempts = int(current_app.config.get("REMINDER_MAX_ATTEMPTS") or 5)
    standing = unit_standing(row.deliverable, row.unit_id, now)
    if not standing.owing:
        ledger.mark_skipped(row, f"发送时该单位已{standing.state.label}，无需催报。")
        return _outcome("skipped", row, row.last_error or "")
    recipient = Recipient(row.recipient_name, row.recipient)
    composed = message_for(row.deliverable, row.unit, standing, kind=row.kind, recipient=recipient, now=now,
                           below=below_tally(row.deliverable, row.unit_id, now))
    try:
        username, _, domain = recipient.address.rpartition("@")
        to = str(Address(display_name=recipient.name, username=username, domain=domain))
        message = build_message(
            sender=settings.get("MAIL_DEFAULT_SENDER") or current_app.config["MAIL_DEFAULT_SENDER"], to=to, subject=composed.subject, text=composed.text,
            html=composed.html, reply_to=row.deliverable.campaign.contact_email or None,
            headers={"Auto-Submitted": "auto-generated", "X-Campaign-Reminder": f"{row.id}-{row.kind}"},
        )
        message_id = deliver(message, settings)
    except MailError as exc:
        permanent = exc.smtp_code is not None and 500 <= exc.smtp_code < 600
        ledger.mark_failed(row, error=str(exc), now=now, max_attempts=max_attempts, permanent=permanent)
        return _outcome(row.status.value, row, str(exc))
    except (ValueError, HeaderParseError) as exc:  # an address the message cannot carry: retrying cannot help
        ledger.mark_failed(row, error=f"收件地址或内容无效：{exc}", now=now, max_attempts=max_attempts, permanent=True)
        return _outcome(row.status.value, row, row.last_error or "")
    ledger.mark_sent(row, message_id=message_id, subject=composed.subject, now=now)
    return _outcome("sent", row, composed.subject)


def _waiting_rows(now: datetime, ids: list[int] | None = None) -> list[Reminder]:
    """Queued rows whose time has come and failed rows whose retry is due, oldest first."""
    query = sa.select(Reminder).where(sa.or_(
        sa.and_(Reminder.status == ReminderStatus.queued, Reminder.due_at <= now),
        sa.and_(Reminder.status == ReminderStatus.failed, Reminder.next_attempt_at <= now),
    )).order_by(Reminder.id)
    if ids is not None:
        query = query.where(Reminder.id.in_(ids))
    rows = db.session.scalars(query).all()
    return [r for r in rows if r.deliverable.campaign.state is CampaignState.published
            and not in_quiet_hours(now, r.deliverable.campaign.timezone)]


def _superseded(row: Reminder) -> bool:
    """A failed scheduled reminder is pointless once a later one to the same address has been claimed."""
    if row.kind.startswith(MANUAL_PREFIX):
        return False
    return bool(db.session.scalar(sa.select(sa.func.count(Reminder.id)).where(
        Reminder.deliverable_id == row.deliverable_id, Reminder.unit_id == row.unit_id,
        Reminder.recipient == row.recipient, Reminder.id > row.id, ~Reminder.kind.startswith(MANUAL_PREFIX))))


class _Pass:
    """One pass's sending state: the report, and a breaker for a mail server that keeps failing."""

    def __init__(self, now: datetime, dry_run: bool, settings: Mapping[str, Any] | None) -> None:
        self.now = now
        self.settings = settings if settings is not None else app_settings()
        self.report = PassReport(now=now, dry_run=dry_run)
        self.failures_in_a_row = 0

    def attempt(self, row: Reminder) -> None:
        outcome = _send_row(row, self.now, self.settings)
        self.report.outcomes.append(outcome)
        self.failures_in_a_row = self.failures_in_a_row + 1 if outcome.status in {"failed", "abandoned"} else 0
        self.report.stopped = self.failures_in_a_row >= BREAKER

    def send_waiting(self, rows: list[Reminder]) -> None:
        """Queued rows whose time has come and failed rows due for a retry, each claimed by UPDATE first."""
        # What each row looked like when it was chosen: every commit below expires the loaded rows, and a
        # reloaded row may already be another run's (`sending`), which must never be claimed again.
        seen = [(row, row.id, row.status, row.attempts) for row in rows]
        for row, row_id, status, attempts in seen:
            if self.report.dry_run:
                self.report.outcomes.append(_outcome("would-retry" if attempts else "would-send", row))
                continue
            if self.report.stopped:
                return
            if status is ReminderStatus.failed and _superseded(row):
                if ledger.skip(row_id, from_status=status, attempts=attempts,
                               reason="已有更新的提醒发给该地址，不再重试。"):
                    continue
            if ledger.claim(row_id, from_status=status, attempts=attempts, now=self.now):
                db.session.refresh(row)
                self.attempt(row)

    def send_due(self, items: list[Due]) -> None:
        """Newly due messages, each claimed by insert-or-skip on the ledger's unique key first."""
        for item in items:
            if self.report.dry_run:
                self.report.outcomes.append(_outcome("would-send", item))
                continue
            if self.report.stopped:
                return
            row_id = ledger.insert_or_skip(
                deliverable_id=item.deliverable_id, unit_id=item.unit_id, kind=item.kind,
                recipient=item.recipient.address, recipient_name=item.recipient.name[:100],
                status=ReminderStatus.sending, due_at=item.due_at, claimed_at=self.now, attempts=1, subject="",
            )
            if row_id is not None:  # None: another run claimed it first
                self.attempt(db.session.get(Reminder, row_id))


def run_pass(now: datetime | None = None, *, dry_run: bool = False, settings: Mapping[str, Any] | None = None,
             campaign_id: int | None = None) -> PassReport:
    """Send every reminder due at `now`: newly due ones, then held and retried rows.

    New ones go first so that a failed reminder superseded by a newer one is dropped, not sent too.
    With `dry_run`, nothing is claimed or sent; the report lists what would be.
    """
    one = _Pass(now or utcnow(), dry_run, settings)
    one.send_due(plan(one.now, campaign_id=campaign_id))
    rows = [r for r in _waiting_rows(one.now) if campaign_id is None or r.deliverable.campaign_id == campaign_id]
    one.send_waiting(rows)
    return one.report


LEASE_NAME = "reminders"
LEASE_TTL = timedelta(minutes=15)


def run_leased_pass(holder: str, now: datetime | None = None) -> PassReport | None:
    """A pass if `holder` gets the database lease; None while another process runs one.

    Every worker machine may start the periodic pass; the lease keeps two from doing the same work
    at once, and the ledger makes an overlap harmless should a pass outlive its lease.
    """
    now = now or utcnow()
    if not ledger.acquire_lease(LEASE_NAME, holder, now=now, ttl=LEASE_TTL):
        return None
    try:
        return run_pass(now)
    finally:
        ledger.release_lease(LEASE_NAME, holder)


def send_planned(items: list[Due], now: datetime, *, settings: Mapping[str, Any] | None = None) -> PassReport:
    """Claim and send messages planned earlier (by this process or not); already-claimed ones are skipped."""
    one = _Pass(now, False, settings)
    one.send_due(items)
    return one.report


def send_queued(ids: list[int], now: datetime, *, settings: Mapping[str, Any] | None = None) -> PassReport:
    """Send the given queued ledger rows if their time has come (the coordinator's manual 催报)."""
    one = _Pass(now, False, settings)
    one.send_waiting(_waiting_rows(now, ids) if ids else [])
    return one.report


def manual_kind(key: str) -> str:
    """The ledger kind of one manual 催报 form; the key comes from the form, so a resubmit reuses it."""
    if not MANUAL_KEY.match(key or ""):
        raise ValueError("invalid idempotency key")
    return MANUAL_PREFIX + key


def queue_manual(campaign: Campaign, selected: list[tuple[Deliverable, Unit]], *, key: str, user: User,
                 now: datetime) -> tuple[list[int], int]:
    """Claim one ledger row per recipient of each selected unit that still owes; (new row ids, already claimed)."""
    kind = manual_kind(key)
    due_at = out_of_quiet_hours(now, campaign.timezone)
    rows = [dict(deliverable_id=deliverable.id, unit_id=unit.id, kind=kind, recipient=recipient.address,
                 recipient_name=recipient.name[:100], status=ReminderStatus.queued, due_at=due_at, claimed_at=now,
                 attempts=0, subject="", requested_by_id=user.id)
            for deliverable, unit, _standing, recipients in owing_recipients(campaign, selected, now)
            for recipient in recipients]
    new_ids = ledger.insert_many_or_skip(rows)
    return new_ids, len(rows) - len(new_ids)


def change_schedule(deliverable: Deliverable, schedule: Schedule, *, user: User) -> None:
    """Set one deliverable's reminder schedule (recorded in the audit log)."""
    deliverable.reminder_schedule = schedule.to_json()
    record("reminder_schedule_changed", user=user, campaign_id=deliverable.campaign_id,
           deliverable_id=deliverable.id, schedule=schedule.to_json())
    db.session.flush()
