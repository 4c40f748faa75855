"""The reminder ledger's claims: every write here is its own committed transaction.

A message is sent only by the run that claimed it: a new row inserted with insert-or-skip on the
unique key (deliverable, unit, kind, recipient), or an existing row moved from `failed`/`queued`
to `sending` by a conditional UPDATE. Both succeed for exactly one concurrent caller.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...models import Lease, Reminder, ReminderStatus, record

# Wait before retrying after the n-th failed attempt (the last value repeats).
RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3))


def _insert(table: sa.Table):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"no insert-or-skip for {dialect}")


def insert_or_skip(**values) -> int | None:
    """Insert a ledger row and commit; None when the key was already taken (by this or another run)."""
    statement = _insert(Reminder.__table__).values(**values).on_conflict_do_nothing().returning(Reminder.id)
    new_id = db.session.execute(statement).scalar()
    db.session.commit()
    return new_id


def insert_many_or_skip(rows: list[dict], batch: int = 500) -> list[int]:
    """Insert ledger rows in a few statements and commit once; the ids of those whose key was free."""
    new_ids: list[int] = []
    for start in range(0, len(rows), batch):
        statement = (_insert(Reminder.__table__).values(rows[start:start + batch]).on_conflict_do_nothing()
                     .returning(Reminder.id))
        new_ids.extend(db.session.execute(statement).scalars())
    db.session.commit()
    return sorted(new_ids)


CLAIMABLE = (ReminderStatus.queued, ReminderStatus.failed)


def claim(row_id: int, *, from_status: ReminderStatus, attempts: int, now: datetime) -> bool:
    """Move a row we saw queued or failed with `attempts` to `sending`; False if another run got there first."""
    if from_status not in CLAIMABLE:
        raise ValueError(f"a {from_status.value} reminder cannot be claimed")
    result = db.session.execute(
        sa.update(Reminder)
        .where(Reminder.id == row_id, Reminder.status == from_status, Reminder.attempts == attempts)
        .values(status=ReminderStatus.sending, attempts=attempts + 1, claimed_at=now, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def mark_sent(row: Reminder, *, message_id: str, subject: str, now: datetime) -> None:
    row.status = ReminderStatus.sent
    row.sent_at = now
    row.message_id = message_id
    row.subject = subject
    row.last_error = None
    record("reminder_sent", campaign_id=row.deliverable.campaign_id, unit_id=row.unit_id,
           deliverable_id=row.deliverable_id, kind=row.kind, recipient=row.recipient, message_id=message_id)
    db.session.commit()


def mark_failed(row: Reminder, *, error: str, now: datetime, max_attempts: int, permanent: bool = False) -> None:
    """Record a failed attempt: retried later, or abandoned when attempts are used up or retrying cannot help."""
    row.last_error = error[:2000]
    if permanent or row.attempts >= max_attempts:
        row.status = ReminderStatus.abandoned
        row.next_attempt_at = None
    else:
        row.status = ReminderStatus.failed
        row.next_attempt_at = now + RETRY_DELAYS[min(row.attempts, len(RETRY_DELAYS)) - 1]
    record("reminder_failed", campaign_id=row.deliverable.campaign_id, unit_id=row.unit_id,
           deliverable_id=row.deliverable_id, kind=row.kind, recipient=row.recipient, error=row.last_error,
           attempts=row.attempts, gave_up=row.status is ReminderStatus.abandoned)
    db.session.commit()


def skip(row_id: int, *, from_status: ReminderStatus, attempts: int, reason: str) -> bool:
    """Retire a row we saw failed or queued without sending it; False if another run claimed it meanwhile."""
    result = db.session.execute(
        sa.update(Reminder)
        .where(Reminder.id == row_id, Reminder.status == from_status, Reminder.attempts == attempts)
        .values(status=ReminderStatus.skipped, last_error=reason, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def mark_skipped(row: Reminder, reason: str) -> None:
    row.status = ReminderStatus.skipped
    row.last_error = reason
    row.next_attempt_at = None
    db.session.commit()


def acquire_lease(name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
    """Take the named lease if it is free or expired (or already ours); committed either way."""
    statement = _insert(Lease.__table__).values(name=name, holder=holder, expires_at=now + ttl)
    if db.session.execute(statement.on_conflict_do_nothing().returning(Lease.name)).scalar():
        db.session.commit()
        return True
    result = db.session.execute(
        sa.update(Lease).where(Lease.name == name, sa.or_(Lease.expires_at < now, Lease.holder == holder))
        .values(holder=holder, expires_at=now + ttl).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def release_lease(name: str, holder: str) -> None:
    db.session.execute(sa.delete(Lease).where(Lease.name == name, Lease.holder == holder)
                       .execution_options(synchronize_session=False))
    db.session.commit()
