"""Audit log: every state change, login, export and reminder, with who, when, from where and the result.

The application only ever appends to it. Each entry is chained as it is written: it gets the next number of
the chain (`seq`) and stores an HMAC, keyed by a server secret, over its fields and the previous entry's HMAC.
An entry changed, removed or slipped in through the database afterwards no longer matches, and without the
key nobody can make it match again (`services/audit.py` verifies, `flask audit verify`).

Writers take turns at the chain's tail (`audit_chain`, one row): the tail is locked by an UPDATE before it is
read, so two transactions never chain onto the same entry (a row lock on PostgreSQL, the write lock on SQLite)
and each write costs two statements on one row, never a scan. The lock is held from the flush that adds an
entry until the commit, so entries are best recorded late in a transaction (most `record` calls come just before
the commit).
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

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
    # The entry's place in the chain and its HMAC (see the module's docstring); empty only on entries written
    # before the chain existed, until `seal` chains them.
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    prev_mac: Mapped[str | None] = mapped_column(sa.String(64))
    mac: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User | None] = relationship()

    @property
    def is_security(self) -> bool:
        return self.action in SECURITY_ACTIONS


class AuditChain(db.Model):
    """The chain's tail, one row: the last number given and its HMAC. Locked by whoever chains an entry.
    `legacy_upto`: entries up to this id were written before the chain existed and are chained by `seal`."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    mac: Mapped[str] = mapped_column(sa.String(64))
    legacy_upto: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


GENESIS = "0" * 64  # what the first entry of the chain follows
TAIL_ID = 1


def chain_key() -> bytes:
    """AUDIT_HMAC_KEY, or a key derived from SECRET_KEY when none is set (then the secret key must not change)."""
    configured = current_app.config.get("AUDIT_HMAC_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else configured
    secret = current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode() if isinstance(secret, str) else secret, b"campaign.audit-chain",
                    hashlib.sha256).digest()


def _instant(at: datetime) -> str:
    """The time as stored (UTC, microseconds), whatever form it was given in."""
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def entry_mac(key: bytes, prev_mac: str, entry: "AuditEntry") -> str:
    """The HMAC over every field of the entry (its place in the chain included) and the previous HMAC."""
    fields = [entry.seq, _instant(entry.at), entry.action, entry.user_id, entry.campaign_id, entry.unit_id,
              entry.detail or {}, entry.address, entry.result]
    text = prev_mac + json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def lock_tail(connection) -> tuple[int, str]:
    """Lock the chain's tail for this transaction (created on first use) and return its number and HMAC."""
    tail = AuditChain.__table__
    # The write lock and the read in one statement: the tail is read only once it is locked.
    touch = (sa.update(tail).where(tail.c.id == TAIL_ID).values(seq=tail.c.seq)
             .returning(tail.c.seq, tail.c.mac))
    row = connection.execute(touch).first()
    if row is None:
        try:
            with connection.begin_nested():
                connection.execute(sa.insert(tail).values(id=TAIL_ID, seq=0, mac=GENESIS, legacy_upto=0))
        except sa.exc.IntegrityError:  # another writer created it first: wait for its lock
            pass
        row = connection.execute(touch).one()
    return row.seq, row.mac


def chain(connection, entries: list["AuditEntry"]) -> None:
    """Give the entries the next numbers of the chain and their HMACs, and move the tail past them."""
    seq, mac = lock_tail(connection)
    key = chain_key()
    for entry in entries:
        entry.at = entry.at or datetime.now(timezone.utc)
        # As the database gives it back (string keys, lists), so the HMAC is computed over what is read later.
        entry.detail = json.loads(json.dumps(entry.detail or {}, ensure_ascii=False, default=str))
        entry.result = entry.result or "success"
        seq += 1
        entry.seq, entry.prev_mac = seq, mac
        mac = entry.mac = entry_mac(key, mac, entry)
    tail = AuditChain.__table__
    connection.execute(sa.update(tail).where(tail.c.id == TAIL_ID).values(seq=seq, mac=mac))


_made = itertools.count(1)


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session, flush_context, instances) -> None:
    """Entries are chained in the flush that writes them, in the order they were recorded."""
    new = [obj for obj in session.new if isinstance(obj, AuditEntry) and obj.mac is None]
    if new:
        new.sort(key=lambda e: getattr(e, "_made", 0))
        chain(session.connection(), new)


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
    entry._made = next(_made)
    db.session.add(entry)
    return entry
