from campaign.models import Role
from tests.conftest import login


def test_reporter_sees_todo_and_form(client, make_unit, make_user, make_campaign):
    unit = make_unit("北京市市场监督管理局")
    reporter = make_user(Role.reporter, unit=unit)
    campaign = make_campaign(units=[unit])
    login(client, reporter)
    page = client.get("/unit/").get_data(as_text=True)
    assert "《质量强国建设纲要》学习宣传贯彻情况表" in page
    d = campaign.deliverables[0]
    page = client.get(f"/unit/deliverables/{d.id}").get_data(as_text=True)
    assert "领导同志批示情况" in page
