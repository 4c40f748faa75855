"""Submissions (填报): one per deliverable and unit, with an immutable revision per submit."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .campaigns import Deliverable, Extension
from .types import UTCDateTime, utcnow
from .units import Unit
from .users import User


class SubmissionState(enum.Enum):
    not_started = "not_started"
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    accepted = "accepted"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def owes(self) -> bool:
        """True while the unit still owes this deliverable (未填报, 草稿, 已退回): the states counted as 未报."""
        return self in OWING

    @property
    def reported(self) -> bool:
        """True once the unit has reported (已报送, 已采用): the states counted as 已报."""
        return self not in OWING

    @property
    def is_draft(self) -> bool:
        return self is SubmissionState.draft

    @property
    def is_returned(self) -> bool:
        return self is SubmissionState.returned

    def allows(self, action: str) -> bool:
        """Whether `action` (save, submit, withdraw, return, accept) may start from this state."""
        return self in TRANSITIONS[action]


S = SubmissionState
OWING = frozenset({S.not_started, S.draft, S.returned})

# Which states each action may start from; everything else is refused (services/submissions.py says why).
TRANSITIONS: dict[str, frozenset[SubmissionState]] = {
    "save": frozenset({S.not_started, S.draft, S.returned}),
    "submit": frozenset({S.not_started, S.draft, S.returned}),
    "withdraw": frozenset({S.submitted}),
    "return": frozenset({S.submitted}),
    "accept": frozenset({S.submitted}),
}

STATE_LABELS = {
    SubmissionState.not_started: "未填报",
    SubmissionState.draft: "草稿",
    SubmissionState.submitted: "已报送",
    SubmissionState.returned: "已退回",
    SubmissionState.accepted: "已采用",
}


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (
        sa.UniqueConstraint("deliverable_id", "unit_id", name="uq_submissions_deliverable_unit"),
        sa.CheckConstraint(
            "state NOT IN ('submitted', 'accepted') OR submitted_at IS NOT NULL", name="submitted_has_time"
        ),
        sa.CheckConstraint("state <> 'returned' OR return_reason IS NOT NULL", name="returned_has_reason"),
        sa.CheckConstraint("state <> 'accepted' OR accepted_at IS NOT NULL", name="accepted_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(sa.ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    state: Mapped[SubmissionState] = mapped_column(
        sa.Enum(SubmissionState, native_enum=False, length=20), default=SubmissionState.not_started
    )
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Bumped on every change; a save based on an older version is a conflicting edit.
    version: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    is_late: Mapped[bool] = mapped_column(default=False)
    receipt_no: Mapped[str | None] = mapped_column(sa.String(64))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    # Optimistic locking: an UPDATE matches only the version that was loaded.
    __mapper_args__ = {"version_id_col": version}

    deliverable: Mapped[Deliverable] = relationship()
    unit: Mapped[Unit] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="submission", order_by="Revision.number", cascade="all, delete-orphan"
    )
    # The unit's later deadline for the deliverable, if one was granted; read here, granted as an Extension.
    extension: Mapped[Extension | None] = relationship(
        primaryjoin="and_(Extension.deliverable_id == foreign(Submission.deliverable_id), "
                    "Extension.unit_id == foreign(Submission.unit_id))",
        viewonly=True, uselist=False)


class Revision(db.Model):
    """What a unit submitted at one submit; never changed afterwards."""

    __tablename__ = "revisions"
    __table_args__ = (sa.UniqueConstraint("submission_id", "number", name="uq_revisions_submission_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    data: Mapped[dict] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    is_late: Mapped[bool] = mapped_column(default=False)
    receipt_no: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # 代报: filed by the coordinator from a file the unit sent (submitted_by is the coordinator).
    on_behalf: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    submission: Mapped[Submission] = relationship(back_populates="revisions")
    submitted_by: Mapped[User | None] = relationship()


@event.listens_for(Revision, "before_update")
def _revisions_are_immutable(mapper, connection, target):
    raise ValueError("a revision cannot be changed once submitted")
