"""In Chromium: a provincial reporter fills and submits both SAMR annexes."""
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Role, Submission, SubmissionState
from tests.browser import fill_annex1, log_in, press_submit

pytestmark = pytest.mark.browser


@pytest.fixture
def beijing(make_unit, make_user, make_campaign):
    unit = make_unit("北京市市场监督管理局")
    reporter = make_user(Role.reporter, unit=unit, username="beijing")
    campaign = make_campaign(units=[unit, make_unit("天津市市场监督管理委员会")])
    return unit, reporter, campaign




def test_reporter_fills_both_annexes_and_gets_receipts(page, live_server, beijing):
    unit, reporter, campaign = beijing
    log_in(page, live_server, "beijing", "/unit/")

    page.get_by_role("link", name="附件1").click()
    fill_annex1(page, leader="省委书记作出批示，要求抓好《纲要》贯彻落实。", study="召开党组理论学习中心组专题学习会。",
                documents=[("实施方案", "市委、市政府", "已印发"), ("工作要点", "市市场监管局", "起草中")])
    press_submit(page)
    page.wait_for_url("**/receipt")
    assert "报送回执" in page.content()
    receipt = page.locator(".receipt-no").inner_text()
    assert receipt.startswith("HZ")

    db.session.expire_all()
    a1 = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=campaign.deliverables[0].id, unit_id=unit.id))
    assert a1.state is SubmissionState.submitted and a1.receipt_no == receipt
    assert [d["name"] for d in a1.data["documents"]] == ["实施方案", "工作要点"]

    page.goto(live_server + "/unit/")
    page.get_by_role("link", name="附件2").click()
    counter = page.locator(".wordcount.total")
    keys = ["learning", "documents", "activities", "experience", "exemplars"]
    for key in keys:
        page.locator(f"#{key}").fill("学" * 540)
    assert "is-warning" in counter.get_attribute("class")          # 2700 of 3000: amber
    page.locator("#exemplars").fill("学" * 841)                      # 3001
    assert "is-over" in counter.get_attribute("class")
    assert "还需删减 1 字" in counter.inner_text()
    press_submit(page)
    page.wait_for_load_state()
    assert "共 3001 字" in page.content() and "还需删减 1 字" in page.content()
    assert page.locator("#learning").input_value() == "学" * 540     # nothing lost
    page.locator("#exemplars").fill("学" * 840)
    assert "is-warning" in counter.get_attribute("class")
    press_submit(page)
    page.wait_for_url("**/receipt")
    assert not page.console_errors


def test_autosave_keeps_a_draft_while_typing(page, live_server, beijing):
    unit, reporter, campaign = beijing
    log_in(page, live_server, "beijing", "/unit/")
    page.goto(f"{live_server}/unit/deliverables/{campaign.deliverables[0].id}")
    page.get_by_label("组织开展学习情况").press_sequentially("边写边自动保存")
    page.locator("[data-autosave-status]").filter(has_text="已自动保存").wait_for(timeout=10_000)
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=campaign.deliverables[0].id, unit_id=unit.id))
    assert stored.data["study"] == "边写边自动保存" and stored.state is SubmissionState.draft
