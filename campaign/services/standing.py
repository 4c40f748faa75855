"""Where each unit stands on each deliverable: the one read model behind every count and flag.

A page, a rollup, an e-mail or a command that says 已报, 逾期 or 未报 reads it from here. `stand` is
the rule for one (unit, deliverable), `Tally` adds standings up under the words of `WORDS`, and
`campaign_standing` / `unit_todo` / `campaign_tallies` load what `stand` needs in a fixed number of
queries whatever the number of units.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (STATE_LABELS, Campaign, CampaignState, Deliverable, Extension, LatePolicy, Reminder,
                      ReminderStatus, Submission, SubmissionState, Unit, campaigns)
from ..timefmt import format_span
from .deadlines import closes_at, effective_deadline, is_open, is_overdue

S = SubmissionState
# Plain module constants: reading an enum member's attributes in a loop over thousands of cells is slow.
NOT_STARTED, DRAFT, SUBMITTED, RETURNED, ACCEPTED = S.not_started, S.draft, S.submitted, S.returned, S.accepted

# Every word a coordinator reads about standing, defined once: attribute of `Tally` → (word, meaning).
# The dashboard's legend and the README's glossary say exactly this; the states' words are their labels.
WORDS: dict[str, tuple[str, str]] = {
    "due": ("应报", "通知的报送单位数"),
    "reported": ("已报", "已报送 + 已采用"),
    "missing": ("未报", "应报 − 已报，即未填报 + 草稿 + 已退回"),
    "late": ("逾期", "逾期报送 + 逾期未报"),
    "reported_late": ("逾期报送", "在本单位截止时间（含延期）之后报送的已报单位"),
    "overdue": ("逾期未报", "本单位截止时间（含延期）已过、仍未报的单位"),
    "not_started": (STATE_LABELS[S.not_started], "尚未填写的单位"),
    "draft": (STATE_LABELS[S.draft], "已保存草稿、尚未报送的单位"),
    "returned": (STATE_LABELS[S.returned], "被退回修改、尚未重新报送的单位"),
    "submitted": (STATE_LABELS[S.submitted], "已报送、尚未采用的单位"),
    "accepted": (STATE_LABELS[S.accepted], "报送后已被采用的单位"),
    "on_time": ("按时报送", "已报 − 逾期报送"),
    "completion_pct": ("完成率", "已报 ÷ 应报"),
    "on_time_pct": ("按时率", "按时报送（已报 − 逾期报送）÷ 应报"),
}


def word(name: str) -> str:
    """The word a coordinator reads for `name` (a key of WORDS); templates call it as word('...')."""
    return WORDS[name][0]


@dataclass(frozen=True, slots=True)
class Terms:
    """What the rules need of one deliverable, read once: ORM attribute access adds up over thousands of cells."""

    deliverable_id: int
    deadline: datetime
    late_policy: LatePolicy
    cutoff: datetime | None
    campaign_state: CampaignState

    @classmethod
    def of(cls, deliverable: Deliverable) -> Terms:
        return cls(deliverable.id, deliverable.deadline, deliverable.late_policy, deliverable.cutoff,
                   deliverable.campaign.state)


@dataclass(frozen=True, slots=True)
class LastReminder:
    """What the unit was last told about the deliverable, and how many reminders it has had."""

    kind: str
    sent_at: datetime
    count: int


@dataclass(frozen=True, slots=True)
class Standing:
    """One unit's standing on one deliverable at one instant; worked out once, in `stand`."""

    unit_id: int
    deliverable_id: int
    submission_id: int | None
    state: SubmissionState
    deadline: datetime  # the unit's effective deadline (its extension, if any)
    extension: Extension | None
    closes_at: datetime | None  # when it stops accepting this unit (None: while the campaign is published)
    open: bool  # the unit may still save, submit or withdraw
    submitted_at: datetime | None
    last_change: datetime | None
    return_reason: str
    reported: bool  # 已报: 已报送 or 已采用
    owing: bool  # 未报: 未填报, 草稿 or 已退回
    reported_late: bool  # 逾期报送: reported after the unit's deadline
    overdue: bool  # 逾期未报: still owing after the unit's deadline
    late_by: timedelta | None
    reminded: LastReminder | None

    @property
    def late(self) -> bool:
        """逾期: reported late or overdue."""
        return self.reported_late or self.overdue

    @property
    def last_submitted_at(self) -> datetime | None:
        """When the submission on file (or the one returned) was submitted; None for 未填报 and 草稿."""
        return self.submitted_at if self.reported or self.state is RETURNED else None

    @property
    def can_save(self) -> bool:
        return self.open and self.state.allows("save")

    @property
    def can_submit(self) -> bool:
        return self.open and self.state.allows("submit")

    @property
    def can_withdraw(self) -> bool:
        return self.open and self.state.allows("withdraw")

    @property
    def can_return(self) -> bool:
        """Returning makes sense only while the unit can still resubmit."""
        return self.open and self.state.allows("return")

    @property
    def can_accept(self) -> bool:
        return self.state.allows("accept")

    @property
    def can_extend(self) -> bool:
        return self.state is not ACCEPTED

    @property
    def reminders_sent(self) -> int:
        return self.reminded.count if self.reminded else 0

    @property
    def late_text(self) -> str:
        """'逾期报送 3小时' or '逾期未报 2天', or '' when not late."""
        if self.reported_late:
            return f"{word('reported_late')} {format_span(self.late_by)}"
        if self.overdue:
            return f"{word('overdue')} {format_span(self.late_by)}"
        return ""


def stand(terms: Terms, unit_id: int, now: datetime, *, submission: Any = None, extension: Extension | None = None,
          reminded: LastReminder | None = None) -> Standing:
    """The rule: where the unit stands on the deliverable at `now`.

    `submission` is a Submission or a row with its id, state, submitted_at, return_reason, updated_at,
    returned_at and accepted_at (None: never opened); `extension` is the unit's, if any.
    """
    state = submission.state if submission is not None else NOT_STARTED
    deadline = effective_deadline(terms.deadline, extension.deadline if extension is not None else None)
    closes = closes_at(terms.late_policy, terms.cutoff, deadline)
    # Identity tests, not set membership: hashing enum members is slow over thousands of cells.
    reported = state is SUBMITTED or state is ACCEPTED
    submitted_at = submission.submitted_at if submission is not None else None
    reported_late = reported and submitted_at is not None and is_overdue(deadline, submitted_at)
    overdue = not reported and is_overdue(deadline, now)
    late_by = submitted_at - deadline if reported_late else (now - deadline if overdue else None)
    last_change = None
    if submission is not None:
        times = [t for t in (submission.updated_at, submitted_at, submission.returned_at, submission.accepted_at) if t]
        last_change = max(times) if times else None
    return Standing(
        unit_id=unit_id, deliverable_id=terms.deliverable_id,
        submission_id=submission.id if submission is not None else None, state=state, deadline=deadline,
        extension=extension, closes_at=closes, open=is_open(terms.campaign_state, closes, now),
        submitted_at=submitted_at, last_change=last_change,
        return_reason=(submission.return_reason or "") if state is RETURNED else "",
        reported=reported, owing=not reported, reported_late=reported_late, overdue=overdue, late_by=late_by,
        reminded=reminded,
    )


@dataclass
class Tally:
    """The counts of one deliverable, each under its word in `WORDS`."""

    due: int = 0
    reported: int = 0
    reported_late: int = 0
    overdue: int = 0
    not_started: int = 0
    draft: int = 0
    returned: int = 0
    submitted: int = 0
    accepted: int = 0

    @classmethod
    def of(cls, standings: Iterable[Standing]) -> Tally:
        tally = cls()
        for standing in standings:
            tally.add(standing)
        return tally

    def add(self, standing: Standing) -> None:
        self.due += 1
        if standing.reported:
            self.reported += 1
            self.reported_late += standing.reported_late
        self.overdue += standing.overdue
        state = standing.state
        if state is NOT_STARTED:
            self.not_started += 1
        elif state is DRAFT:
            self.draft += 1
        elif state is RETURNED:
            self.returned += 1
        elif state is SUBMITTED:
            self.submitted += 1
        else:
            self.accepted += 1

    @property
    def missing(self) -> int:
        return self.due - self.reported

    @property
    def late(self) -> int:
        return self.reported_late + self.overdue

    @property
    def on_time(self) -> int:
        return self.reported - self.reported_late

    @property
    def completion_pct(self) -> int:
        return _pct(self.reported, self.due)

    @property
    def on_time_pct(self) -> int:
        return _pct(self.on_time, self.due)

    @property
    def line(self) -> str:
        """The counts in one line, as every rollup, the CLI and the 汇总下载 page print them."""
        return (f"{word('due')} {self.due} 家　{word('reported')} {self.reported} 家　{word('missing')} {self.missing} 家"
                f"　{word('late')} {self.late} 家（{word('reported_late')} {self.reported_late} 家、"
                f"{word('overdue')} {self.overdue} 家）")


def _pct(part: int, whole: int) -> int:
    """A whole percentage that reaches 100 only when everything is done."""
    return 100 * part // whole if whole else 0


# Matrix filters (query value → word) and sort orders.
FILTERS = {"all": "全部", "missing": word("missing"), "late": word("late"), "returned": word("returned")}
SORTS = {"order": "单位顺序", "submitted": "报送时间", "late": "逾期时长"}


def matches(standing: Standing, show: str) -> bool:
    if show == "missing":
        return standing.owing
    if show == "late":
        return standing.late
    if show == "returned":
        return standing.state is RETURNED
    return True


@dataclass
class Board:
    """A campaign's standings at one instant: its recipients in unit order, its deliverables, each cell, each tally."""

    campaign: Campaign
    now: datetime
    deliverables: list[Deliverable]
    units: list[Unit]
    cells: dict[tuple[int, int], Standing]
    tallies: dict[int, Tally] = field(default_factory=dict)

    def cell(self, unit_id: int, deliverable_id: int) -> Standing:
        return self.cells[(unit_id, deliverable_id)]

    def matrix(self, units: list[Unit]) -> list[tuple[Unit, list[Standing]]]:
        """Each unit with its standings in deliverable order, ready to render."""
        ids = [d.id for d in self.deliverables]
        return [(unit, [self.cells[(unit.id, d)] for d in ids]) for unit in units]

    def reported_times(self, deliverable_id: int) -> list[datetime]:
        """When each unit counted 已报 filed what is on file, in time order (the progress chart's steps)."""
        return sorted(s.submitted_at for u in self.units
                      if (s := self.cells[(u.id, deliverable_id)]).reported and s.submitted_at is not None)

    def owing(self, deliverable_id: int) -> list[tuple[Unit, Standing]]:
        """Units that still owe the deliverable (未报), in unit order."""
        found = []
        for unit in self.units:
            standing = self.cells[(unit.id, deliverable_id)]
            if standing.owing:
                found.append((unit, standing))
        return found

    def rows(self, *, show: str = "all", deliverable_id: int | None = None, sort: str = "order") -> list[Unit]:
        """The matrix rows: units whose cell (or any cell, without a deliverable) matches `show`, sorted."""
        ids = [deliverable_id] if deliverable_id else [d.id for d in self.deliverables]
        show = show if show in FILTERS else "all"
        units = [u for u in self.units if any(matches(self.cell(u.id, d), show) for d in ids)]
        if sort == "submitted":
            def key(unit):
                times = [t for d in ids if (t := self.cell(unit.id, d).last_submitted_at)]
                return (not times, max(times) if times else None)
            units.sort(key=key)
        elif sort == "late":
            def key(unit):
                spans = [s for d in ids if (s := self.cell(unit.id, d).late_by) is not None]
                return (not spans, -max(spans).total_seconds() if spans else 0)
            units.sort(key=key)
        return units


_SUBMISSION_COLUMNS = (Submission.id, Submission.unit_id, Submission.deliverable_id, Submission.state,
                       Submission.submitted_at, Submission.return_reason, Submission.updated_at,
                       Submission.returned_at, Submission.accepted_at)


def _limit(query, column, ids: list[int] | None):
    return query.where(column.in_(ids)) if ids is not None else query


def _load(deliverable_ids: list[int], unit_ids: list[int] | None, *, reminders: bool):
    """Submissions (columns only: the filled-in data can be large), extensions and reminders of the deliverables,
    keyed by (unit id, deliverable id); three queries at most."""
    submissions = {(r.unit_id, r.deliverable_id): r for r in db.session.execute(_limit(
        sa.select(*_SUBMISSION_COLUMNS).where(Submission.deliverable_id.in_(deliverable_ids)),
        Submission.unit_id, unit_ids))}
    extensions = {(e.unit_id, e.deliverable_id): e for e in db.session.scalars(_limit(
        sa.select(Extension).options(joinedload(Extension.granted_by))
        .where(Extension.deliverable_id.in_(deliverable_ids)), Extension.unit_id, unit_ids))}
    return submissions, extensions, _reminded(deliverable_ids, unit_ids) if reminders else {}


def _reminded(deliverable_ids: list[int], unit_ids: list[int] | None) -> dict[tuple[int, int], LastReminder]:
    """The last reminder sent and how many, keyed by (unit id, deliverable id); one query."""
    reminded: dict[tuple[int, int], LastReminder] = {}
    # One row per (unit, deliverable, kind): a reminder is one kind, whatever the number of addresses.
    rows = db.session.execute(_limit(
        sa.select(Reminder.unit_id, Reminder.deliverable_id, Reminder.kind, sa.func.max(Reminder.sent_at))
        .where(Reminder.deliverable_id.in_(deliverable_ids), Reminder.status == ReminderStatus.sent)
        .group_by(Reminder.unit_id, Reminder.deliverable_id, Reminder.kind), Reminder.unit_id, unit_ids))
    for unit_id, deliverable_id, kind, sent_at in rows:
        before = reminded.get((unit_id, deliverable_id))
        count = before.count + 1 if before else 1
        if before is None or sent_at > before.sent_at:
            reminded[(unit_id, deliverable_id)] = LastReminder(kind, sent_at, count)
        else:
            reminded[(unit_id, deliverable_id)] = LastReminder(before.kind, before.sent_at, count)
    return reminded


def _cells(terms: list[Terms], unit_ids: list[int], now: datetime, *, reminders: bool,
           limited: bool) -> dict[tuple[int, int], Standing]:
    submissions, extensions, reminded = _load([t.deliverable_id for t in terms], unit_ids if limited else None,
                                              reminders=reminders)
    cells = {}
    for t in terms:
        d_id = t.deliverable_id
        for unit_id in unit_ids:
            key = (unit_id, d_id)
            cells[key] = stand(t, unit_id, now, submission=submissions.get(key), extension=extensions.get(key),
                               reminded=reminded.get(key))
    return cells


def campaign_standing(campaign: Campaign, now: datetime, *, deliverable_ids: list[int] | None = None,
                      unit_ids: list[int] | None = None, reminders: bool = True, contacts: bool = False) -> Board:
    """Every recipient's standing on every deliverable of the campaign (or the given ones, for the given units).

    Five queries whatever the number of units; `contacts` loads the units' contacts too (one more).
    """
    recipients = campaigns.campaign_recipients
    unit_query = (sa.select(Unit).join(recipients, recipients.c.unit_id == Unit.id)
                  .where(recipients.c.campaign_id == campaign.id).order_by(Unit.sort_order, Unit.id))
    if contacts:
        unit_query = unit_query.options(selectinload(Unit.contacts))
    units = list(db.session.scalars(_limit(unit_query, Unit.id, unit_ids)))
    deliverables = list(db.session.scalars(_limit(
        sa.select(Deliverable).where(Deliverable.campaign_id == campaign.id)
        .order_by(Deliverable.sort_order, Deliverable.id), Deliverable.id, deliverable_ids)))
    terms = [Terms.of(d) for d in deliverables]
    ids = [unit.id for unit in units]  # read once: ORM attribute access adds up over thousands
    cells = _cells(terms, ids, now, reminders=reminders, limited=unit_ids is not None) if terms else {}
    tallies = {t.deliverable_id: Tally.of(cells[(u, t.deliverable_id)] for u in ids) for t in terms}
    return Board(campaign=campaign, now=now, deliverables=deliverables, units=units, cells=cells, tallies=tallies)


def unit_standing(deliverable: Deliverable, unit_id: int, now: datetime, *, submission: Any = None,
                  reminders: bool = False) -> Standing:
    """One unit's standing on one deliverable (its own form, a review page, a service's check). A given
    Submission brings its extension (find_or_create_submission loads both in one query)."""
    key = (unit_id, deliverable.id)
    if submission is None:
        loaded, extensions, reminded = _load([deliverable.id], [unit_id], reminders=reminders)
        return stand(Terms.of(deliverable), unit_id, now, submission=loaded.get(key), extension=extensions.get(key),
                     reminded=reminded.get(key))
    reminded = _reminded([deliverable.id], [unit_id]).get(key) if reminders else None
    return stand(Terms.of(deliverable), unit_id, now, submission=submission, extension=submission.extension,
                 reminded=reminded)


@dataclass(frozen=True)
class TodoItem:
    deliverable: Deliverable
    standing: Standing


def unit_todo(unit: Unit, now: datetime) -> list[TodoItem]:
    """待办: every deliverable of a published or closed campaign the unit must file, soonest deadline first."""
    recipients = campaigns.campaign_recipients
    deliverables = db.session.scalars(
        sa.select(Deliverable).join(Campaign).join(recipients, recipients.c.campaign_id == Campaign.id)
        .options(selectinload(Deliverable.campaign))
        .where(recipients.c.unit_id == unit.id, Campaign.state != CampaignState.draft)
        .order_by(Deliverable.deadline, Deliverable.id)
    ).all()
    if not deliverables:
        return []
    cells = _cells([Terms.of(d) for d in deliverables], [unit.id], now, reminders=False, limited=True)
    items = [TodoItem(d, cells[(unit.id, d.id)]) for d in deliverables]
    items.sort(key=lambda item: (item.standing.deadline, item.deliverable.id))
    return items


def campaign_tallies(campaign_list: list[Campaign], now: datetime) -> dict[int, dict[int, Tally]]:
    """Campaign id → deliverable id → its tally, for a list of campaigns in four queries."""
    if not campaign_list:
        return {}
    recipients = campaigns.campaign_recipients
    units_of: dict[int, list[int]] = {c.id: [] for c in campaign_list}
    for campaign_id, unit_id in db.session.execute(
            sa.select(recipients.c.campaign_id, recipients.c.unit_id)
            .where(recipients.c.campaign_id.in_(list(units_of)))):
        units_of[campaign_id].append(unit_id)
    terms = {c.id: [Terms.of(d) for d in c.deliverables] for c in campaign_list}
    every = [t for group in terms.values() for t in group]
    if not every:
        return {c.id: {} for c in campaign_list}
    submissions, extensions, _ = _load([t.deliverable_id for t in every], None, reminders=False)
    found: dict[int, dict[int, Tally]] = {}
    for campaign_id, group in terms.items():
        found[campaign_id] = {}
        for t in group:
            found[campaign_id][t.deliverable_id] = Tally.of(
                stand(t, u, now, submission=submissions.get((u, t.deliverable_id)),
                      extension=extensions.get((u, t.deliverable_id)))
                for u in units_of[campaign_id])
    return found
