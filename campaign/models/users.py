"""Accounts: administrators, coordinators and reporters bound to one unit."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .types import UTCDateTime, utcnow
from .units import Unit


class Role(enum.Enum):
    admin = "admin"
    coordinator = "coordinator"
    reporter = "reporter"

    @property
    def label(self) -> str:
        return {"admin": "管理员", "coordinator": "联络员", "reporter": "填报人"}[self.value]


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'reporter' AND unit_id IS NOT NULL) OR (role <> 'reporter')", name="reporter_has_unit"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(100), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=20))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Changed whenever a set-password link is issued or used, which voids every earlier link.
    password_nonce: Mapped[str | None] = mapped_column(sa.String(32))
    # Bumped on logout and on every password change: every session of the user ends (sessions carry it).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The set-password link's delivery, done by a worker: queued → sending → sent, or failed (with why).
    link_status: Mapped[str | None] = mapped_column(sa.String(20))
    link_error: Mapped[str | None] = mapped_column(sa.String(500))
    link_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship()

    def set_password(self, password: str) -> None:
        """A new password ends every session of the user."""
        self.password_hash = generate_password_hash(password)
        self.password_changed_at = utcnow()
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    @property
    def is_reporter(self) -> bool:
        return self.role is Role.reporter


class LoginAttempt(db.Model):
    """One try to log in, kept while it counts towards throttling: per account and address, and per address.
    Rows are numbered by the database, so concurrent tries are ordered and only the first few get through."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
