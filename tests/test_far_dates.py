"""Dates stored before the 2000–2100 range was enforced (a deadline or extension of 9999-12-31 put in the
database directly or by an older version) never make a page, a rollup or the reminders runner fail."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from campaign.extensions import db
from campaign.models import Extension, Role
from campaign.reports import kinds
from campaign.services.submissions import get_submission
from campaign.timefmt import format_instant, format_short, local
from tests.conftest import login

FAR = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)


@pytest.fixture
def far_scene(make_unit, make_user, make_campaign):
    unit = make_unit("北京市市场监督管理局", email="bj@units.example.cn")
    reporter = make_user(Role.reporter, unit=unit)
    campaign = make_campaign(units=[unit])
    first = campaign.deliverables[0]
    first.deadline = FAR  # as an older version or a hand edit stored it
    db.session.add(Extension(deliverable_id=campaign.deliverables[1].id, unit_id=unit.id, deadline=FAR,
                             reason="旧数据"))
    db.session.commit()
    return campaign, unit, reporter


def test_local_time_near_the_end_of_the_calendar_is_clamped_not_an_overflow():
    assert local(FAR, "Asia/Shanghai").year == 9999
    assert format_instant(FAR, "Asia/Shanghai").startswith("9999年12月31日")
    assert format_short(datetime(1, 1, 1, tzinfo=timezone.utc), "Asia/Shanghai").startswith("0001-01-01")


def test_progress_page_shows_a_far_deadline(client, far_scene):
    campaign, unit, _ = far_scene
    login(client, campaign.coordinators[0])
    response = client.get(f"/coordinator/campaigns/{campaign.id}")
    assert response.status_code == 200 and "9999" in response.get_data(as_text=True)
    response = client.get(f"/coordinator/campaigns/{campaign.id}/edit")
    assert response.status_code == 200
    for deliverable in campaign.deliverables[:2]:
        response = client.get(f"/coordinator/campaigns/{campaign.id}/progress?d={deliverable.id}")
        assert response.status_code == 200 and "9999" in response.get_data(as_text=True)
    submission = get_submission(campaign.deliverables[1], unit)
    db.session.commit()
    response = client.get(f"/coordinator/submissions/{submission.id}")
    assert response.status_code == 200 and "9999" in response.get_data(as_text=True)


def test_unit_form_shows_a_far_deadline_and_a_far_extension(client, far_scene):
    campaign, _, reporter = far_scene
    login(client, reporter)
    assert client.get("/unit/").status_code == 200
    for deliverable in campaign.deliverables[:2]:
        response = client.get(f"/unit/deliverables/{deliverable.id}")
        assert response.status_code == 200 and "9999" in response.get_data(as_text=True)


def test_rollups_are_built_with_a_far_deadline(client, far_scene):
    campaign, _, _ = far_scene
    login(client, campaign.coordinators[0])
    assert client.get(f"/reports/campaigns/{campaign.id}").status_code == 200
    for deliverable in campaign.deliverables:
        for kind in kinds(deliverable.form):
            response = client.get(f"/reports/campaigns/{campaign.id}/deliverables/{deliverable.id}/{kind.key}")
            assert response.status_code in (200, 302), (deliverable.key, kind.key)
            assert response.status_code == 302 or len(response.data) > 1000


def test_reminders_run_goes_past_a_far_deadline(runner, far_scene):
    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime.combine(datetime.now(shanghai).date() + timedelta(days=1), time(10, 0), shanghai)
    result = runner.invoke(args=["reminders", "run", "--dry-run", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    assert "试运行" in result.output
