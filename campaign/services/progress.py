"""The coordinator's dashboard: the campaign's standing (standing.py), filtered and sorted, and the submits
over time for its chart, all read from the one board. A fixed number of queries whatever the number of units."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import Campaign, Unit
from .standing import FILTERS, SORTS, Board, campaign_standing


@dataclass
class Dashboard:
    board: Board
    # deliverable id → the submit times of the units counted 已报, in time order (the chart's steps)
    reported_times: dict[int, list[datetime]]
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
    return Dashboard(board=board, reported_times={d.id: board.reported_times(d.id) for d in board.deliverables},
                     deliverable_id=deliverable_id, show=show, sort=sort,
                     rows=board.rows(show=show, deliverable_id=deliverable_id, sort=sort))

