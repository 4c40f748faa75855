"""The coordinator's dashboard: the campaign's standing (standing.py), filtered and sorted, and the submits
over time for its chart. A fixed number of queries whatever the number of units."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Campaign, Revision, Submission, Unit
from .standing import FILTERS, SORTS, Board, campaign_standing


@dataclass
class Dashboard:
    board: Board
    # deliverable id → each unit's first submit, in time order (the chart's steps)
    first_submits: dict[int, list[datetime]]
    deliverable_id: int | None  # the matrix limited to one deliverable, or None for all
    show: str  # a key of FILTERS
    sort: str  # a key of SORTS
    rows: list[Unit]


def dashboard(campaign: Campaign, now: datetime, *, deliverable_id: int | None = None, show: str = "all",
              sort: str = "order") -> Dashboard:
    """The campaign's standing at `now` with the matrix rows chosen by the filters (unknown values mean all)."""
    board = campaign_standing(campaign, now, reminders=False)
    if deliverable_id not in {d.id for d in board.deliverables}:
        deliverable_id = None
    show = show if show in FILTERS else "all"
    sort = sort if sort in SORTS else "order"
    return Dashboard(board=board, first_submits=first_submits(board), deliverable_id=deliverable_id, show=show,
                     sort=sort, rows=board.rows(show=show, deliverable_id=deliverable_id, sort=sort))


def first_submits(board: Board) -> dict[int, list[datetime]]:
    """When each recipient first submitted each deliverable, in time order (one query)."""
    deliverable_ids = [d.id for d in board.deliverables]
    unit_ids = {u.id for u in board.units}
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
