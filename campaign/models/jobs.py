"""Long work done by a worker (campaign/jobs): what it is, how far it got, how it ended."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow
from .users import User


class JobState(enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"

    @property
    def label(self) -> str:
        return {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "未完成"}[self.value]

    @property
    def finished(self) -> bool:
        return self in (JobState.done, JobState.failed)

    @property
    def is_failed(self) -> bool:
        """Finished with some work not done (the page shows it as an error)."""
        return self is JobState.failed


class Job(db.Model):
    """One piece of long work and its progress, polled by the page that started it."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    state: Mapped[JobState] = mapped_column(sa.Enum(JobState, native_enum=False, length=20), default=JobState.queued)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    back_url: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 and self.state.finished else int(100 * (self.done + self.failed) / max(self.total, 1))
