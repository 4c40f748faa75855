"""A clerk's day in Chromium: the moments that made clerks phone the coordinator (refused 报送,
irreversible steps, a lost session, a phone screen, two tabs)."""
import re

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Role, Submission, SubmissionState
from campaign.services.submissions import get_submission, submit
from tests.browser import fill_annex1, log_in
from tests.helpers import annex1

pytestmark = pytest.mark.browser


@pytest.fixture
def clerk(make_unit, make_user, make_campaign):
    unit = make_unit("河南省市场监督管理局")
    reporter = make_user(Role.reporter, unit=unit, username="henan")
    campaign = make_campaign(units=[unit, make_unit("湖北省市场监督管理局")])
    db.session.commit()
    return {"unit": unit, "reporter": reporter, "campaign": campaign, "annex1": campaign.deliverables[0],
            "annex2": campaign.deliverables[1]}


def stored(deliverable, unit) -> Submission | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission).filter_by(deliverable_id=deliverable.id, unit_id=unit.id))


def test_a_refused_submit_lists_every_problem_with_a_link_and_takes_the_focus(live_server, page, clerk):
    log_in(page, live_server, "henan", "/unit/")
    page.goto(f"{live_server}/unit/deliverables/{clerk['annex1'].id}")
    page.locator("#study").fill("召开党组会专题学习。")
    page.get_by_role("button", name="报送", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="确认报送").click()
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    links = summary.get_by_role("link")
    texts = links.all_inner_texts()
    count = int(re.search(r"请修改以下 (\d+) 处", summary.inner_text()).group(1))
    assert count == len(texts) >= 3
    assert any(t.startswith("领导同志批示情况：") for t in texts)
    assert any("出台贯彻落实《纲要》文件情况" in t for t in texts)
    # Following a link puts the cursor in that field, ready to type.
    summary.get_by_role("link", name=re.compile("^领导同志批示情况")).click()
    assert page.evaluate("document.activeElement.id") == "leader_instructions"
    page.keyboard.type("主要负责同志作出批示。")
    assert page.locator("#study").input_value() == "召开党组会专题学习。"  # nothing lost
    assert stored(clerk["annex1"], clerk["unit"]).state is not SubmissionState.submitted


def test_submitting_asks_first_in_the_page_and_cancel_keeps_the_draft(live_server, page, clerk):
    log_in(page, live_server, "henan", "/unit/")
    page.goto(f"{live_server}/unit/deliverables/{clerk['annex1'].id}")
    fill_annex1(page, study="召开党组会专题学习。", documents=[("实施方案", "省委、省政府", "已印发")])
    page.on("dialog", lambda d: pytest.fail(f"a native dialog appeared: {d.message}"))
    page.get_by_role("button", name="报送", exact=True).click()
    dialog = page.get_by_role("dialog")
    assert dialog.is_visible() and "报送后如需修改须先撤回" in dialog.inner_text()
    page.keyboard.press("Escape")  # the keyboard closes it; nothing was sent
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.textContent.trim()") == "报送"
    saved = stored(clerk["annex1"], clerk["unit"])
    assert saved is None or saved.state is not SubmissionState.submitted
    page.get_by_role("button", name="报送", exact=True).click()
    dialog.get_by_role("button", name="确认报送").click()
    page.wait_for_url("**/receipt")
    assert stored(clerk["annex1"], clerk["unit"]).state is SubmissionState.submitted


def test_accepting_asks_first_and_says_the_unit_can_no_longer_change_it(live_server, page, clerk):
    submission = get_submission(clerk["annex1"], clerk["unit"])
    submit(submission, annex1(), base_version=None, user=clerk["reporter"])
    db.session.commit()
    log_in(page, live_server, clerk["campaign"].coordinators[0].username)
    page.goto(f"{live_server}/coordinator/submissions/{submission.id}")
    page.get_by_role("button", name="采用", exact=True).click()
    dialog = page.get_by_role("dialog")
    assert "采用后单位不能再撤回或修改" in dialog.inner_text()
    dialog.get_by_role("button", name="取消").click()
    assert stored(clerk["annex1"], clerk["unit"]).state is SubmissionState.submitted
    page.get_by_role("button", name="采用", exact=True).click()
    dialog.get_by_role("button", name="确认采用").click()
    page.get_by_text("已采用河南省市场监督管理局的材料。").wait_for()
    assert stored(clerk["annex1"], clerk["unit"]).state is SubmissionState.accepted


def test_a_lost_session_offers_login_in_place_and_brings_every_field_back(live_server, page, clerk):
    log_in(page, live_server, "henan", "/unit/")
    page.goto(f"{live_server}/unit/deliverables/{clerk['annex1'].id}")
    fill_annex1(page, study="召开党组会专题学习，班子成员逐章研读。", documents=[("实施方案", "省委、省政府", "已印发"),
                                                                        ("任务清单", "省市场监管局", "起草中")])
    page.context.clear_cookies()  # the session is gone: cookies cleared, or logged out in another tab
    page.get_by_role("button", name="报送", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="确认报送").click()
    page.wait_for_load_state()
    assert "您填写的内容已保留在本页" in page.content()
    assert page.get_by_label("用户名").is_visible()  # log in right here, no dead end
    page.get_by_label("用户名").fill("henan")
    from tests.conftest import PASSWORD
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/auth/login")  # the form is shown in the login's answer
    assert page.locator("#study").input_value() == "召开党组会专题学习，班子成员逐章研读。"
    assert page.locator("#documents-1-name").input_value() == "任务清单"
    assert page.locator("#documents-1-progress").input_value() == "起草中"
    assert page.get_by_label("联系人", exact=True).input_value() == "王建国"
    assert "内容已恢复，尚未保存" in page.content()
    page.get_by_role("button", name="报送", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="确认报送").click()
    page.wait_for_url("**/receipt")
    saved = stored(clerk["annex1"], clerk["unit"])
    assert saved.state is SubmissionState.submitted and saved.data["documents"][1]["name"] == "任务清单"


def test_the_first_visit_is_a_login_page_without_reproach(live_server, page):
    page.goto(live_server + "/unit/")
    assert page.get_by_label("用户名").is_visible()
    assert "请先登录" not in page.content()


def test_two_windows_of_one_clerk_are_told_apart_from_a_colleague(live_server, page, clerk):
    log_in(page, live_server, "henan", "/unit/")
    url = f"{live_server}/unit/deliverables/{clerk['annex1'].id}"
    page.goto(url)
    second = page.context.new_page()
    second.goto(url)
    page.locator("#study").fill("第一个窗口写的。")
    page.get_by_role("button", name="保存草稿", exact=True).last.click()
    page.wait_for_load_state()
    second.locator("#study").fill("第二个窗口写的。")
    second.get_by_role("button", name="保存草稿", exact=True).last.click()
    second.wait_for_load_state()
    text = second.content()
    assert "您已在另一个窗口（或标签页）保存了新的内容" in text and "您在另一个窗口保存的版本" in text
    assert clerk["reporter"].name not in second.locator(".flash-error, #form-error, .conflict").first.inner_text()
    assert second.locator("#study").input_value() == "第二个窗口写的。"  # nothing lost


def test_a_stale_copy_in_this_browser_is_named_and_can_be_discarded(live_server, page, clerk):
    log_in(page, live_server, "henan", "/unit/")
    url = f"{live_server}/unit/deliverables/{clerk['annex1'].id}"
    page.goto(url)
    page.locator("#study").fill("系统中的版本。")
    page.get_by_role("button", name="保存草稿", exact=True).last.click()
    page.wait_for_load_state()
    page.route("**/autosave", lambda route: route.abort())  # the network drops: the text stays only here
    page.locator("#study").fill("只在本机的旧内容。")
    fresh = page.context.new_page()
    fresh.goto(url)
    note = fresh.locator(".restored")
    assert "本机浏览器" in note.inner_text() and "尚未保存到系统" in note.inner_text()
    assert fresh.locator("#study").input_value() == "只在本机的旧内容。"
    page.close()  # the old window is gone; its copy is what remains
    note.get_by_role("button", name="丢弃本机副本，显示系统中保存的版本").click()
    fresh.wait_for_load_state()
    assert fresh.locator("#study").input_value() == "系统中的版本。"
    assert fresh.locator(".restored").count() == 0


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 375, "height": 740},
                                  is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_the_reporters_whole_flow_fits_a_phone(live_server, phone, clerk):
    page = phone
    page.goto(live_server + "/auth/login")
    assert fits(page)
    log_in(page, live_server, "henan", "/unit/")
    assert fits(page), "待办 scrolls sideways"
    card = page.locator("table.list.cards tbody tr").first
    assert card.evaluate("el => getComputedStyle(el).display") == "block"  # a card, not a table row
    labels = card.evaluate("el => [...el.cells].map(td => getComputedStyle(td, '::before').content)")
    assert '"状态"' in labels and '"截止时间"' in labels  # each value is labelled in its card
    topbar = page.locator(".topbar").bounding_box()
    assert topbar["height"] < 140  # the header does not wrap a character per line
    page.get_by_role("link", name="附件1").first.click()
    assert fits(page), "附件1 scrolls sideways"
    fill_annex1(page, study="召开党组会专题学习。", documents=[("贯彻落实《质量强国建设纲要》实施方案", "省委、省政府", "已印发")])
    assert fits(page)
    page.get_by_role("button", name="报送", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="确认报送").click()
    page.wait_for_url("**/receipt")
    assert fits(page), "the receipt scrolls sideways"
    page.get_by_role("link", name="返回待办").click()
    assert fits(page)
    assert page.locator("details.finished summary").inner_text().startswith("已办（1）")
    page.get_by_role("link", name="附件2").first.click()
    assert fits(page), "附件2 scrolls sideways"


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_the_annex2_total_stays_in_view_while_writing_any_section(live_server, page, clerk):
    page.set_viewport_size({"width": 1280, "height": 720})
    log_in(page, live_server, "henan", "/unit/")
    page.goto(f"{live_server}/unit/deliverables/{clerk['annex2'].id}")
    total = page.locator(".wordcount.total")
    page.locator("#learning").fill("学" * 540)
    page.locator("#learning").scroll_into_view_if_needed()
    assert in_view(page, total) and "字数 540 / 3000" in total.inner_text()
    parts = page.locator(".limit-part")
    assert parts.count() == 5 and parts.first.inner_text().replace(" ", "") == "一、540"
    page.locator("#exemplars").fill("学" * 100)
    page.locator("#exemplars").scroll_into_view_if_needed()
    assert in_view(page, total) and "字数 640 / 3000" in total.inner_text()
    assert parts.last.inner_text().replace(" ", "") == "五、100"


def test_the_reminder_page_keeps_its_action_in_view_with_a_count_and_pages_long_lists(live_server, page, make_unit,
                                                                                     make_campaign):
    units = [make_unit(f"第{i:03d}县市场监督管理局") for i in range(1, 121)]
    campaign = make_campaign(units=units)
    db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server, campaign.coordinators[0].username)
    page.goto(f"{live_server}/coordinator/campaigns/{campaign.id}/reminders/")
    count = page.locator("[data-selection-count]")
    preview = page.get_by_role("button", name="预览催报")
    assert in_view(page, preview) and in_view(page, count)  # no scrolling 5,000 px to reach it
    assert count.inner_text() == "已选 0 个单位"
    first_list = page.locator("table[data-pager]").first
    visible = first_list.locator("tbody tr:visible")
    assert visible.count() == 50
    assert "共 120 个单位，第 1 / 3 页" in page.locator(".pager-status").first.inner_text()
    page.get_by_label("催报第001县市场监督管理局").first.check()
    page.get_by_role("button", name="下一页").first.click()
    assert "第051县" in visible.first.inner_text()
    page.get_by_label("催报第060县市场监督管理局").first.check()
    assert count.inner_text() == "已选 2 个单位"
    page.get_by_label("按名称筛选单位").first.fill("第11")
    assert visible.count() == 10 and all("第11" in t for t in visible.all_inner_texts())
    page.get_by_label("按名称筛选单位").first.fill("")
    page.get_by_label("全部 120 个未报单位（不必逐个勾选）").first.check()
    assert count.inner_text() == "已选 120 个单位"
    page.get_by_label("全部 120 个未报单位（不必逐个勾选）").first.uncheck()
    preview.click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "第001县市场监督管理局" in text and "第060县市场监督管理局" in text  # ticked on another page, still sent


def test_a_city_coordinator_chooses_recipients_from_its_own_branch_with_a_search_for_the_rest(
        live_server, page, make_unit, make_user, make_campaign):

    ministry = make_unit("国家市场监督管理总局")
    henan = make_unit("河南省市场监督管理局", parent=ministry)
    hubei = make_unit("湖北省市场监督管理局", parent=ministry)
    xinxiang = make_unit("新乡市市场监督管理局", parent=henan)
    counties = [make_unit(f"新乡市{n}市场监督管理局", parent=xinxiang) for n in ("卫辉", "辉县", "长垣")]
    wuhan = make_unit("武汉市市场监督管理局", parent=hubei)
    coordinator = make_user(Role.coordinator, unit=xinxiang, username="xinxiang")
    campaign = make_campaign(units=counties, coordinator=coordinator, publish_it=False)
    db.session.commit()
    log_in(page, live_server, "xinxiang")
    page.goto(f"{live_server}/coordinator/campaigns/{campaign.id}/recipients")
    for county in counties:
        assert page.get_by_label(county.name, exact=True).is_visible()  # its own branch, open
    assert not page.get_by_label(wuhan.name, exact=True).is_visible()  # another province: folded
    assert page.locator("li[data-name='新乡市市场监督管理局'] [data-branch-count]").first.inner_text() == "已选 3 / 3"
    page.get_by_label("按名称查找单位").fill("武汉")
    assert page.get_by_label(wuhan.name, exact=True).is_visible()
    assert not page.get_by_label(counties[0].name, exact=True).is_visible()
    assert "找到 1 个单位" in page.locator(".tree-search-status").inner_text()
    page.get_by_label(wuhan.name, exact=True).check()
    page.get_by_label("按名称查找单位").fill("")
    assert page.get_by_label(counties[0].name, exact=True).is_visible()
    assert page.locator("[data-selected-count]").inner_text() == "已选 4 个单位"
    # Folding is by a button the keyboard reaches.
    toggle = page.get_by_role("button", name="收起新乡市市场监督管理局的下级")
    toggle.focus()
    page.keyboard.press("Enter")
    assert not page.get_by_label(counties[0].name, exact=True).is_visible()


def test_file_and_date_controls_speak_chinese_in_an_english_browser_and_titles_wrap(live_server, browser, clerk,
                                                                                    tmp_path):
    context = browser.new_context(locale="en-US", timezone_id="Asia/Shanghai")
    page = context.new_page()
    try:
        log_in(page, live_server, "henan", "/unit/")
        page.goto(f"{live_server}/unit/deliverables/{clerk['annex1'].id}")
        chooser = page.locator(".file-button").first
        assert chooser.inner_text() == "选择文件" and page.locator(".file-chosen").first.inner_text() == "未选择文件"
        (tmp_path / "附件1.xlsx").write_bytes(b"x")
        page.set_input_files("#offline-file", str(tmp_path / "附件1.xlsx"))
        assert page.locator(".file-chosen").first.inner_text() == "已选择：附件1.xlsx"
        # A real document title wraps inside its box instead of running out of sight.
        page.get_by_role("button", name="增加文件").click()
        title = "关于印发《贯彻落实〈质量强国建设纲要〉推进质量强省建设三年行动方案（2023—2025年）》的通知"
        box = page.locator("#documents-0-name")
        box.fill(title)
        size = box.evaluate("el => ({scroll: el.scrollWidth, client: el.clientWidth, height: el.clientHeight})")
        assert size["scroll"] <= size["client"] and size["height"] > 40  # wrapped onto a second line, all visible
        page.keyboard.press("Enter")  # a one-line field takes no line break
        assert box.input_value() == title
        # The coordinator's date-time inputs carry a Chinese hint whatever the browser's language.
        page.get_by_role("button", name="退出").click()
        log_in(page, live_server, clerk["campaign"].coordinators[0].username)
        page.goto(f"{live_server}/coordinator/campaigns/{clerk['campaign'].id}/edit")
        hint = page.locator(".format-hint").first
        assert "年-月-日 时:分" in hint.inner_text()
        described = page.locator("input[type=datetime-local]").first.get_attribute("aria-describedby")
        assert hint.get_attribute("id") in described.split()
    finally:
        context.close()


def test_notices_with_the_same_title_are_told_apart(client, make_unit, make_user, make_campaign):
    from tests.conftest import login

    unit = make_unit("河南省市场监督管理局")
    reporter = make_user(Role.reporter, unit=unit)
    first, second = make_campaign(units=[unit]), make_campaign(units=[unit])
    second.doc_number = "国市监质发〔2024〕3号"
    db.session.commit()
    login(client, reporter)
    page = client.get("/unit/").get_data(as_text=True)
    assert f"国市监质发〔2023〕9号 · {first.year}年" in page and f"国市监质发〔2024〕3号 · {second.year}年" in page
