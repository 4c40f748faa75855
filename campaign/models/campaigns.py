"""Campaigns (通知), their recipients, deliverables (报送事项) and per-unit extensions (延期)."""
from __future__ import annotations

import enum
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timefmt import DEFAULT_ZONE
from .types import UTCDateTime, utcnow
from .units import Unit
from .users import User


class CampaignState(enum.Enum):
    draft = "draft"
    published = "published"
    closed = "closed"

    @property
    def label(self) -> str:
        return {"draft": "草稿", "published": "已发布", "closed": "已结束"}[self.value]

    @property
    def is_draft(self) -> bool:
        return self is CampaignState.draft

    @property
    def is_published(self) -> bool:
        return self is CampaignState.published


class LatePolicy(enum.Enum):
    flag = "flag"  # accept and mark as late
    cutoff = "cutoff"  # accept until a second cut-off (补报截止), then close
    close = "close"  # close at the deadline

    @property
    def label(self) -> str:
        return {
            "flag": "逾期仍可报送，标记为逾期",
            "cutoff": "逾期可在补报截止前报送",
            "close": "截止后不再接收",
        }[self.value]


campaign_coordinators = sa.Table(
    "campaign_coordinators",
    db.metadata,
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

campaign_recipients = sa.Table(
    "campaign_recipients",
    db.metadata,
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True),
)


class Campaign(db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        sa.CheckConstraint("state = 'draft' OR published_at IS NOT NULL", name="published_has_time"),
        sa.CheckConstraint("state <> 'closed' OR closed_at IS NOT NULL", name="closed_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    doc_number: Mapped[str] = mapped_column(sa.String(100), default="")
    issuer: Mapped[str] = mapped_column(sa.String(200), default="")
    issued_on: Mapped[date | None] = mapped_column(sa.Date)
    contact_department: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(100), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(100), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default=DEFAULT_ZONE)
    office_hours_end: Mapped[time] = mapped_column(sa.Time, default=time(18, 0))
    preset: Mapped[str | None] = mapped_column(sa.String(64))
    state: Mapped[CampaignState] = mapped_column(
        sa.Enum(CampaignState, native_enum=False, length=20), default=CampaignState.draft
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A relay (转发): the campaign it passes down and the recipient unit that runs it for its own subtree.
    relays_campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="RESTRICT"), index=True)
    relaying_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"))

    deliverables: Mapped[list[Deliverable]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Deliverable.sort_order"
    )
    coordinators: Mapped[list[User]] = relationship(secondary=campaign_coordinators)
    recipients: Mapped[list[Unit]] = relationship(secondary=campaign_recipients, order_by=Unit.sort_order)
    relays: Mapped[Campaign | None] = relationship(remote_side=[id], foreign_keys=[relays_campaign_id])
    relaying_unit: Mapped[Unit | None] = relationship(foreign_keys=[relaying_unit_id])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_relay(self) -> bool:
        return self.relays_campaign_id is not None

    @property
    def contact_line(self) -> str:
        parts = [self.contact_department, self.contact_name, self.contact_phone]
        return " ".join(p for p in parts if p)

    @property
    def year(self) -> int:
        """The year of the notice: issued, else published, else created."""
        when = self.issued_on or self.published_at or self.created_at or utcnow()
        return when.year

    @property
    def tag(self) -> str:
        """What tells this notice from another of the same title: issuer, 文号 and year."""
        return " · ".join(p for p in (self.issuer, self.doc_number, f"{self.year}年") if p)


class Deliverable(db.Model):
    __tablename__ = "deliverables"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "key", name="uq_deliverables_campaign_key"),
        sa.CheckConstraint("late_policy <> 'cutoff' OR cutoff IS NOT NULL", name="cutoff_policy_has_cutoff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(50))
    short_title: Mapped[str] = mapped_column(sa.String(100), default="")
    title: Mapped[str] = mapped_column(sa.String(300))
    sort_order: Mapped[int] = mapped_column(default=0)
    # The validated form definition (see campaign.definitions.schema).
    form: Mapped[dict] = mapped_column(sa.JSON)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    late_policy: Mapped[LatePolicy] = mapped_column(
        sa.Enum(LatePolicy, native_enum=False, length=20), default=LatePolicy.flag
    )
    cutoff: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Reminder schedule (days before / overdue interval); see campaign.services.reminders.
    reminder_schedule: Mapped[dict | None] = mapped_column(sa.JSON)
    # In a relay: the upper campaign's deliverable this one passes down (None: the relaying unit's own).
    relays_deliverable_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("deliverables.id", ondelete="RESTRICT"), index=True)

    campaign: Mapped[Campaign] = relationship(back_populates="deliverables")
    relays: Mapped[Deliverable | None] = relationship(remote_side=[id], foreign_keys=[relays_deliverable_id])
    extensions: Mapped[list[Extension]] = relationship(back_populates="deliverable", cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return f"{self.short_title}　{self.title}" if self.short_title else self.title


class Extension(db.Model):
    """A later deadline granted to one unit for one deliverable."""

    __tablename__ = "extensions"
    __table_args__ = (sa.UniqueConstraint("deliverable_id", "unit_id", name="uq_extensions_deliverable_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(sa.ForeignKey("deliverables.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.Text)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliverable: Mapped[Deliverable] = relationship(back_populates="extensions")
    unit: Mapped[Unit] = relationship()
    granted_by: Mapped[User | None] = relationship()
