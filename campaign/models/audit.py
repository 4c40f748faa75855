"""Audit log: every state change, login, export and reminder, with who, when, from where and the result.

The application only ever appends to it. Entries are sealed in order into a hash chain (`AuditSeal`), so an
entry changed or removed in the database afterwards is detected (`services/audit.py`, `flask audit verify`).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow
from .users import User

# Events of the security audit (GB/T 22239 level 2), shown apart from the workflow's.
SECURITY_ACTIONS = frozenset({
    "login", "login_failed", "login_throttled", "logout", "password_set", "password_changed", "password_link_sent",
    "access_refused", "account_disabled", "account_enabled", "account_created", "units_imported", "export",
    "audit_exported", "audit_purged",
})
FAILURES = frozenset({"login_failed", "login_throttled", "access_refused", "reminder_failed"})


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(50), index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    address: Mapped[str | None] = mapped_column(sa.String(64))  # the client's address, for requests
    result: Mapped[str] = mapped_column(sa.String(10), default="success", server_default="success")

    user: Mapped[User | None] = relationship()

    @property
    def is_security(self) -> bool:
        return self.action in SECURITY_ACTIONS


class AuditSeal(db.Model):
    """One link of the hash chain: the entry's content hashed together with the previous link."""

    __tablename__ = "audit_seals"

    entry_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def record(action: str, *, user=None, campaign_id=None, unit_id=None, **detail) -> AuditEntry:
    """Add an audit entry to the session (committed with the change it describes)."""
    entry = AuditEntry(
        action=action,
        user_id=getattr(user, "id", None),
        campaign_id=campaign_id,
        unit_id=unit_id,
        detail=detail,
        address=(detail.get("address") or (request.remote_addr if has_request_context() else None) or None),
        result="failure" if action in FAILURES else "success",
    )
    db.session.add(entry)
    return entry
