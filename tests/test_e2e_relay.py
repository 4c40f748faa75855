"""In Chromium, three levels deep: the ministry publishes, the province relays with an earlier deadline,
two cities file, the province compiles their material up, edits and submits, and the ministry sees the
province's submission with its 下级报送 figure, opens the province's round read-only and downloads the
汇总表 holding what the cities wrote."""
import io
import openpyxl
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Campaign, Gathering, Role, Submission, SubmissionState
from tests.browser import fill_annex1, log_in, press_submit

pytestmark = pytest.mark.browser

ZHENGZHOU_STUDY = "郑州市局召开党组会专题学习《纲要》，全体班子成员参加。"
KAIFENG_STUDY = "开封市局组织全系统干部线上学习。"
SHARED = ("河南省贯彻落实《纲要》实施方案", "河南省委、省政府", "已印发")


@pytest.fixture
def chain(make_unit, make_user, make_campaign):
    henan, hebei = make_unit("河南省市场监督管理局"), make_unit("河北省市场监督管理局")
    cities = [make_unit(name, parent=henan) for name in ("郑州市市场监督管理局", "开封市市场监督管理局",
                                                         "洛阳市市场监督管理局")]
    make_user(Role.reporter, unit=henan, username="henan")
    for code, city in zip(("zhengzhou", "kaifeng", "luoyang"), cities):
        make_user(Role.reporter, unit=city, username=code)
    coordinator = make_user(Role.coordinator, username="samr")
    campaign = make_campaign(units=[henan, hebei], coordinator=coordinator, days_left=15, publish_it=False)
    return campaign, henan, cities


def log_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/auth/login**")


def file_as_city(page, base, username, study, documents):
    log_in(page, base, username, "/unit/")
    assert "河南省市场监督管理局" in page.locator("table.list").first.inner_text()  # the relay, not the ministry's notice
    page.get_by_role("link", name="附件1").click()
    fill_annex1(page, study=study, documents=documents)
    press_submit(page)
    page.wait_for_url("**/receipt")
    log_out(page)


def test_ministry_province_city_and_back_up(page, live_server, chain, tmp_path):
    campaign, henan, cities = chain
    annex1 = campaign.deliverables[0]

    # The ministry publishes.
    log_in(page, live_server, "samr", "/coordinator/")
    page.goto(f"{live_server}/coordinator/campaigns/{campaign.id}")
    page.get_by_role("link", name="核对并发布").click()
    page.get_by_role("button", name="发布").click()
    page.wait_for_url(f"**/campaigns/{campaign.id}")
    log_out(page)

    # The province relays to two of its cities with an earlier deadline.
    log_in(page, live_server, "henan", "/unit/")
    page.get_by_role("link", name="转发给下级").first.click()
    page.wait_for_url(f"**/relays/new/{campaign.id}")
    page.locator("#deliverables-1-chosen").uncheck()  # 附件2 stays with the province this time
    page.get_by_role("button", name="创建转发通知（草稿）").click()
    page.wait_for_url("**/recipients")
    assert "河北省市场监督管理局" not in page.content()  # only its own subtree is offered
    page.get_by_label("郑州市市场监督管理局").check()
    page.get_by_label("开封市市场监督管理局").check()
    page.get_by_role("button", name="保存报送单位").click()
    page.get_by_role("link", name="核对并发布").click()
    page.get_by_role("button", name="发布").click()
    relay = db.session.scalar(sa.select(Campaign).where(Campaign.relays_campaign_id == campaign.id))
    assert relay is not None and relay.deliverables[0].deadline < annex1.deadline
    log_out(page)

    # Two cities file.
    file_as_city(page, live_server, "zhengzhou", ZHENGZHOU_STUDY, [SHARED, ("郑州市质量强市行动方案", "郑州市政府", "起草中")])
    file_as_city(page, live_server, "kaifeng", KAIFENG_STUDY, [SHARED])

    # The province compiles up, edits and submits.
    log_in(page, live_server, "henan", "/unit/")
    page.get_by_role("link", name="附件1").click()
    panel = page.locator("section.relay")
    assert "已报 2 家 / 应报 2 家" in panel.inner_text()
    panel.get_by_role("link", name="从下级材料生成草稿").click()
    assert ZHENGZHOU_STUDY in page.locator("dl.diff").inner_text()
    page.get_by_role("button", name="确认汇入草稿").click()
    page.wait_for_url(f"**/unit/deliverables/{annex1.id}")
    study = page.get_by_label("组织开展学习情况")
    assert study.input_value().startswith("【郑州市市场监督管理局】" + ZHENGZHOU_STUDY)
    assert page.locator("#documents-0-name").input_value() == SHARED[0]
    assert page.locator("#documents-1-name").input_value() == "郑州市质量强市行动方案"
    assert page.locator("#documents-2-name").count() == 0  # the shared document once
    study.fill(study.input_value() + "\n\n省局汇总：各地市均已开展集中学习。")
    page.get_by_label("联系人", exact=True).fill("王建国")
    page.get_by_label("联系电话").fill("0371-12345678")
    page.get_by_role("button", name="保存草稿").first.click()
    page.get_by_role("button", name="附上本级汇总表 / 汇编").click()
    assert "汇总表" in page.locator("ul.uploads").inner_text()
    press_submit(page)
    page.wait_for_url("**/receipt")
    log_out(page)

    db.session.expire_all()
    own = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=annex1.id, unit_id=henan.id))
    assert own.state is SubmissionState.submitted and "省局汇总" in own.data["study"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Gathering).filter_by(submission_id=own.id)) == 1

    # The ministry sees it, drills down read-only, and downloads the 汇总表.
    log_in(page, live_server, "samr", "/coordinator/")
    page.goto(f"{live_server}/coordinator/campaigns/{campaign.id}/progress")
    row = page.locator("tr", has_text="河南省市场监督管理局")
    assert "已报送" in row.inner_text() and "下级报送 2/2" in row.inner_text()
    row.get_by_role("link", name="河南省市场监督管理局 附件1：已报送").click()
    assert "附件" in page.locator("ul.uploads").inner_text()  # the province's own rollups came along
    page.go_back()
    row = page.locator("tr", has_text="河南省市场监督管理局")
    row.get_by_role("link", name="河南省市场监督管理局的下级报送进度").click()
    page.wait_for_url(f"**/campaigns/{relay.id}/progress")
    assert "此页只供查看" in page.content() and page.get_by_role("button", name="退回修改").count() == 0
    page.goto(f"{live_server}/reports/campaigns/{campaign.id}")
    with page.expect_download() as info:
        page.locator("section.rollup", has_text="附件1").get_by_role("link", name="汇总表（Excel）").click()
    path = tmp_path / "summary.xlsx"
    info.value.save_as(path)
    cells = [str(v) for row in openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True).worksheets[0].iter_rows(values_only=True)
             for v in row if v is not None]
    assert any(ZHENGZHOU_STUDY in c and KAIFENG_STUDY in c and "省局汇总" in c for c in cells)
    assert SHARED[0] in cells and "郑州市质量强市行动方案" in cells
    assert not page.console_errors
