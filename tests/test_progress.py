"""Progress counting without HTTP, the chart geometry, and a query count that does not grow with units."""
import re
from types import SimpleNamespace
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from campaign.charts import cumulative_chart
from campaign.extensions import db
from campaign.models import CampaignState, Contact, LatePolicy, Role, Submission, SubmissionState, Unit, utcnow
from campaign.services.demo import seed_demo
from campaign.services.standing import LastReminder, Terms, campaign_standing, stand
from campaign.services.review import accept, extend, return_
from campaign.services.submissions import save_draft, submit
from tests.conftest import login
from tests.helpers import demo_campaigns

S = SubmissionState
DATA = {"study": "召开党组会专题学习。"}
# Unit i (modulo 7) ends up like this; "late" submits a day after the deadline, "extended" gets
# two extra days and submits one day after the original deadline.
PATTERN = ["not_started", "draft", "submitted", "late", "returned", "accepted", "extended"]


def bulk_units(count: int, prefix: str) -> list[Unit]:
    units = []
    for i in range(count):
        unit = Unit(name=f"{prefix}单位{i:04d}", short_name=f"{prefix}{i}", code=f"{prefix}{i}", sort_order=i)
        unit.contacts.append(Contact(name=f"联系人{i}", email=f"{prefix}{i}@example.cn"))
        units.append(unit)
    db.session.add_all(units)
    db.session.flush()
    return units


def fill(campaign, units, reporter, coordinator):
    """Put the first deliverable of each unit in the state PATTERN gives it."""
    deliverable = campaign.deliverables[0]
    submissions = {s.unit_id: s for s in db.session.scalars(
        sa.select(Submission).where(Submission.deliverable_id == deliverable.id))}
    deadline = deliverable.deadline
    for i, unit in enumerate(units):
        kind, s = PATTERN[i % len(PATTERN)], submissions[unit.id]
        on_time = deadline - timedelta(days=1, minutes=i)
        if kind == "draft":
            save_draft(s, DATA, base_version=None, user=reporter, now=on_time)
        elif kind == "late":
            submit(s, DATA, base_version=None, user=reporter, now=deadline + timedelta(days=1))
        elif kind == "extended":
            extend(s, deadline=deadline + timedelta(days=2), reason="受汛期影响", user=coordinator)
            submit(s, DATA, base_version=None, user=reporter, now=deadline + timedelta(days=1))
        elif kind != "not_started":
            submit(s, DATA, base_version=None, user=reporter, now=on_time)
            if kind == "returned":
                return_(s, reason="请补充参加人数。", user=coordinator, now=on_time + timedelta(hours=1))
            elif kind == "accepted":
                accept(s, user=coordinator, now=on_time + timedelta(hours=1))
    db.session.commit()


@pytest.fixture
def build(make_user, make_campaign):
    def factory(count: int, prefix: str = "u", days_left: int = 10):
        units = bulk_units(count, prefix)
        reporter = make_user(Role.reporter, unit=units[0])
        campaign = make_campaign(units=units, days_left=days_left)
        fill(campaign, units, reporter, campaign.coordinators[0])
        return campaign, units

    return factory


def test_counts_for_each_state(build):
    campaign, units = build(14)
    deliverable = campaign.deliverables[0]
    now = deliverable.deadline + timedelta(days=3)
    counts = campaign_standing(campaign, now).tallies[deliverable.id]
    # two units of each of the seven kinds
    assert counts.due == 14
    assert counts.reported == 8  # submitted, late, accepted, extended
    assert counts.accepted == 2 and counts.returned == 2 and counts.draft == 2 and counts.not_started == 2
    assert counts.reported_late == 2  # "extended" submitted before its own deadline
    assert counts.overdue == 6  # not started, draft and returned, all past the deadline
    assert counts.late == 8
    assert counts.on_time == 6 and counts.on_time_pct == 42 and counts.completion_pct == 57
    other = campaign_standing(campaign, now).tallies[campaign.deliverables[1].id]
    assert (other.due, other.reported, other.not_started, other.late) == (14, 0, 14, 0)


def test_percentages_reach_100_only_when_everyone_reported(build):
    campaign, _ = build(3)
    counts = campaign_standing(campaign, campaign.deliverables[0].deadline).tallies[campaign.deliverables[0].id]
    assert counts.completion_pct == 33  # 1 of 3: floor, never rounded up to a finished look


def test_cells_carry_late_by_and_extension(build):
    campaign, units = build(7)
    deliverable = campaign.deliverables[0]
    now = deliverable.deadline + timedelta(days=3)
    progress = campaign_standing(campaign, now)
    late = progress.cell(units[3].id, deliverable.id)
    assert late.reported_late and late.late_by == timedelta(days=1)
    missing = progress.cell(units[0].id, deliverable.id)
    assert missing.overdue and missing.late_by == timedelta(days=3)
    extended = progress.cell(units[6].id, deliverable.id)
    assert not extended.late and extended.late_by is None and extended.extension.reason == "受汛期影响"
    assert extended.deadline == deliverable.deadline + timedelta(days=2)
    returned = progress.cell(units[4].id, deliverable.id)
    assert returned.return_reason == "请补充参加人数。" and returned.overdue


def test_filters_and_sorting(build):
    campaign, units = build(7)
    d = campaign.deliverables[0].id
    progress = campaign_standing(campaign, campaign.deliverables[0].deadline + timedelta(days=3))
    names = lambda rows: [u.name[-4:] for u in rows]  # noqa: E731
    # 未报: not started, draft and returned alike
    assert names(progress.rows(show="missing", deliverable_id=d)) == ["0000", "0001", "0004"]
    assert names(progress.rows(show="returned", deliverable_id=d)) == ["0004"]
    assert names(progress.rows(show="late", deliverable_id=d)) == ["0000", "0001", "0003", "0004"]
    assert names(progress.rows(show="all", deliverable_id=d)) == [f"{i:04d}" for i in range(7)]
    # by submitted time: earliest first, never-submitted last
    assert names(progress.rows(sort="submitted", deliverable_id=d))[:5] == ["0005", "0004", "0002", "0003", "0006"]
    # by late-by: longest first (three days overdue), then one day late, then the rest in unit order
    by_late = names(progress.rows(sort="late", deliverable_id=d))
    assert by_late[:3] == ["0000", "0001", "0004"] and by_late[3] == "0003"
    # without a deliverable, a unit matches when any of its cells does (附件2 is missing for all)
    assert len(progress.rows(show="missing")) == 7
    assert [u.name[-4:] for u, _ in progress.owing(d)] == ["0000", "0001", "0004"]


def test_the_chart_steps_are_the_reported_units_and_its_numbers_the_tally(build):
    campaign, _ = build(7)
    deliverable = campaign.deliverables[0]
    now = deliverable.deadline + timedelta(days=3)
    progress = campaign_standing(campaign, now)
    tally = progress.tallies[deliverable.id]
    times = progress.reported_times(deliverable.id)
    # submitted, late, accepted and extended; the returned unit is 未报 again, so not on the line
    assert len(times) == tally.reported == 4 and times == sorted(times)
    chart = cumulative_chart(times, tally=tally, start=campaign.published_at, deadline=deliverable.deadline, now=now,
                             zone=campaign.timezone)
    assert (chart.due, chart.reported, chart.on_time, chart.reported_late) == (7, 4, 3, 1)
    assert chart.path.count("V") == 4  # one step up per unit
    assert chart.left < chart.deadline.x < chart.now.x <= chart.right
    assert chart.bottom > chart.due_y >= chart.top
    assert chart.y_ticks[0].label == "0" and chart.x_ticks


def test_the_dashboard_chart_prints_the_dashboards_tally_in_its_words(client, build):
    # Three days past the deadline: on-time, late-filed (逾期报送) and overdue (逾期未报) units all exist.
    campaign, _ = build(7, days_left=-3)
    deliverable = campaign.deliverables[0]
    login(client, campaign.coordinators[0])
    page = client.get(f"/coordinator/campaigns/{campaign.id}/progress").get_data(as_text=True)
    tally = campaign_standing(campaign, utcnow()).tallies[deliverable.id]
    assert (tally.on_time, tally.reported_late, tally.overdue) == (3, 1, 3)
    row = re.search(rf'<tr data-deliverable="{deliverable.key}">(.*?)</tr>', page, re.S).group(1)
    shown = {name: int(n) for name, n in re.findall(r'<td class="num" data-word="(\w+)">(\d+)', row)}
    title = re.search(rf'<title id="chart-{deliverable.id}">[^：]*：(.*?)</title>', page).group(1)
    assert title == (f"已报 {shown['reported']} 家（按时报送 {shown['reported'] - tally.reported_late}、"
                     f"逾期报送 {tally.reported_late}），应报 {shown['due']} 家")
    assert (shown["reported"], shown["due"]) == (tally.reported, tally.due)
    assert f"逾期报送 {tally.reported_late} · 逾期未报 {tally.overdue}" in row  # the same words on the page


def test_a_notice_published_after_its_deadline_charts_from_the_deadline():
    deadline = datetime(2026, 2, 27, 10, 0, tzinfo=timezone.utc)
    published = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    chart = cumulative_chart([], tally=SimpleNamespace(due=21, reported=0, on_time=0, reported_late=0), start=published, deadline=deadline, now=published + timedelta(hours=1),
                             zone="Asia/Shanghai")
    assert chart.deadline.x == chart.left                     # the deadline is on the chart, at its start
    assert chart.deadline.anchor == "start" and chart.deadline.label_x > chart.left  # label clear of the axis
    assert chart.deadline.label == "截止 02-27 18:00"


@contextmanager
def counting_queries():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_dashboard_queries_do_not_grow_with_units(app, client, build):
    small, _ = build(10, "s")
    large, _ = build(500, "l")
    admin_counts = []
    for campaign in (small, large):
        login(client, campaign.coordinators[0])
        url = f"/coordinator/campaigns/{campaign.id}/progress"
        for query in ("", "?show=late&sort=late", "?show=missing&sort=submitted"):
            db.session.expire_all()
            with counting_queries() as statements:
                response = client.get(url + query)
            assert response.status_code == 200
            admin_counts.append(len(statements))
        client.post("/auth/logout")
    print(f"queries per dashboard: 10 units {admin_counts[:3]}, 500 units {admin_counts[3:]}")
    assert admin_counts[:3] == admin_counts[3:]
    db.session.expire_all()
    with counting_queries() as small_statements:
        campaign_standing(small, small.deliverables[0].deadline)
    db.session.expire_all()
    with counting_queries() as large_statements:
        campaign_standing(large, large.deliverables[0].deadline)
    assert len(small_statements) == len(large_statements)


def test_demo_fills_every_dashboard_column(app):
    seed_demo(password="Dashboard-Check-2026")
    db.session.commit()
    samr, xinxiang = demo_campaigns()
    now = utcnow()
    for campaign in (samr, xinxiang):
        progress = campaign_standing(campaign, now)
        first = campaign.deliverables[0]
        c = progress.tallies[first.id]
        assert all((c.due, c.reported, c.missing, c.draft, c.not_started, c.returned, c.submitted, c.accepted)), (
            campaign.title, c)
        returned = [cell for cell in progress.cells.values() if cell.state is S.returned]
        assert returned and all(cell.return_reason for cell in returned)
        assert any(cell.extension and cell.extension.reason for cell in progress.cells.values())
        assert progress.reported_times(first.id)
    # The SAMR annex 1 is due in a few days, so no one can be late yet; the Xinxiang report is overdue.
    assert campaign_standing(samr, now).tallies[samr.deliverables[0].id].late == 0  # as the README says
    assert progress.tallies[xinxiang.deliverables[0].id].reported_late
    assert progress.tallies[xinxiang.deliverables[0].id].overdue
    extended = [cell for cell in progress.cells.values() if cell.extension and cell.reported]
    assert extended and not any(cell.late for cell in extended)  # filed within its extension
    annex2 = campaign_standing(samr, now).tallies[samr.deliverables[1].id]
    assert annex2.reported and annex2.draft


def test_a_standing_owes_exactly_when_it_is_not_reported():
    now = utcnow()
    terms = Terms(1, now - timedelta(days=1), LatePolicy.flag, None, CampaignState.published)
    for state in S:
        row = SimpleNamespace(id=1, state=state, submitted_at=now - timedelta(days=2) if state.reported else None,
                              return_reason="原因", updated_at=None, returned_at=None, accepted_at=None)
        standing = stand(terms, 1, now, submission=row)
        assert standing.overdue is state.owes and standing.reported is not state.owes and standing.owing is state.owes
        assert standing.can_save is state.allows("save") and standing.can_withdraw is state.allows("withdraw")


def test_the_extension_moves_the_deadline_and_lateness_with_it():
    now = utcnow()
    deadline = now - timedelta(days=2)
    terms = Terms(1, deadline, LatePolicy.close, None, CampaignState.published)
    submitted = SimpleNamespace(id=1, state=S.submitted, submitted_at=deadline + timedelta(hours=1),
                                return_reason=None, updated_at=None, returned_at=None, accepted_at=None)
    assert stand(terms, 1, now, submission=submitted).reported_late
    extension = SimpleNamespace(deadline=deadline + timedelta(days=1))
    extended = stand(terms, 1, now, submission=submitted, extension=extension,
                     reminded=LastReminder("overdue_2", now, 3))
    assert not extended.reported_late and extended.deadline == extension.deadline
    assert extended.closes_at == extension.deadline and not extended.open and not extended.can_withdraw
    assert extended.reminders_sent == 3
    earlier = SimpleNamespace(deadline=deadline - timedelta(days=1))  # an extension never shortens
    assert stand(terms, 1, now, extension=earlier).deadline == deadline


def test_campaign_list_queries_do_not_grow_with_campaigns_or_units(app, client, make_user, make_campaign):
    coordinator = make_user(Role.coordinator)
    login(client, coordinator)

    def list_queries():
        db.session.expire_all()
        with counting_queries() as statements:
            response = client.get("/coordinator/")
        assert response.status_code == 200
        return len(statements), response.get_data(as_text=True)

    make_campaign(units=bulk_units(5, "a"), coordinator=coordinator)
    few, _ = list_queries()
    make_campaign(units=bulk_units(300, "b"), coordinator=coordinator)
    make_campaign(units=bulk_units(20, "c"), coordinator=coordinator)
    many, page = list_queries()
    assert few == many
    # per deliverable: 已报 n/应报, newest campaign first
    assert [int(n) for n in re.findall(r"已报 0/(\d+)", page)] == [20, 20, 300, 300, 5, 5]
