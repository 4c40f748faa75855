"""In Chromium: the session expires while the reporter types; nothing typed is lost."""
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Role, Submission, SubmissionState
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def beijing(make_unit, make_user, make_campaign):
    unit = make_unit("北京市市场监督管理局")
    make_user(Role.reporter, unit=unit, username="beijing")
    campaign = make_campaign(units=[unit])
    return unit, campaign.deliverables[1]  # 附件2, the long summary


def log_in(page):
    page.get_by_label("用户名").fill("beijing")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def stored(deliverable, unit):
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission).filter_by(deliverable_id=deliverable.id, unit_id=unit.id))


def test_session_expiring_while_typing_keeps_the_text(live_server, page, beijing):
    unit, deliverable = beijing
    page.goto(live_server + "/auth/login")
    log_in(page)
    page.goto(f"{live_server}/unit/deliverables/{deliverable.id}")
    summary = {key: f"{label}：" + "认真学习《纲要》。" * 20 for key, label in
               [("learning", "学习"), ("documents", "文件"), ("activities", "活动"), ("experience", "经验"),
                ("exemplars", "典型")]}
    page.locator("#learning").fill(summary["learning"])

    page.context.clear_cookies()          # the session ends while the user keeps typing
    for key in ("documents", "activities", "experience", "exemplars"):
        page.locator(f"#{key}").type(summary[key][:5])
        page.locator(f"#{key}").fill(summary[key])
    status = page.locator("[data-autosave-status]")
    status.filter(has_text="登录已过期").wait_for(timeout=15_000)  # autosave tells the user, keeps a copy

    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert "登录已过期" in page.content()
    log_in(page)
    page.wait_for_load_state()
    # Back on the form, with everything that was typed, not yet saved.
    assert "您填写的内容已恢复" in page.content()
    for key, text in summary.items():
        assert page.locator(f"#{key}").input_value() == text
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    saved = stored(deliverable, unit)
    assert saved.state is SubmissionState.draft
    assert {key: saved.data[key] for key in summary} == summary
    assert not page.console_errors


def test_text_kept_in_the_browser_comes_back_after_a_new_login(live_server, page, beijing):
    """The user closes the tab after the session expired, logs in later and opens the form again."""
    unit, deliverable = beijing
    page.goto(live_server + "/auth/login")
    log_in(page)
    page.goto(f"{live_server}/unit/deliverables/{deliverable.id}")
    page.context.clear_cookies()
    page.locator("#learning").type("断网前输入的文字")
    page.locator("[data-autosave-status]").filter(has_text="登录已过期").wait_for(timeout=15_000)

    page.goto(live_server + "/auth/login")
    log_in(page)
    page.goto(f"{live_server}/unit/deliverables/{deliverable.id}")
    assert page.locator("#learning").input_value() == "断网前输入的文字"
    assert "已恢复本机浏览器中保存的未提交内容" in page.locator("[data-autosave-status]").inner_text()
    assert not (stored(deliverable, unit).data or {}).get("learning")
