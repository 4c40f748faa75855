"""In Chromium: a coordinator creates the Xinxiang campaign from its preset, picks a subtree of
recipients, publishes, and a county bureau's reporter finds it in 待办."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Campaign, CampaignState, Role, Submission
from tests.browser import log_in, press_submit

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "新乡市水利局关于组织开展《质量强国建设纲要》学习活动的通知"


@pytest.fixture
def xinxiang(make_unit, make_user):
    bureau = make_unit("新乡市水利局")
    counties = [make_unit(name, parent=bureau) for name in ("卫辉市水利局", "辉县市水利局", "获嘉县水利局")]
    station = make_unit("卫辉市唐庄镇水利站", parent=counties[0])
    samr = make_unit("国家市场监督管理总局")
    beijing = make_unit("北京市市场监督管理局", parent=samr)
    db.session.commit()
    make_user(Role.coordinator, username="xinxiang")
    make_user(Role.reporter, unit=counties[0], username="weihui")
    return dict(bureau=bureau, counties=counties, station=station, beijing=beijing)




def test_coordinator_publishes_the_xinxiang_notice_to_a_subtree(page, live_server, xinxiang):
    log_in(page, live_server, "xinxiang", "/coordinator/")
    page.get_by_role("link", name="新建通知").click()
    page.get_by_label(TITLE).check()
    shift = page.get_by_label("把通知中的日期改到今年", exact=False)
    assert shift.is_checked()  # moving the dates to this year is the default
    page.get_by_role("button", name="创建草稿").click()
    page.wait_for_url("**/coordinator/campaigns/*")

    year = datetime.now(SHANGHAI).year
    deadline = datetime(year, 2, 27, 18, 0, tzinfo=SHANGHAI)
    assert f"{year}年2月27日" in page.locator("table.list").inner_text()

    page.get_by_role("link", name="选择报送单位").click()
    page.get_by_label("全部下级：新乡市水利局（4 个）").check()
    for unit in [*xinxiang["counties"], xinxiang["station"]]:
        assert page.locator(f"#unit-{unit.id}").is_checked()  # ticked by the script
    assert not page.locator(f"#unit-{xinxiang['bureau'].id}").is_checked()
    assert not page.locator(f"#unit-{xinxiang['beijing'].id}").is_checked()
    assert page.locator("[data-selected-count]").inner_text() == "已选 4 个单位"
    page.locator(f"#unit-{xinxiang['counties'][2].id}").uncheck()  # 获嘉 is left out after all
    assert not page.get_by_label("全部下级：新乡市水利局（4 个）").is_checked()
    assert page.locator("[data-selected-count]").inner_text() == "已选 3 个单位"
    page.get_by_role("button", name="保存报送单位").click()
    page.wait_for_url("**/coordinator/campaigns/*")
    assert "共 3 个" in page.locator(".flash-success").inner_text()

    page.get_by_role("link", name="核对并发布").click()
    if datetime.now(timezone.utc) > deadline:  # the shifted deadline has passed this year: a tick is required
        page.get_by_role("button", name="发布").click()
        page.wait_for_load_state()
        assert "仍要发布，请勾选确认" in page.content()
        page.get_by_label("截止时间已过，仍然发布").check()
    else:
        assert page.get_by_label("截止时间已过，仍然发布").count() == 0
    page.get_by_role("button", name="发布").click()
    page.wait_for_url("**/coordinator/campaigns/*")
    assert "3 个单位的待办中已列出" in page.locator(".flash-success").inner_text()
    assert not page.console_errors

    db.session.expire_all()
    campaign = db.session.scalar(sa.select(Campaign))
    assert campaign.state is CampaignState.published
    assert [u.name for u in campaign.recipients] == ["卫辉市水利局", "辉县市水利局", "卫辉市唐庄镇水利站"]
    filed_by = set(db.session.scalars(sa.select(Submission.unit_id)))
    assert filed_by == {xinxiang["counties"][0].id, xinxiang["counties"][1].id, xinxiang["station"].id}

    page.get_by_role("button", name="退出").click()
    log_in(page, live_server, "weihui", "/unit/")
    todo = page.locator("table.list").first  # 待报送
    assert TITLE in todo.inner_text()
    page.get_by_role("link", name="《质量强国建设纲要》学习活动情况").click()
    page.get_by_label("学习活动情况汇报", exact=True).fill("局党组召开专题会议传达学习《纲要》，组织干部职工集中学习两次。")
    for i, (title, author) in enumerate([("以质量强国建设引领水利高质量发展", "王建国"), ("学习《纲要》的几点体会", "李丽华")]):
        page.locator(f"#essays-{i}-title").fill(title)  # exactly two essays: both rows are there from the start
        page.locator(f"#essays-{i}-author").fill(author)
        page.locator(f"#essays-{i}-post").fill("卫辉市水利局工程股股长")
        page.locator(f"#essays-{i}-text").fill("质量是水利工程的生命线。")
    assert page.locator("#essays-2-title").count() == 0
    press_submit(page)
    page.wait_for_url("**/receipt")
    db.session.expire_all()
    submission = db.session.scalar(sa.select(Submission).filter_by(unit_id=xinxiang["counties"][0].id))
    assert [e["author"] for e in submission.data["essays"]] == ["王建国", "李丽华"]
    assert submission.receipt_no == page.locator(".receipt-no").inner_text()
