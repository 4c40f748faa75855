"""Where a campaign stands: counts per deliverable, each unit's cell, and submits over time.

Read-only and shared by the coordinator's dashboard, the rollups' header counts and manual 催报.
`campaign_progress` runs the same handful of queries whatever the number of units.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Campaign, Deliverable, Extension, Revision, Submission, SubmissionState, Unit, campaigns
from .deadlines import effective_deadline

S = SubmissionState
# Plain module constants: reading an enum member's attributes in a loop over thousands of cells is slow.
NOT_STARTED, DRAFT, SUBMITTED, RETURNED, ACCEPTED = S.not_started, S.draft, S.submitted, S.returned, S.accepted

# Matrix filters (query value → label) and sort orders.
FILTERS = {"all": "全部", "missing": "未报", "late": "逾期", "returned": "已退回"}
SORTS = {"order": "单位顺序", "submitted": "报送时间", "late": "逾期时长"}


@dataclass(frozen=True)
class Cell:
    """One unit's standing on one deliverable; everything is worked out once, in `Cell.of`."""

    unit_id: int
    deliverable_id: int
    submission_id: int | None
    state: SubmissionState
    deadline: datetime  # the unit's effective deadline (its extension, if any)
    extension: Extension | None
    submitted_at: datetime | None
    return_reason: str | None
    reported: bool  # 已报送 or 已采用
    missing: bool  # never submitted (or withdrawn): 未填报 or 草稿
    returned: bool
    submitted_late: bool  # reported, after the unit's deadline
    overdue: bool  # still owed after the unit's deadline
    late_by: timedelta | None

    @classmethod
    def of(cls, *, unit_id: int, deliverable_id: int, submission_id: int | None, state: SubmissionState,
           deadline: datetime, extension: Extension | None, submitted_at: datetime | None,
           return_reason: str | None, now: datetime) -> Cell:
        # Identity tests, not set membership: hashing enum members is slow over thousands of cells.
        reported = state is SUBMITTED or state is ACCEPTED
        submitted_late = reported and submitted_at is not None and submitted_at > deadline
        overdue = not reported and now > deadline  # every state but these two still owes
        late_by = submitted_at - deadline if submitted_late else (now - deadline if overdue else None)
        return cls(unit_id=unit_id, deliverable_id=deliverable_id, submission_id=submission_id, state=state,
                   deadline=deadline, extension=extension, submitted_at=submitted_at, return_reason=return_reason,
                   reported=reported, missing=state is NOT_STARTED or state is DRAFT, returned=state is RETURNED,
                   submitted_late=submitted_late, overdue=overdue, late_by=late_by)

    @property
    def late(self) -> bool:
        return self.submitted_late or self.overdue

    def matches(self, show: str) -> bool:
        if show == "missing":
            return self.missing
        if show == "late":
            return self.submitted_late or self.overdue
        if show == "returned":
            return self.returned
        return True


@dataclass
class Counts:
    """应报 / 已报 / 逾期 / 草稿 / 未填报 / 已退回 / 已采用 for one deliverable."""

    due: int = 0
    reported: int = 0
    on_time: int = 0
    submitted_late: int = 0
    overdue: int = 0
    draft: int = 0
    not_started: int = 0
    returned: int = 0
    accepted: int = 0

    @property
    def late(self) -> int:
        return self.submitted_late + self.overdue

    @property
    def missing(self) -> int:
        return self.due - self.reported

    @property
    def completion_pct(self) -> int:
        return _pct(self.reported, self.due)

    @property
    def on_time_pct(self) -> int:
        return _pct(self.on_time, self.due)

    def add(self, cell: Cell) -> None:
        self.due += 1
        if cell.reported:
            self.reported += 1
            if cell.submitted_late:
                self.submitted_late += 1
            else:
                self.on_time += 1
        if cell.overdue:
            self.overdue += 1
        state = cell.state
        if state is DRAFT:
            self.draft += 1
        elif state is NOT_STARTED:
            self.not_started += 1
        elif state is RETURNED:
            self.returned += 1
        elif state is ACCEPTED:
            self.accepted += 1


def _pct(part: int, whole: int) -> int:
    """A whole percentage that reaches 100 only when everything is done."""
    return 100 * part // whole if whole else 0


@dataclass
class Progress:
    campaign: Campaign
    now: datetime
    deliverables: list[Deliverable]
    units: list[Unit]
    cells: dict[tuple[int, int], Cell]
    counts: dict[int, Counts]
    # deliverable id → each unit's first submit, in time order (the chart's steps)
    first_submits: dict[int, list[datetime]] = field(default_factory=dict)

    def cell(self, unit_id: int, deliverable_id: int) -> Cell:
        return self.cells[(unit_id, deliverable_id)]

    def matrix(self, units: list[Unit]) -> list[tuple[Unit, list[Cell]]]:
        """Each unit with its cells in deliverable order, ready to render."""
        ids = [d.id for d in self.deliverables]
        return [(unit, [self.cells[(unit.id, d)] for d in ids]) for unit in units]

    def owing_units(self, deliverable_id: int) -> list[Unit]:
        """Units that still owe the deliverable (未填报, 草稿, 已退回), in unit order."""
        return [u for u in self.units if not self.cell(u.id, deliverable_id).reported]

    def rows(self, *, show: str = "all", deliverable_id: int | None = None, sort: str = "order") -> list[Unit]:
        """The matrix rows: units whose cell (or any cell, without a deliverable) matches `show`, sorted."""
        ids = [deliverable_id] if deliverable_id else [d.id for d in self.deliverables]
        show = show if show in FILTERS else "all"
        units = [u for u in self.units if any(self.cell(u.id, d).matches(show) for d in ids)]
        if sort == "submitted":
            def key(unit):
                times = [c.submitted_at for d in ids if (c := self.cell(unit.id, d)).submitted_at and not c.missing]
                return (not times, max(times) if times else None)
            units.sort(key=key)
        elif sort == "late":
            def key(unit):
                spans = [s for d in ids if (s := self.cell(unit.id, d).late_by) is not None]
                return (not spans, -max(spans).total_seconds() if spans else 0)
            units.sort(key=key)
        return units


def campaign_progress(campaign: Campaign, now: datetime) -> Progress:
    """Counts, cells and submit times for every recipient and deliverable of the campaign."""
    recipients = campaigns.campaign_recipients
    units = db.session.scalars(
        sa.select(Unit).join(recipients, recipients.c.unit_id == Unit.id)
        .where(recipients.c.campaign_id == campaign.id).order_by(Unit.sort_order, Unit.id)
    ).all()
    deliverables = db.session.scalars(
        sa.select(Deliverable).where(Deliverable.campaign_id == campaign.id)
        .order_by(Deliverable.sort_order, Deliverable.id)
    ).all()
    ids = [d.id for d in deliverables]
    # Columns only: the filled-in data can be large and is not needed here.
    submissions = {(row.unit_id, row.deliverable_id): row for row in db.session.execute(
        sa.select(Submission.id, Submission.unit_id, Submission.deliverable_id, Submission.state,
                  Submission.submitted_at, Submission.return_reason)
        .where(Submission.deliverable_id.in_(ids))
    )}
    extensions = {(e.unit_id, e.deliverable_id): e for e in db.session.scalars(
        sa.select(Extension).options(joinedload(Extension.granted_by)).where(Extension.deliverable_id.in_(ids))
    )}
    cells: dict[tuple[int, int], Cell] = {}
    counts = {d.id: Counts() for d in deliverables}
    unit_ids = [unit.id for unit in units]  # read once: ORM attribute access adds up over thousands
    for d in deliverables:
        d_id, tally = d.id, counts[d.id]
        for unit_id in unit_ids:
            row = submissions.get((unit_id, d_id))
            ext = extensions.get((unit_id, d_id))
            cell = Cell.of(
                unit_id=unit_id, deliverable_id=d_id, submission_id=row.id if row else None,
                state=row.state if row else NOT_STARTED, deadline=effective_deadline(d, unit_id, ext),
                extension=ext, submitted_at=row.submitted_at if row else None,
                return_reason=row.return_reason if row else None, now=now,
            )
            cells[(unit_id, d_id)] = cell
            tally.add(cell)
    return Progress(campaign=campaign, now=now, deliverables=list(deliverables), units=list(units), cells=cells,
                    counts=counts, first_submits=_first_submits(ids, {u.id for u in units}))


def _first_submits(deliverable_ids: list[int], unit_ids: set[int]) -> dict[int, list[datetime]]:
    """When each recipient first submitted each deliverable, in time order."""
    first = sa.func.min(Revision.submitted_at)
    rows = db.session.execute(
        sa.select(Submission.deliverable_id, Submission.unit_id, first)
        .join(Revision, Revision.submission_id == Submission.id)
        .where(Submission.deliverable_id.in_(deliverable_ids))
        .group_by(Submission.id, Submission.deliverable_id, Submission.unit_id)
    )
    found: dict[int, list[datetime]] = {d: [] for d in deliverable_ids}
    for deliverable_id, unit_id, at in rows:
        if unit_id in unit_ids and at is not None:
            found[deliverable_id].append(at)
    for times in found.values():
        times.sort()
    return found
