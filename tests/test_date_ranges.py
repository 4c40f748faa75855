"""Every date a user types lies in 2000–2100, refused in Chinese beside the field otherwise; one deliverable
with impossible dates does not stop anyone else's reminders."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from campaign.definitions.deliverables import load_deliverables_text
from campaign.definitions.schema import InvalidDefinition
from campaign.extensions import db
from campaign.models import Extension, Role
from campaign.services.reminders import run_pass
from campaign.services.submissions import get_submission
from tests.conftest import login

FAR = ["9999-12-31T23:59", "0001-01-01T00:00", "1999-12-31T23:59", "2101-01-01T00:00"]


@pytest.fixture
def scene(make_unit, make_user, make_campaign):
    unit = make_unit("北京市市场监督管理局")
    make_user(Role.reporter, unit=unit)
    campaign = make_campaign(units=[unit])
    return campaign, unit


@pytest.mark.parametrize("value", FAR)
def test_an_extension_far_off_is_refused_beside_the_field(client, scene, value):
    campaign, unit = scene
    login(client, campaign.coordinators[0])
    submission = get_submission(campaign.deliverables[0], unit)
    db.session.commit()
    response = client.post(f"/coordinator/submissions/{submission.id}/extension",
                           data={"deadline": value, "reason": "汛期"})
    assert response.status_code == 400 and "请填写 2000 年至 2100 年之间的日期" in response.get_data(as_text=True)
    assert "汛期" in response.get_data(as_text=True)  # the reason typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Extension)) == 0


@pytest.mark.parametrize("value", FAR)
def test_campaign_deadlines_far_off_are_refused_in_edit_and_definitions(client, scene, value):
    campaign, _ = scene
    login(client, campaign.coordinators[0])
    data = {"title": campaign.title, "deliverables-0-id": str(campaign.deliverables[0].id),
            "deliverables-0-deadline": value, "deliverables-0-late_policy": "flag",
            "deliverables-1-id": str(campaign.deliverables[1].id),
            "deliverables-1-deadline": "2030-01-01T00:00", "deliverables-1-late_policy": "flag"}
    response = client.post(f"/coordinator/campaigns/{campaign.id}/edit", data=data)
    assert response.status_code == 400 and "2000 年至 2100 年" in response.get_data(as_text=True)
    response = client.post("/coordinator/campaigns/new/definition", data={
        "title": "测试", "definition": "title: 表\nfields:\n  - key: a\n    type: text\n    label: 甲\n", "deadline": value})
    assert response.status_code == 400 and "2000 年至 2100 年" in response.get_data(as_text=True)


def test_a_definitions_own_deadline_far_off_is_refused_with_its_line():
    with pytest.raises(InvalidDefinition) as caught:
        load_deliverables_text("title: 表\ndeadline: 9999-12-31\nfields:\n  - key: a\n    type: text\n    label: 甲\n")
    assert "2000 年至 2100 年" in str(caught.value.errors[0]) and caught.value.errors[0].line == 2


def test_one_deliverable_with_impossible_dates_does_not_stop_the_reminders(app, scene, make_unit, make_campaign):
    campaign, unit = scene
    # Stored before the ranges were enforced: the runner must go on with the rest.
    db.session.add(Extension(deliverable_id=campaign.deliverables[0].id, unit_id=unit.id,
                             deadline=datetime(9999, 12, 31, tzinfo=timezone.utc), reason="旧数据"))
    other_unit = make_unit("天津市市场监督管理委员会", email="tj@units.example.cn")
    make_campaign(units=[other_unit])
    db.session.commit()
    shanghai = ZoneInfo("Asia/Shanghai")
    tomorrow = datetime.now(shanghai).date() + timedelta(days=1)
    report = run_pass(datetime.combine(tomorrow, time(10, 0), shanghai), dry_run=True)  # outside quiet hours
    assert any(o.unit == "天津市市场监督管理委员会" for o in report.outcomes)


def test_cli_refuses_a_far_off_now(runner):
    result = runner.invoke(args=["reminders", "run", "--now", "9999-12-31T00:00"])
    assert result.exit_code != 0 and "2000 年至 2100 年" in result.output
