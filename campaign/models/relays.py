"""Compiling up (汇总上报): what a relaying unit gathered from its subordinates into its own submission."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow
from .users import User


class Gathering(db.Model):
    """One gathering into a submission: from which relayed deliverable, by whom, when, and each source as it
    stood then ({"unit_id", "submission_id", "submitted_at"}), so a later change below can be detected."""

    __tablename__ = "gatherings"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    relayed_deliverable_id: Mapped[int] = mapped_column(sa.ForeignKey("deliverables.id", ondelete="CASCADE"))
    gathered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    gathered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    sources: Mapped[list] = mapped_column(sa.JSON, default=list)

    gathered_by: Mapped[User | None] = relationship()
