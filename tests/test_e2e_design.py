"""In Chromium: a coordinator who never sees YAML builds a two-annex campaign in 表单设计 — a table with a
repeatable group and a 没有 tick, an outline with a 字数 limit — moves a field with the keyboard, undoes it,
sees the preview change, publishes; a unit files the table it made."""
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Campaign, CampaignState, Role, Submission, SubmissionState
from tests.browser import log_in, press_submit

pytestmark = pytest.mark.browser


def field_box(page, number: int):
    return page.locator("fieldset.design-field").nth(number - 1)


def test_a_two_annex_campaign_built_in_the_designer_and_filed_by_a_unit(page, live_server, make_unit, make_user):
    city = make_unit("某市市场监督管理局")
    county = make_unit("某县市场监督管理局", parent=city)
    db.session.commit()
    make_user(Role.coordinator, username="shiju")
    make_user(Role.reporter, unit=county, username="xianju")

    log_in(page, live_server, "shiju", "/coordinator/")
    page.get_by_role("link", name="新建通知").click()
    page.get_by_role("link", name="从空白开始设计").click()
    page.get_by_label("通知标题").fill("关于报送2027年质量工作情况的通知")
    page.get_by_label("填报截止时间").fill("2027-03-31T17:30")
    page.get_by_role("button", name="创建并设计表格").click()
    page.wait_for_url("**/design")

    # 附件1: the first field is there to start from; it becomes 组织开展学习情况.
    page.get_by_label("表格标题（与通知附件标题一致）").fill("2027年质量工作情况表")
    page.get_by_label("名称（与通知原文一致）").first.fill("组织开展学习情况")
    # A repeatable group with three columns and a 没有 tick.
    page.get_by_label("新栏目的类型").select_option("rows")
    page.get_by_role("button", name="添加栏目").click()
    group = field_box(page, 2)
    group.get_by_label("名称（与通知原文一致）").fill("出台文件情况")
    group.get_by_label("第 1 列名称").fill("文件名称")
    group.get_by_role("button", name="增加一列").click()
    group.get_by_label("第 2 列名称").fill("发文主体")
    group.get_by_role("button", name="增加一列").click()
    group.get_by_label("第 3 列名称").fill("当前进展")
    group.get_by_label("“没有”选项（如“暂未出台…文件”，可不填）").fill("暂未出台文件")
    page.get_by_label("新栏目的类型").select_option("text")
    page.get_by_role("button", name="添加栏目").click()
    field_box(page, 3).get_by_label("名称（与通知原文一致）").fill("联系人")

    preview = page.locator("#preview")
    preview.get_by_text("暂未出台文件").wait_for()
    shown = preview.inner_text()
    assert shown.index("组织开展学习情况") < shown.index("出台文件情况") < shown.index("联系人")
    assert "增加一行" in shown  # a group starts with no rows, as the unit will see it

    # With the keyboard: 联系人 moves up one place, then Ctrl+Z puts it back.
    page.get_by_role("button", name="上移“联系人”").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#preview').innerText.indexOf('联系人') < "
                           "document.querySelector('#preview').innerText.indexOf('出台文件情况')")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "上移“联系人”"
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.querySelector('#preview').innerText.indexOf('联系人') > "
                           "document.querySelector('#preview').innerText.indexOf('出台文件情况')")
    assert "已撤销上一步修改。" in page.locator("[data-design-status]").inner_text()

    page.get_by_role("button", name="保存表单").click()
    page.wait_for_load_state()
    assert "表单已保存" in page.locator(".flash-success").inner_text()

    # 附件2: an outline of two sections with 3000 字 over both.
    page.get_by_role("link", name="关于报送2027年质量工作情况的通知").click()
    page.get_by_role("button", name="增加报送事项，在表单设计中制作表格").click()
    page.wait_for_url("**/design")
    page.get_by_label("表格标题（与通知附件标题一致）").fill("2027年质量工作总结")
    first = field_box(page, 1)
    first.get_by_label("类型").select_option("section")
    field_box(page, 1).get_by_label("名称（与通知原文一致）").fill("一、学习情况")
    page.get_by_label("新栏目的类型").select_option("section")
    page.get_by_role("button", name="添加栏目").click()
    field_box(page, 2).get_by_label("名称（与通知原文一致）").fill("二、主要做法")
    page.get_by_role("button", name="增加合计字数限制").click()
    page.get_by_label("名称（如“工作总结”）").fill("工作总结")
    page.locator("#preview").get_by_text("工作总结字数控制在 3000 字以内。").wait_for()
    page.get_by_role("button", name="保存表单").click()
    page.wait_for_load_state()
    assert "表单已保存" in page.locator(".flash-success").inner_text()
    assert not page.console_errors

    db.session.expire_all()
    campaign = db.session.scalar(sa.select(Campaign))
    annex1, annex2 = campaign.deliverables
    assert [f["label"] for f in annex1.form["fields"]] == ["组织开展学习情况", "出台文件情况", "联系人"]
    group = annex1.form["fields"][1]
    assert [c["label"] for c in group["columns"]] == ["文件名称", "发文主体", "当前进展"]
    assert group["none_label"] == "暂未出台文件"
    assert annex2.form["limits"][0]["max_words"] == 3000 and len(annex2.form["limits"][0]["fields"]) == 2

    page.get_by_role("link", name="关于报送2027年质量工作情况的通知").click()
    page.get_by_role("link", name="选择报送单位").click()
    page.locator(f"#unit-{county.id}").check()
    page.get_by_role("button", name="保存报送单位").click()
    page.wait_for_url("**/coordinator/campaigns/*")
    page.get_by_role("link", name="核对并发布").click()
    page.get_by_role("button", name="发布").click()
    page.wait_for_url("**/coordinator/campaigns/*")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state is CampaignState.published

    # The county files the table the coordinator made.
    page.goto(live_server + "/auth/logout")
    page.context.clear_cookies()
    log_in(page, live_server, "xianju", "/unit/")
    page.get_by_role("link", name="2027年质量工作情况表").first.click()
    page.get_by_label("组织开展学习情况").fill("集中学习三次。")
    page.get_by_role("button", name="增加一行").click()
    page.get_by_label("文件名称", exact=False).first.fill("某县质量工作方案")
    page.get_by_label("发文主体", exact=False).first.fill("某县人民政府")
    page.get_by_label("当前进展", exact=False).first.fill("已印发")
    page.get_by_label("联系人").fill("李四")
    press_submit(page)
    page.wait_for_url("**/receipt")
    db.session.expire_all()
    submission = db.session.scalar(sa.select(Submission).where(Submission.deliverable_id == annex1.id,
                                                               Submission.unit_id == county.id))
    assert submission.state is SubmissionState.submitted
    keys = [f["key"] for f in annex1.form["fields"]]
    assert submission.data[keys[0]] == "集中学习三次。"
    assert list(submission.data[keys[1]][0].values()) == ["某县质量工作方案", "某县人民政府", "已印发"]
    assert not page.console_errors
