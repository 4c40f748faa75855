"""The only database access of the rollups: a deliverable's submissions as a Rollup.

Units are streamed in unit order in batches, so a national rollup never holds every unit's
text at once.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Campaign, Contact, Deliverable, Extension, Photo, Submission, SubmissionState, Unit, utcnow
from ..models.campaigns import campaign_recipients
from ..services.photos import photo_path
from .data import Counts, Rollup, UnitEntry

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


def _state(value) -> str:
    return value.value if isinstance(value, SubmissionState) else (value or SubmissionState.not_started.value)


def collect(campaign: Campaign, deliverable: Deliverable, *, now: datetime | None = None,
            reminder_counts: Mapping[int, int] | None = None, unit_id: int | None = None) -> Rollup:
    """The deliverable's rollup as of `now`; `reminder_counts` maps unit id → reminders sent;
    `unit_id` limits the entries to that unit (its own files)."""
    now = now or utcnow()
    reminder_counts = reminder_counts or {}
    extensions = dict(db.session.execute(
        sa.select(Extension.unit_id, Extension.deadline).where(Extension.deliverable_id == deliverable.id)).all())
    joined = sa.and_(Submission.unit_id == Unit.id, Submission.deliverable_id == deliverable.id)
    states = db.session.execute(
        sa.select(Unit.name, Submission.state, Submission.is_late).select_from(Unit)
        .join(campaign_recipients, _recipients(campaign.id)).outerjoin(Submission, joined)
        .order_by(Unit.sort_order, Unit.id)
    ).all()
    reported = [s for s in states if _state(s.state) in ("submitted", "accepted")]
    counts = Counts(due=len(states), reported=len(reported), late=sum(1 for s in reported if s.is_late),
                    missing=len(states) - len(reported))
    missing = [s.name for s in states if _state(s.state) not in ("submitted", "accepted")]
    contacts: dict[int, tuple[str, str]] = {}

    def entries() -> Iterator[UnitEntry]:
        if not contacts:
            contacts.update(_contacts(campaign.id))
        query = (
            sa.select(Unit.id, Unit.name, Submission.state, Submission.data, Submission.submitted_at,
                      Submission.is_late, Submission.receipt_no)
            .select_from(Unit).join(campaign_recipients, _recipients(campaign.id)).outerjoin(Submission, joined)
            .order_by(Unit.sort_order, Unit.id)
            .execution_options(yield_per=BATCH)
        )
        if unit_id is not None:
            query = query.where(Unit.id == unit_id)
        for row in db.session.execute(query):
            extended = extensions.get(row.id)
            contact, email = contacts.get(row.id, ("", ""))
            yield UnitEntry(
                unit_id=row.id, unit_name=row.name, state=_state(row.state), data=row.data or {},
                submitted_at=row.submitted_at, is_late=bool(row.is_late),
                deadline=max(extended, deliverable.deadline) if extended else deliverable.deadline,
                receipt_no=row.receipt_no, contact=contact, email=email, reminders=reminder_counts.get(row.id, 0),
            )

    return Rollup(
        campaign_title=campaign.title, doc_number=campaign.doc_number or "", compiler=compiler_name(campaign),
        zone=campaign.timezone, generated_at=now, deliverable_key=deliverable.key,
        deliverable_title=deliverable.title, short_title=deliverable.short_title or "", form=deliverable.form,
        counts=counts, missing=missing, entries=entries, photo_file=_existing(photo_files(deliverable)),
    )


def unit_entry(campaign: Campaign, deliverable: Deliverable, unit_id: int) -> tuple[Rollup, UnitEntry]:
    """One unit's own rollup and entry, whatever its state (a draft prints as it stands)."""
    rollup = collect(campaign, deliverable, unit_id=unit_id)
    entry = next(iter(rollup.entries()))
    return rollup, entry
