"""In Chromium, the whole round: a unit files both annexes, the coordinator returns one with a reason,
the unit corrects and resubmits, and the coordinator downloads the 汇总表 holding the corrected text."""
import io
import openpyxl
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Role, Revision, Submission, SubmissionState
from tests.browser import fill_annex1, log_in, press_submit

pytestmark = pytest.mark.browser

REASON = "请补充集中学习的时间和参加人数。"
FIRST = "召开党组理论学习中心组专题学习会。"
CORRECTED = "2023年3月6日召开党组理论学习中心组专题学习会，局领导班子和各处室负责人共42人参加。"
DOCUMENTS = [("关于贯彻落实《质量强国建设纲要》的实施方案", "市委、市政府", "已印发"),
             ("2023年质量工作要点", "市市场监管局", "起草中，预计4月印发")]


@pytest.fixture
def round_trip(make_unit, make_user, make_campaign):
    beijing = make_unit("北京市市场监督管理局")
    make_user(Role.reporter, unit=beijing, username="beijing")
    coordinator = make_user(Role.coordinator, username="samr")
    campaign = make_campaign(units=[beijing, make_unit("天津市市场监督管理委员会")], coordinator=coordinator)
    return campaign, beijing




def log_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/auth/login**")


def file_annex1(page):
    page.get_by_role("link", name="附件1").click()
    fill_annex1(page, study=FIRST, documents=DOCUMENTS, publicity="开设“质量强国”专栏。",
                experience="清单化推进，季度调度。")
    press_submit(page)
    page.wait_for_url("**/receipt")
    assert page.locator(".receipt-no").inner_text().startswith("HZ")


def file_annex2_near_the_limit(page):
    page.get_by_role("link", name="返回待办").click()
    page.get_by_role("link", name="附件2").click()
    counter = page.locator(".wordcount.total")
    for key in ["learning", "documents", "activities", "experience", "exemplars"]:
        page.locator(f"#{key}").fill("学" * 560)                       # 2,800 of 3,000
    assert "is-warning" in counter.get_attribute("class")
    page.locator("#exemplars").fill("学" * 560 + "再补充一段较长的典型案例说明" * 20)
    assert "is-over" in counter.get_attribute("class")
    assert "还需删减" in counter.inner_text()
    page.locator("#exemplars").fill("学" * 560 + "典型案例")                 # cut back: 2,804
    assert "is-warning" in counter.get_attribute("class")
    assert "is-over" not in counter.get_attribute("class")
    press_submit(page)
    page.wait_for_url("**/receipt")


def test_file_return_correct_resubmit_and_download(page, live_server, round_trip, tmp_path):
    campaign, beijing = round_trip
    annex1 = campaign.deliverables[0]

    log_in(page, live_server, "beijing", "/unit/")
    file_annex1(page)
    file_annex2_near_the_limit(page)
    log_out(page)

    log_in(page, live_server, "samr", "/coordinator/")
    page.get_by_role("link", name=campaign.title).click()
    page.wait_for_url(f"**/campaigns/{campaign.id}/progress")
    page.get_by_label("报送事项").select_option(label="附件1")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(f"**/progress?d={annex1.id}**")
    page.get_by_role("link", name="北京市市场监督管理局 附件1：已报送").click()
    assert FIRST in page.locator(".content").inner_text()
    page.get_by_label("退回原因").fill(REASON)
    page.get_by_role("button", name="退回修改").click()
    assert "已退回" in page.locator(".facts").inner_text()
    log_out(page)

    log_in(page, live_server, "beijing", "/unit/")
    assert REASON in page.locator("table.list").first.inner_text()
    page.get_by_role("link", name="附件1").click()
    assert REASON in page.get_by_role("alert").filter(has_text="已退回").inner_text()
    assert page.locator("#documents-1-name").input_value() == DOCUMENTS[1][0]   # the earlier filing is all there
    page.get_by_label("组织开展学习情况").fill(CORRECTED)
    press_submit(page)
    page.wait_for_url("**/receipt")
    assert "第 2 次" in page.locator(".facts").inner_text()
    log_out(page)

    db.session.expire_all()
    stored = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=annex1.id, unit_id=beijing.id))
    assert stored.state is SubmissionState.submitted and stored.data["study"] == CORRECTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Revision)
                             .filter_by(submission_id=stored.id)) == 2

    log_in(page, live_server, "samr", "/coordinator/")
    page.get_by_role("link", name="汇总下载").click()
    section = page.locator("section.rollup", has_text="附件1")
    with page.expect_download() as info:
        section.get_by_role("link", name="汇总表（Excel）").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx") and "汇总表" in download.suggested_filename
    path = tmp_path / "rollup.xlsx"
    download.save_as(path)

    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True).worksheets[0]
    cells = [str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None]
    assert CORRECTED in cells and FIRST not in cells
    for name, issuer, progress in DOCUMENTS:
        assert name in cells and issuer in cells and progress in cells
    assert "北京市市场监督管理局" in cells
    assert not page.console_errors
