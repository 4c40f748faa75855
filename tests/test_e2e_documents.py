"""In Chromium: a clerk downloads the 附件1 template, fills it (as Excel would), uploads it, sees the comparison,
confirms and submits; a Word 工作总结 with headings typed as body text lands in the five sections with the
right 字数; a coordinator drops a .zip of e-mailed files and files them as 代报."""
import zipfile

import docx
import openpyxl
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.forms.wordcount import count_words
from campaign.models import Role, Submission, SubmissionState
from campaign.reports.template import TABLE_SHEET
from tests.browser import log_in, press_submit
from tests.document_files import plain_table
from tests.rollup_data import annex1_data

pytestmark = pytest.mark.browser

SECTIONS = ["党组会传达学习《纲要》，主要负责同志作出批示。", "以局党组名义印发实施方案。", "开展质量月宣传活动，发布解读文章12篇。",
            "坚持学用结合，清单化推进。", "培育质量提升示范项目5个。"]


@pytest.fixture
def campaign_of_samr(make_unit, make_user, make_campaign):
    beijing, tianjin = make_unit("北京市市场监督管理局"), make_unit("天津市市场监督管理委员会")
    make_user(Role.reporter, unit=beijing, username="beijing")
    coordinator = make_user(Role.coordinator, username="samr")
    return make_campaign(units=[beijing, tianjin], coordinator=coordinator), beijing, tianjin


def test_clerk_fills_the_template_offline_uploads_confirms_and_submits(page, live_server, campaign_of_samr, tmp_path):
    campaign, beijing, _ = campaign_of_samr
    annex1 = campaign.deliverables[0]
    log_in(page, live_server, "beijing", "/unit/")
    page.get_by_role("link", name="附件1").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载本单位的 Excel 填报模板").click()
    path = tmp_path / "template.xlsx"
    info.value.save_as(path)
    book = openpyxl.load_workbook(path)
    ws = book[TABLE_SHEET]
    h = next(r for r in range(1, 12) if ws.cell(r, 4).value == "文件名称")
    values = {2: "主要负责同志作出批示。", 3: "召开党组理论学习中心组专题学习会。", 7: "开设专栏。", 8: "清单化推进。"}
    for column, text in values.items():
        ws.cell(h + 1, column).value = text
    for i, row in enumerate([("贯彻落实《纲要》实施方案", "市委、市政府", "已印发"), ("质量工作要点", "市局", "起草中")]):
        for c, value in enumerate(row, start=4):
            ws.cell(h + 1 + i, c).value = value
    for row in ws.iter_rows(min_row=h + 1):
        for cell in row:
            if cell.value == "联系人":
                ws.cell(cell.row, 2).value = "王建国"
            elif cell.value == "联系电话":
                ws.cell(cell.row, 2).value = "010-12345678"
    book.save(path)

    page.get_by_label("上传填好的 Excel 填报表").set_input_files(str(path))
    page.get_by_role("button", name="上传并对照").click()
    page.wait_for_url("**/upload/*")
    assert "召开党组理论学习中心组专题学习会。" in page.locator("dl.diff").inner_text()
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url(f"**/unit/deliverables/{annex1.id}")
    assert page.get_by_label("组织开展学习情况").input_value() == values[3]
    assert page.locator("#documents-1-name").input_value() == "质量工作要点"
    press_submit(page)
    page.wait_for_url("**/receipt")
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=annex1.id, unit_id=beijing.id))
    assert stored.state is SubmissionState.submitted and stored.data["contact_name"] == "王建国"
    assert not page.console_errors


def test_word_summary_goes_into_the_five_sections_with_the_right_count(page, live_server, campaign_of_samr, tmp_path):
    campaign, beijing, _ = campaign_of_samr
    document = docx.Document()
    document.add_paragraph("北京市市场监督管理局学习宣传贯彻《质量强国建设纲要》工作总结")
    for heading, body in zip(["一、学习《纲要》有关情况", "二、出台《纲要》贯彻落实文件情况", "三、开展的重要学习宣传贯彻活动情况和取得的成效",
                              "四、学习宣传贯彻工作中好的经验、做法", "五、涌现出的先进典型和示范案例"], SECTIONS):
        document.add_paragraph(heading)
        document.add_paragraph(body)
    path = tmp_path / "工作总结.docx"
    document.save(path)
    log_in(page, live_server, "beijing", "/unit/")
    page.get_by_role("link", name="附件2").click()
    page.get_by_label("上传 Word 工作总结").set_input_files(str(path))
    page.get_by_role("button", name="上传并对照").click()
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url(f"**/unit/deliverables/{campaign.deliverables[1].id}")
    for key, body in zip(["learning", "documents", "activities", "experience", "exemplars"], SECTIONS):
        assert page.locator(f"#{key}").input_value() == body
    total = sum(count_words(body) for body in SECTIONS)
    assert f"{total}" in page.locator(".wordcount.total").inner_text()


def test_coordinator_drops_a_zip_and_the_units_are_filed(page, live_server, campaign_of_samr, tmp_path):
    campaign, beijing, tianjin = campaign_of_samr
    archive = tmp_path / "邮件附件.zip"
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("北京市市场监督管理局附件1.xlsx", plain_table(None, annex1_data(1)))
        package.writestr("天津.xlsx", plain_table("填报单位：天津市市场监督管理委员会", annex1_data(2)))
        package.writestr("说明.xlsx", b"not a spreadsheet")
    log_in(page, live_server, "samr", "/coordinator/")
    page.goto(f"{live_server}/coordinator/campaigns/{campaign.id}")
    page.get_by_role("link", name="代录附件1（导入单位用邮件报来的文件）").click()
    page.get_by_label("选择文件（可多选，或上传一个 .zip 压缩包）").set_input_files(str(archive))
    page.get_by_role("button", name="上传并核对").click()
    assert "可导入 2 个，不能导入 1 个" in page.content()
    page.get_by_role("button", name="确认代报 2 个单位").click()
    page.wait_for_url(f"**/campaigns/{campaign.id}/progress")
    assert "已代报 2 个单位的材料，1 个文件未导入。" in page.content()
    db.session.expire_all()
    for unit in (beijing, tianjin):
        stored = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=campaign.deliverables[0].id,
                                                                   unit_id=unit.id))
        assert stored.state is SubmissionState.submitted
