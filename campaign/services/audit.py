"""The security audit: sealing the log into a hash chain, verifying it, reading it for the admin, and
keeping it as long as required (at least 180 days, GB/T 22239 level 2 and the Cybersecurity Law)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import SECURITY_ACTIONS, AuditEntry, AuditSeal, User, record, utcnow
from ..timefmt import DEFAULT_ZONE

GENESIS = "0" * 64
MIN_RETENTION_DAYS = 180
PAGE_SIZE = 100


def content(entry: AuditEntry) -> str:
    """What a seal covers: every field of the entry, in a fixed form."""
    return json.dumps([entry.id, entry.at.isoformat(), entry.action, entry.user_id, entry.campaign_id, entry.unit_id,
                       entry.detail, entry.address, entry.result], ensure_ascii=False, sort_keys=True, default=str)


def link(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + content(entry)).encode()).hexdigest()


def seal(limit: int = 10_000) -> int:
    """Chain the entries not sealed yet, in id order, onto the last seal; returns how many. Two sealers at once:
    the second finds the links taken and leaves them (commits its own work)."""
    last = db.session.scalar(sa.select(AuditSeal).order_by(AuditSeal.entry_id.desc()).limit(1))
    prev = last.hash if last else GENESIS
    after = last.entry_id if last else 0
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > after)
                                 .order_by(AuditEntry.id).limit(limit)).all()
    for entry in entries:
        digest = link(prev, entry)
        db.session.add(AuditSeal(entry_id=entry.id, prev_hash=prev, hash=digest))
        prev = digest
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return 0
    return len(entries)


@dataclass(frozen=True)
class Verdict:
    checked: int
    unsealed: int
    broken_at: int | None  # the first entry whose seal does not match, or that is missing
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify() -> Verdict:
    """Walk the chain from its anchor: each sealed entry must still hash to its seal, and no sealed entry may
    be missing."""
    seals = db.session.execute(sa.select(AuditSeal.entry_id, AuditSeal.prev_hash, AuditSeal.hash)
                               .order_by(AuditSeal.entry_id)).all()
    entries = {e.id: e for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.id <= (seals[-1].entry_id if seals else 0)))}
    prev = seals[0].prev_hash if seals else GENESIS
    for entry_id, prev_hash, digest in seals:
        entry = entries.get(entry_id)
        if entry is None:
            return Verdict(len(seals), 0, entry_id, "记录已被删除")
        if prev_hash != prev or link(prev, entry) != digest:
            return Verdict(len(seals), 0, entry_id, "记录内容与封存时不一致")
        prev = digest
    sealed_ids = {s.entry_id for s in seals}
    missing = [i for i in entries if i not in sealed_ids]
    if missing:
        return Verdict(len(seals), 0, min(missing), "出现了未按顺序封存的记录")
    unsealed = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.id > (seals[-1].entry_id if seals else 0)))
    return Verdict(len(seals), unsealed, None)


def retention_days() -> int:
    return max(MIN_RETENTION_DAYS, int(current_app.config.get("AUDIT_RETENTION_DAYS") or MIN_RETENTION_DAYS))


def purge(now: datetime | None = None) -> int:
    """Remove sealed entries older than the retention period (never fewer than 180 days), with their seals; the
    first remaining seal keeps the chain's anchor. Recorded in the log itself."""
    now = now or utcnow()
    seal()
    cutoff = now - timedelta(days=retention_days())
    old = db.session.scalars(sa.select(AuditEntry.id).join(AuditSeal, AuditSeal.entry_id == AuditEntry.id)
                             .where(AuditEntry.at < cutoff)).all()
    if old:
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id.in_(old)))
        db.session.execute(sa.delete(AuditSeal).where(AuditSeal.entry_id.in_(old)))
    record("audit_purged", count=len(old), before=cutoff.isoformat())
    db.session.commit()
    return len(old)


@dataclass(frozen=True)
class AuditQuery:
    kind: str = "security"  # security | workflow | all
    username: str = ""
    start: date | None = None
    end: date | None = None
    page: int = 1


def entries(query: AuditQuery, *, limit: int | None = PAGE_SIZE) -> tuple[list[AuditEntry], int]:
    """The entries matching the admin's filters, newest first, and how many there are in all."""
    statement = sa.select(AuditEntry)
    if query.kind == "security":
        statement = statement.where(AuditEntry.action.in_(SECURITY_ACTIONS))
    elif query.kind == "workflow":
        statement = statement.where(AuditEntry.action.not_in(SECURITY_ACTIONS))
    if query.username:
        user_ids = sa.select(User.id).where(User.username == query.username).scalar_subquery()
        statement = statement.where(AuditEntry.user_id == user_ids)
    from_zone = ZoneInfo(DEFAULT_ZONE)
    if query.start:
        statement = statement.where(AuditEntry.at >= datetime.combine(query.start, time(0), from_zone))
    if query.end:
        statement = statement.where(AuditEntry.at < datetime.combine(query.end + timedelta(days=1), time(0), from_zone))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    statement = statement.options(selectinload(AuditEntry.user)).order_by(AuditEntry.id.desc())
    if limit is not None:
        statement = statement.offset((max(query.page, 1) - 1) * limit).limit(limit)
    return list(db.session.scalars(statement)), total
