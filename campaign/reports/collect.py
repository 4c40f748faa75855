"""The only database access of the rollups: a deliverable's submissions as a Rollup.

Units are streamed in unit order in batches, so a national rollup never holds every unit's
text at once.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Campaign, Contact, Deliverable, Photo, Submission, Unit, utcnow
from ..models.campaigns import campaign_recipients
from ..services.photos import photo_path
from ..services.standing import campaign_standing
from .data import Rollup, UnitEntry

BATCH = 200


def photo_files(deliverable: Deliverable) -> dict[str, str]:
    """Photo id (as stored in the submissions' data) → its stored file, for the whole deliverable
    in one query. This is the one place rollups reach photo files."""
    photos = db.session.scalars(
        sa.select(Photo).join(Submission, Photo.submission_id == Submission.id)
        .where(Submission.deliverable_id == deliverable.id))
    return {str(photo.id): photo_path(photo) for photo in photos}


def _existing(files: dict[str, str]):
    def find(photo_id) -> str | None:
        path = files.get(str(photo_id or ""))
        return path if path and os.path.isfile(path) else None
    return find


def compiler_name(campaign: Campaign) -> str:
    """汇总单位: the issuer and the department, without repeating their common part
    (新乡市水利局 + 市水利局水利工程建设与监督科 → 新乡市水利局水利工程建设与监督科)."""
    issuer, department = campaign.issuer or "", campaign.contact_department or ""
    for k in range(min(len(issuer), len(department)), 0, -1):
        if issuer.endswith(department[:k]):
            return issuer + department[k:]
    return issuer + department


def _recipients(campaign_id: int):
    return sa.and_(campaign_recipients.c.campaign_id == campaign_id, campaign_recipients.c.unit_id == Unit.id)


def _contacts(campaign_id: int) -> dict[int, tuple[str, str]]:
    """Each recipient's registered contacts as ("name phone；…", "email；…")."""
    rows = db.session.execute(
        sa.select(Contact.unit_id, Contact.name, Contact.phone, Contact.email)
        .join(campaign_recipients, sa.and_(campaign_recipients.c.unit_id == Contact.unit_id,
                                           campaign_recipients.c.campaign_id == campaign_id))
        .order_by(Contact.unit_id, Contact.id)
    )
    found: dict[int, tuple[list, list]] = {}
    for unit_id, name, phone, email in rows:
        people, mails = found.setdefault(unit_id, ([], []))
        people.append(" ".join(p for p in (name, phone) if p))
        if email:
            mails.append(email)
    return {k: ("；".join(p), "；".join(m)) for k, (p, m) in found.items()}


def collect(campaign: Campaign, deliverable: Deliverable, *, now: datetime | None = None,
            unit_id: int | None = None) -> Rollup:
    """The deliverable's rollup as of `now`: counts, missing units and each unit's standing from the standing
    model; `unit_id` limits the entries to that unit (its own files)."""
    now = now or utcnow()
    board = campaign_standing(campaign, now, deliverable_ids=[deliverable.id],
                              unit_ids=[unit_id] if unit_id is not None else None)
    cells = {unit_id: board.cell(unit_id, deliverable.id) for unit_id in (u.id for u in board.units)}
    missing = [unit.name for unit, _ in board.owing(deliverable.id)]
    contacts: dict[int, tuple[str, str]] = {}
    joined = sa.and_(Submission.unit_id == Unit.id, Submission.deliverable_id == deliverable.id)

    def entries() -> Iterator[UnitEntry]:
        if not contacts:
            contacts.update(_contacts(campaign.id))
        query = (
            sa.select(Unit.id, Unit.name, Submission.data, Submission.receipt_no)
            .select_from(Unit).join(campaign_recipients, _recipients(campaign.id)).outerjoin(Submission, joined)
            .order_by(Unit.sort_order, Unit.id)
            .execution_options(yield_per=BATCH)
        )
        if unit_id is not None:
            query = query.where(Unit.id == unit_id)
        for row in db.session.execute(query):
            contact, email = contacts.get(row.id, ("", ""))
            yield UnitEntry(unit_name=row.name, standing=cells[row.id], data=row.data or {},
                            receipt_no=row.receipt_no, contact=contact, email=email)

    return Rollup(
        campaign_title=campaign.title, doc_number=campaign.doc_number or "", compiler=compiler_name(campaign),
        zone=campaign.timezone, generated_at=now, deliverable_key=deliverable.key,
        deliverable_title=deliverable.title, short_title=deliverable.short_title or "", form=deliverable.form,
        counts=board.tallies[deliverable.id], missing=missing, entries=entries,
        photo_file=_existing(photo_files(deliverable)),
    )


def unit_entry(campaign: Campaign, deliverable: Deliverable, unit_id: int) -> tuple[Rollup, UnitEntry]:
    """One unit's own rollup and entry, whatever its state (a draft prints as it stands)."""
    rollup = collect(campaign, deliverable, unit_id=unit_id)
    entry = next(iter(rollup.entries()))
    return rollup, entry
