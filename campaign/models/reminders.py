"""The reminder ledger (催报记录): one row per message, claimed in the database before it is sent."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .campaigns import Deliverable
from .types import UTCDateTime, utcnow
from .units import Unit
from .users import User


class ReminderStatus(enum.Enum):
    queued = "queued"  # claimed, waiting for its time (quiet hours)
    sending = "sending"  # claimed by a run that is handing it to the mail server
    sent = "sent"
    failed = "failed"  # the last attempt failed; a later run retries it
    abandoned = "abandoned"  # every attempt failed; no more retries
    skipped = "skipped"  # the unit no longer owed anything when its turn came

    @property
    def label(self) -> str:
        return {
            "queued": "等待发送", "sending": "正在发送", "sent": "已发送", "failed": "发送失败，将自动重试",
            "abandoned": "发送失败，已停止重试", "skipped": "无需发送（已报送）",
        }[self.value]

    @property
    def is_sending(self) -> bool:
        return self is ReminderStatus.sending


class Reminder(db.Model):
    """One message to one address about one unit's deliverable; the unique key makes a second send impossible."""

    __tablename__ = "reminders"
    __table_args__ = (
        sa.UniqueConstraint("deliverable_id", "unit_id", "kind", "recipient", name="uq_reminders_key"),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        sa.Index("ix_reminders_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(sa.ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True)
    # notice, before-7, due-day, overdue-2 …, or manual-<idempotency key>
    kind: Mapped[str] = mapped_column(sa.String(48))
    recipient: Mapped[str] = mapped_column(sa.String(254))  # lower-cased address
    recipient_name: Mapped[str] = mapped_column(sa.String(100), default="")
    status: Mapped[ReminderStatus] = mapped_column(sa.Enum(ReminderStatus, native_enum=False, length=20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(sa.String(250))
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    deliverable: Mapped[Deliverable] = relationship()
    unit: Mapped[Unit] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def manual(self) -> bool:
        return self.kind.startswith("manual-")


class Lease(db.Model):
    """A named, expiring lock row so that only one process runs a reminder pass at a time."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
