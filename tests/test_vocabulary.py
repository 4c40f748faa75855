"""One word, one count: 应报, 已报, 未报, 逾期, 逾期报送, 逾期未报 and the states mean the same number on the
dashboard, the 汇总下载 page, the Excel and Word rollups, the 报送情况 sheet, the 催报 page and the units' 待办.

The demo is checked through the pages and files a coordinator and the units read; generated worlds (random
states, extensions, returns, late submits, instants before and after the deadline, each late policy) are
checked against an independent statement of the rule written here, through the services, the dashboard
(counts and chart), the 汇总下载 page, the rollup cover and 报送情况 sheet, and each unit's 待办 page.
Templates are checked to take these words from the vocabulary, not to spell them out.
"""
from __future__ import annotations

import io
import os
import re
from collections import Counter
from datetime import timedelta

import docx
import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.extensions import db
from campaign.models import STATE_LABELS, Campaign, LatePolicy, Role, SubmissionState, User, utcnow
from campaign.reports import build, kinds
from campaign.reports.collect import collect
from campaign.services import WorkflowError
from campaign.services.demo import seed_demo
from campaign.services.reminders.overview import overview
from campaign.services.review import accept, extend, return_
from campaign.services.standing import WORDS, campaign_standing, campaign_tallies, unit_todo
from campaign.services.submissions import get_submission, save_draft, submit
from tests.conftest import login
from tests.helpers import annex1, demo_campaigns

DEMO_PASSWORD = "Vocabulary-check-2026"
LINE_WORDS = ("due", "reported", "missing", "late", "reported_late", "overdue")
S = SubmissionState


def line_counts(text: str) -> dict[str, int]:
    """The counts a Tally.line prints, read back by word (逾期 is not 逾期报送, 未报 is not 逾期未报)."""
    found = {}
    for name in LINE_WORDS:
        word = WORDS[name][0]
        match = re.search(rf"(?<![逾期]){word} (\d+) 家", text)
        assert match, f"{word} missing from {text!r}"
        found[name] = int(match.group(1))
    return found


def tally_counts(tally) -> dict[str, int]:
    return {name: getattr(tally, name) for name in LINE_WORDS}


def status_sheet_counts(workbook) -> dict[str, int]:
    """Counts read off the 报送情况 sheet, one row per recipient."""
    rows = [r for r in workbook["报送情况"].iter_rows(values_only=True) if isinstance(r[0], int)]
    labels = Counter(r[2] for r in rows)
    late = Counter((r[4] or "").split(" ")[0] for r in rows)
    return {"due": len(rows), "reported": labels["已报送"] + labels["已采用"],
            "missing": labels["未填报"] + labels["草稿"] + labels["已退回"],
            "late": late["逾期报送"] + late["逾期未报"], "reported_late": late["逾期报送"], "overdue": late["逾期未报"]}


def rollup_files(campaign, deliverable, now):
    """Every campaign-wide file of the deliverable: (kind, bytes)."""
    rollup = collect(campaign, deliverable, now=now)
    for kind in kinds(deliverable.form):
        out = io.BytesIO()
        build(rollup, kind, out)
        yield kind, out.getvalue(), rollup


def dashboard_counts(page: str, key: str) -> dict[str, int]:
    row = re.search(rf'<tr data-deliverable="{key}">(.*?)</tr>', page, re.S).group(1)
    return {name: int(value) for name, value in re.findall(r'<td class="num" data-word="(\w+)">(\d+)', row)}


def test_demo_prints_the_same_number_under_the_same_word_everywhere(app, client):
    seed_demo(password=DEMO_PASSWORD)
    db.session.commit()
    campaigns = db.session.scalars(sa.select(Campaign).order_by(Campaign.id)).all()
    late_somewhere = 0
    for campaign in campaigns:
        coordinator = campaign.coordinators[0]
        login(client, coordinator, password=DEMO_PASSWORD)
        dashboard = client.get(f"/coordinator/campaigns/{campaign.id}/progress").get_data(as_text=True)
        downloads = client.get(f"/reports/campaigns/{campaign.id}").get_data(as_text=True)
        reminders = client.get(f"/coordinator/campaigns/{campaign.id}/reminders/").get_data(as_text=True)
        listing = client.get("/coordinator/").get_data(as_text=True)
        client.post("/auth/logout")
        now = utcnow()
        board = campaign_standing(campaign, now)
        owing_on_reminder_page = [int(n) for n in re.findall(r"未报 (\d+) 家</p>", reminders)]
        assert owing_on_reminder_page == [board.tallies[d.id].missing for d in board.deliverables]
        for deliverable in board.deliverables:
            tally = board.tallies[deliverable.id]
            expected = tally_counts(tally)
            late_somewhere += tally.late
            shown = dashboard_counts(dashboard, deliverable.key)
            assert {k: shown[k] for k in ("due", "reported", "missing", "late")} == {
                k: expected[k] for k in ("due", "reported", "missing", "late")}
            assert shown["not_started"] + shown["draft"] + shown["returned"] == tally.missing
            if tally.late:
                assert f"逾期报送 {tally.reported_late} · 逾期未报 {tally.overdue}" in dashboard
            assert tally.line in downloads
            assert f"{deliverable.short_title or deliverable.title}：已报 {tally.reported}/{tally.due}" in listing
            for kind, content, rollup in rollup_files(campaign, deliverable, now):
                assert tally_counts(rollup.counts) == expected
                if kind.key == "xlsx":
                    book = openpyxl.load_workbook(io.BytesIO(content))
                    assert line_counts(book.worksheets[0]["A2"].value) == expected
                    assert status_sheet_counts(book) == expected
                elif kind.key == "docx":
                    text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
                    assert line_counts(text) == expected, kind
        # Each unit's own 待办 says the same: counted over the recipients, it adds up to the tallies.
        for deliverable in board.deliverables:
            seen = Counter()
            for unit in board.units:
                reporter = db.session.scalar(sa.select(User).where(User.unit_id == unit.id,
                                                                   User.role == Role.reporter))
                [item] = [i for i in unit_todo(reporter.unit, now) if i.deliverable.id == deliverable.id]
                seen["reported"] += item.standing.reported
                seen["overdue"] += item.standing.overdue
                seen["reported_late"] += item.standing.reported_late
            tally = board.tallies[deliverable.id]
            assert (seen["reported"], seen["overdue"], seen["reported_late"]) == (
                tally.reported, tally.overdue, tally.reported_late)
    assert late_somewhere, "the demo should show 逾期 somewhere"


def test_a_units_todo_page_shows_its_own_standing(app, client):
    seed_demo(password=DEMO_PASSWORD)
    db.session.commit()
    xinxiang = demo_campaigns()[1]
    deliverable = xinxiang.deliverables[0]
    board = campaign_standing(xinxiang, utcnow())
    checked = Counter()
    for unit in board.units:
        standing = board.cell(unit.id, deliverable.id)
        kind = "reported_late" if standing.reported_late else "overdue" if standing.overdue else "other"
        if checked[kind] >= 2:
            continue
        checked[kind] += 1
        reporter = db.session.scalar(sa.select(User).where(User.unit_id == unit.id, User.role == Role.reporter))
        login(client, reporter, password=DEMO_PASSWORD)
        page = client.get("/unit/").get_data(as_text=True)
        client.post("/auth/logout")
        row = re.search(rf'<tr class="(\w*)">((?:(?!</tr>).)*?/unit/deliverables/{deliverable.id}".*?)</tr>', page, re.S)
        assert (row.group(1) == "overdue") is standing.overdue
        assert ("逾期报送" in row.group(2)) is standing.reported_late
        assert f"state-{standing.state.value}" in row.group(2)
    assert checked["reported_late"] and checked["overdue"]


# What each unit does in a generated world, applied through the services at the given hour offsets from
# the deadline: its first submit (None: never), whether that submit is then returned (and resubmitted at
# the second offset) or accepted, a draft for those who never submit, and an extension in days.
UNIT_PLAN = st.fixed_dictionaries({
    "submit_at": st.one_of(st.none(), st.integers(-72, 72)),
    "draft": st.booleans(),
    "after": st.sampled_from(["keep", "return", "return_resubmit", "accept"]),
    "resubmit_at": st.integers(-24, 96),
    "extension_days": st.one_of(st.none(), st.integers(1, 4)),
})
CUTOFF_HOURS = 24  # under the cutoff policy, late filing is accepted until a day after the deadline
# The pages are read at the real clock: the world is built so that it reads them half an hour after its
# `now_hours`, clear of every whole-hour submit and deadline.
READ_AFTER = timedelta(minutes=30)


def accepts(policy: LatePolicy, own_deadline, deadline, moment) -> bool:
    """Whether a submit at `moment` is taken, stated independently of deadlines.closes_at."""
    if policy is LatePolicy.close:
        return moment <= own_deadline
    if policy is LatePolicy.cutoff:
        return moment <= max(deadline + timedelta(hours=CUTOFF_HOURS), own_deadline)
    return True


def expected_word_counts(plans, deadline, now, policy=LatePolicy.flag) -> dict[str, int]:
    """The rule, stated independently: a unit has reported when its last action left a submit standing
    (a refused submit leaves nothing); it is late when that submit (or, owing, `now`) is after its
    deadline, its extension included."""
    found = Counter(due=len(plans))
    for plan in plans:
        own_deadline = deadline + timedelta(days=plan["extension_days"]) if plan["extension_days"] else deadline
        taken = lambda moment: moment if accepts(policy, own_deadline, deadline, moment) else None  # noqa: E731
        submitted = None
        if plan["submit_at"] is not None:
            submitted = taken(deadline + timedelta(hours=plan["submit_at"]))
            if submitted is not None and plan["after"] == "return":
                submitted = None
            elif submitted is not None and plan["after"] == "return_resubmit":
                submitted = taken(deadline + timedelta(hours=max(plan["submit_at"] + 1, plan["resubmit_at"])))
        if submitted is not None:
            found["reported"] += 1
            found["reported_late"] += submitted > own_deadline
        else:
            found["missing"] += 1
            found["overdue"] += now > own_deadline
    found["late"] = found["reported_late"] + found["overdue"]
    return {name: found[name] for name in LINE_WORDS}


def _try(action) -> None:
    """Run one step of a plan; a submit the late policy refuses leaves the submission as it was."""
    try:
        action()
        db.session.commit()
    except WorkflowError:
        db.session.rollback()


def build_world(campaign, units, plans, make_user, deadline) -> dict:
    """Apply each unit's plan through the services; returns unit id → its reporter."""
    coordinator = campaign.coordinators[0]
    deliverable = campaign.deliverables[0]
    at = lambda hours: deadline + timedelta(hours=hours)  # noqa: E731
    reporters = {}
    for unit, plan in zip(units, plans):
        reporter = reporters[unit.id] = make_user(Role.reporter, unit=unit)
        submission = get_submission(deliverable, unit)
        if plan["extension_days"]:
            extend(submission, deadline=deadline + timedelta(days=plan["extension_days"]), reason="延期",
                   user=coordinator, now=at(-100))
        if plan["submit_at"] is None:
            if plan["draft"]:
                save_draft(submission, annex1(), base_version=None, user=reporter, now=at(-100))
            db.session.commit()
            continue
        db.session.commit()
        _try(lambda: submit(submission, annex1(), base_version=None, user=reporter, now=at(plan["submit_at"])))
        if not submission.state.reported:
            continue  # refused: past what the late policy allows
        if plan["after"] == "accept":
            _try(lambda: accept(submission, user=coordinator, now=at(plan["submit_at"] + 1)))
        elif plan["after"].startswith("return"):
            _try(lambda: return_(submission, reason="请补充", user=coordinator, now=at(plan["submit_at"] + 1)))
            if plan["after"] == "return_resubmit":
                _try(lambda: submit(submission, annex1(), base_version=None, user=reporter,
                                    now=at(max(plan["submit_at"] + 1, plan["resubmit_at"]))))
    return reporters


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(plans=st.lists(UNIT_PLAN, min_size=1, max_size=6), now_hours=st.integers(-48, 120),
       policy=st.sampled_from(list(LatePolicy)))
def test_generated_worlds_agree_everywhere(app, client, make_unit, make_user, make_campaign, plans, now_hours,
                                           policy):
    units = [make_unit() for _ in plans]
    campaign = make_campaign(units=units)
    deliverable = campaign.deliverables[0]
    # The pages read the real clock, so the deadline is put where that clock is `now_hours` after it.
    deadline = (utcnow() - timedelta(hours=now_hours) - READ_AFTER).replace(microsecond=0)
    deliverable.deadline = deadline
    deliverable.late_policy = policy
    deliverable.cutoff = deadline + timedelta(hours=CUTOFF_HOURS) if policy is LatePolicy.cutoff else None
    db.session.commit()
    reporters = build_world(campaign, units, plans, make_user, deadline)
    now = deadline + timedelta(hours=now_hours) + READ_AFTER
    expected = expected_word_counts(plans, deadline, now, policy)

    board = campaign_standing(campaign, now)
    assert tally_counts(board.tallies[deliverable.id]) == expected
    assert tally_counts(campaign_tallies([campaign], now)[campaign.id][deliverable.id]) == expected
    for kind, content, _ in rollup_files(campaign, deliverable, now):
        if kind.key == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(content))
            assert line_counts(book.worksheets[0]["A2"].value) == expected
            assert status_sheet_counts(book) == expected
        elif kind.key == "docx":  # the rollup's cover
            text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
            assert line_counts(text) == expected, kind
    [section] = [s for s in overview(campaign, now) if s.deliverable.id == deliverable.id]
    assert len(section.owing) == expected["missing"]

    # What the coordinator reads: the dashboard's counts and chart, the 汇总下载 page's line.
    login(client, campaign.coordinators[0])
    page = client.get(f"/coordinator/campaigns/{campaign.id}/progress").get_data(as_text=True)
    downloads = client.get(f"/reports/campaigns/{campaign.id}").get_data(as_text=True)
    client.post("/auth/logout")
    shown = dashboard_counts(page, deliverable.key)
    assert {k: shown[k] for k in ("due", "reported", "missing", "late")} == {
        k: expected[k] for k in ("due", "reported", "missing", "late")}
    if expected["late"]:
        assert f"逾期报送 {expected['reported_late']} · 逾期未报 {expected['overdue']}" in page
    title = re.search(rf'<title id="chart-{deliverable.id}">[^：]*：(.*?)</title>', page).group(1)
    assert title == (f"已报 {expected['reported']} 家（按时报送 {expected['reported'] - expected['reported_late']}、"
                     f"逾期报送 {expected['reported_late']}），应报 {expected['due']} 家")
    assert line_counts(re.search(r'<p class="counts">(.*?)</p>', downloads).group(1)) == expected  # first deliverable

    # What each unit reads on its 待办, added up over the recipients.
    seen = Counter()
    for unit in units:
        login(client, reporters[unit.id])
        todo = client.get("/unit/").get_data(as_text=True)
        client.post("/auth/logout")
        row = re.search(rf'<tr class="(\w*)">((?:(?!</tr>).)*?/unit/deliverables/{deliverable.id}".*?)</tr>', todo, re.S)
        seen["overdue"] += row.group(1) == "overdue"
        seen["reported_late"] += "逾期报送" in row.group(2)
        seen["reported"] += "state-submitted" in row.group(2) or "state-accepted" in row.group(2)
    assert (seen["reported"], seen["reported_late"], seen["overdue"]) == (
        expected["reported"], expected["reported_late"], expected["overdue"])


@pytest.mark.parametrize("name", sorted(WORDS))
def test_every_word_is_defined_once_in_the_readme(name):
    """The README's glossary says what the code says, word for word."""
    with open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    word, meaning = WORDS[name]
    assert f"| {word} | {meaning} |" in readme


TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "templates")
_WORDS = "|".join(map(re.escape, sorted({w for w, _ in WORDS.values()}, key=len, reverse=True)))
# A vocabulary word used as a label (>已报<, >已退回：), before a count (已报 {{ n }}), or in a list of
# words (应报、已报、逾期): there it must come from word('...'). Prose such as 保存草稿 or 尚未报送 is not a count.
HARD_CODED = re.compile(rf">\s*({_WORDS})\s*[<：:]|({_WORDS})\s*(?:\{{\{{|\d)|({_WORDS})[、（]({_WORDS})")


def _without_jinja_but_counts(text: str) -> str:
    """The template's own text: comments and statements gone, each {{ expression }} kept as a bare {{."""
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", "{{", text, flags=re.S)
    return re.sub(r"\{%.*?%\}", "", text, flags=re.S)


def test_templates_take_the_coordinators_words_from_the_vocabulary():
    found = []
    for folder, _, names in os.walk(TEMPLATES):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as fh:
                text = _without_jinja_but_counts(fh.read())
            found += [f"{os.path.relpath(path, TEMPLATES)}: {m.group(0)!r}" for m in HARD_CODED.finditer(text)]
    assert not found, "use word('...') for these:\n" + "\n".join(found)


def test_the_check_catches_a_hard_coded_word():
    for text in ('<span class="badge late">逾期报送</span>', "已报 {{ n }} 家", "各事项的应报、已报", "<strong>已退回：</strong>"):
        assert HARD_CODED.search(_without_jinja_but_counts(text)), text
    for text in ('<button>保存草稿</button>', "尚未报送，请尽快报送。", "{{ word('reported') }} {{ n }} 家"):
        assert not HARD_CODED.search(_without_jinja_but_counts(text)), text


def test_state_badges_say_the_vocabularys_words():
    for state in SubmissionState:
        assert state.label == STATE_LABELS[state] == WORDS[state.name][0]
