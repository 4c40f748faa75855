"""The security audit: the HMAC chain verified, entries from before the chain chained, reading it for the
admin, and keeping it as long as required (at least 180 days, GB/T 22239 level 2 and the Cybersecurity Law).

Entries are chained as they are written (`models/audit.py`). What `verify` detects, with the key kept apart
from the database: a changed field (its HMAC no longer matches), a removed entry (a gap in the numbers, or a
tail that says more were written), an entry inserted through the database (no HMAC, or one that does not
match), and the oldest entries removed other than by `purge` (the first remaining entry must follow the anchor
a purge recorded). It cannot tell the newest entries removed together with a matching edit of the tail row;
keeping copies of the log (backups, export) covers that.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import SECURITY_ACTIONS, AuditChain, AuditEntry, User, record, utcnow
from ..models.audit import GENESIS, TAIL_ID, chain, chain_key, entry_mac
from ..timefmt import DEFAULT_ZONE

MIN_RETENTION_DAYS = 180
PAGE_SIZE = 100
VERIFY_BATCH = 1000
# Read as plain rows (not kept in the session), with the names entry_mac reads.
FIELDS = (AuditEntry.id, AuditEntry.seq, AuditEntry.at, AuditEntry.action, AuditEntry.user_id, AuditEntry.campaign_id,
          AuditEntry.unit_id, AuditEntry.detail, AuditEntry.address, AuditEntry.result, AuditEntry.prev_mac,
          AuditEntry.mac)


def seal() -> int:
    """Chain the entries written before the chain existed (up to the tail's `legacy_upto`), in id order;
    returns how many. Entries written since are chained as they are written."""
    tail = db.session.get(AuditChain, TAIL_ID)
    if tail is None or not tail.legacy_upto:
        return 0
    legacy = list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.mac.is_(None), AuditEntry.id <= tail.legacy_upto).order_by(AuditEntry.id)))
    if legacy:
        chain(db.session.connection(), legacy)
    db.session.commit()
    return len(legacy)


@dataclass(frozen=True)
class Verdict:
    checked: int
    unsealed: int  # kept for the page: entries from before the chain not chained yet
    broken_at: int | None  # the id of the first entry that does not match (or follows a gap); 0: the end
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    @property
    def where(self) -> str:
        """Which entry, and what is wrong with it, in words."""
        return f"第 {self.broken_at} 号记录{self.reason}" if self.broken_at else self.reason


def _anchors() -> dict[int, str]:
    """Where each purge left the chain: the number and HMAC of the last entry it removed."""
    found = {}
    for detail in db.session.scalars(sa.select(AuditEntry.detail).where(AuditEntry.action == "audit_purged")):
        if isinstance(detail, dict) and isinstance(detail.get("anchor_seq"), int):
            found[detail["anchor_seq"]] = str(detail.get("anchor"))
    return found


def verify() -> Verdict:
    """Walk the chain in order, a batch at a time: every HMAC recomputed with the key, every number present,
    the first entry following the start or a recorded purge, the last one matching the tail."""
    key = chain_key()
    tail = db.session.get(AuditChain, TAIL_ID)
    legacy_upto = tail.legacy_upto if tail else 0
    unchained = db.session.scalar(sa.select(AuditEntry.id).where(AuditEntry.mac.is_(None),
                                                                  AuditEntry.id > legacy_upto)
                                  .order_by(AuditEntry.id).limit(1))
    if unchained is not None:
        return Verdict(0, 0, unchained, "没有校验码（不是由本系统写入的）")
    unsealed = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.mac.is_(None))) or 0
    checked, prev_seq, prev_mac = 0, None, None
    after = 0
    while True:
        batch = db.session.execute(sa.select(*FIELDS).where(AuditEntry.seq > after)
                                   .order_by(AuditEntry.seq).limit(VERIFY_BATCH)).all()
        if not batch:
            break
        for entry in batch:
            if prev_seq is None:  # the first entry: the start of the chain, or where a purge left it
                expected = GENESIS if entry.seq == 1 else _anchors().get(entry.seq - 1)
                if expected is None:
                    return Verdict(checked, unsealed, entry.id, "之前的记录已被删除")
            elif entry.seq != prev_seq + 1:
                return Verdict(checked, unsealed, entry.id, "之前的记录已被删除")
            else:
                expected = prev_mac
            if entry.prev_mac != expected or entry.mac != entry_mac(key, expected, entry):
                return Verdict(checked, unsealed, entry.id, "的内容与写入时不一致")
            checked += 1
            prev_seq, prev_mac = entry.seq, entry.mac
        after = prev_seq
    if tail is None and prev_seq is not None:
        return Verdict(checked, unsealed, 0, "审计链尾已被删除")
    if tail is not None and (tail.seq != (prev_seq or 0) or (prev_seq and tail.mac != prev_mac)):
        if prev_seq is None or tail.seq > prev_seq:
            return Verdict(checked, unsealed, 0, f"最后的记录已被删除（应有 {tail.seq} 号，只找到 {prev_seq or 0} 号）")
        return Verdict(checked, unsealed, 0, "审计链尾与记录不一致")
    return Verdict(checked, unsealed, None)


def retention_days() -> int:
    return max(MIN_RETENTION_DAYS, int(current_app.config.get("AUDIT_RETENTION_DAYS") or MIN_RETENTION_DAYS))


def purge(now: datetime | None = None) -> int:
    """Remove the oldest entries past the retention period (never fewer than 180 days): the longest start of
    the chain older than the cutoff, so the rest stays one unbroken chain. The purge is recorded in the log
    itself, with the number and HMAC of the last entry removed, which the first remaining entry follows."""
    now = now or utcnow()
    seal()
    cutoff = now - timedelta(days=retention_days())
    first_recent = db.session.scalar(sa.select(sa.func.min(AuditEntry.seq)).where(AuditEntry.at >= cutoff))
    old = sa.select(AuditEntry).where(AuditEntry.seq.is_not(None), AuditEntry.at < cutoff)
    if first_recent is not None:
        old = old.where(AuditEntry.seq < first_recent)
    last = db.session.scalar(old.order_by(AuditEntry.seq.desc()).limit(1))
    count = 0
    anchor = {}
    if last is not None:
        anchor = {"anchor_seq": last.seq, "anchor": last.mac}
        count = db.session.execute(sa.delete(AuditEntry).where(AuditEntry.seq <= last.seq)).rowcount
    record("audit_purged", count=count, before=cutoff.isoformat(), **anchor)
    db.session.commit()
    return count


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
