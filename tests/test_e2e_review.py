"""In Chromium: the coordinator filters the dashboard, returns a submission, and the unit sees why."""
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Role, Submission, SubmissionState
from campaign.services.submissions import save_draft, submit
from tests.browser import log_in

pytestmark = pytest.mark.browser
REASON = "“组织开展学习情况”过于简略，请补充集中学习的时间和参加人数。"


@pytest.fixture
def provinces(make_unit, make_user, make_campaign):
    beijing, tianjin, hebei = (make_unit(n) for n in ("北京市市场监督管理局", "天津市市场监督管理委员会", "河北省市场监督管理局"))
    reporter = make_user(Role.reporter, unit=beijing, username="beijing")
    drafter = make_user(Role.reporter, unit=hebei, username="hebei")
    coordinator = make_user(Role.coordinator, username="samr")
    campaign = make_campaign(units=[beijing, tianjin, hebei], coordinator=coordinator)
    annex1 = campaign.deliverables[0]
    mine = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=annex1.id, unit_id=beijing.id))
    submit(mine, {"study": "召开党组会专题学习。"}, base_version=None, user=reporter)
    draft = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=annex1.id, unit_id=hebei.id))
    save_draft(draft, {"study": "正在起草。"}, base_version=None, user=drafter)
    db.session.commit()
    return campaign, mine




def test_coordinator_returns_a_submission_and_the_reporter_sees_the_reason(page, live_server, provinces):
    campaign, submission = provinces
    log_in(page, live_server, "samr", "/coordinator/")
    page.get_by_role("link", name=campaign.title).click()
    page.wait_for_url(f"**/campaigns/{campaign.id}/progress")
    assert page.locator("svg.chart").count() == len(campaign.deliverables)

    page.get_by_label("报送事项").select_option(label="附件1")
    page.get_by_label("显示").select_option(label="未报")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**show=missing**")
    matrix = page.locator("#matrix tbody")
    assert matrix.get_by_text("天津市市场监督管理委员会").count() == 1
    assert matrix.get_by_text("河北省市场监督管理局").count() == 1
    assert matrix.get_by_text("北京市市场监督管理局").count() == 0

    page.get_by_label("显示").select_option(label="全部")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**show=all**")
    row = page.locator("#matrix tbody tr", has_text="北京市市场监督管理局")
    row.get_by_role("link", name="已报送").click()
    page.wait_for_url(f"**/submissions/{submission.id}")
    assert "召开党组会专题学习。" in page.locator(".content").inner_text()

    page.get_by_role("button", name="退回修改").click()  # no reason: refused next to the field
    assert "请填写退回原因" in page.locator(".return .errors").inner_text()
    page.get_by_label("退回原因").fill(REASON)
    page.get_by_role("button", name="退回修改").click()
    page.wait_for_url(f"**/submissions/{submission.id}")
    assert "已退回" in page.locator(".facts").inner_text()
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).state is SubmissionState.returned

    page.get_by_role("button", name="退出").click()
    log_in(page, live_server, "beijing", "/unit/")
    assert REASON in page.locator("table.list").first.inner_text()
    page.get_by_role("link", name="附件1").click()
    alert = page.get_by_role("alert").filter(has_text="已退回")
    assert REASON in alert.inner_text()
    assert page.get_by_label("组织开展学习情况").input_value() == "召开党组会专题学习。"
    assert not page.console_errors
