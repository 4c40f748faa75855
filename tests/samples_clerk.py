"""Screenshots of the clerk's moments for docs/samples/clerk/, taken the same way on any version of
the app (steps a version does not have are skipped), so before and after can be compared:

    CAMPAIGN_SAMPLES=after .venv/bin/python -m pytest tests/samples_clerk.py -p no:cacheprovider

Not part of the suite (the file name does not start with test_).
"""
import os

import pytest

from campaign.extensions import db
from campaign.models import Role
from tests.browser import fill_annex1, log_in

pytestmark = pytest.mark.browser
OUT = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "samples", "clerk")


def shot(page, name: str, full: bool = False) -> None:
    os.makedirs(OUT, exist_ok=True)
    page.screenshot(path=os.path.join(OUT, f"{name}-{os.environ.get('CAMPAIGN_SAMPLES', 'now')}.png"), full_page=full)


def confirm_if_asked(page, name: str) -> None:
    """Press the confirm button of the in-page dialog, when this version has one."""
    dialog = page.locator("dialog[open]")
    try:
        dialog.wait_for(timeout=1500)
    except Exception:  # noqa: BLE001 - a version without the dialog submits at once
        return
    dialog.get_by_role("button", name=name).click()


@pytest.fixture
def world(make_unit, make_user, make_campaign):
    ministry = make_unit("国家市场监督管理总局")
    henan = make_unit("河南省市场监督管理局", parent=ministry)
    hubei = make_unit("湖北省市场监督管理局", parent=ministry)
    xinxiang = make_unit("新乡市市场监督管理局", parent=henan)
    counties = [make_unit(f"新乡市{n}市场监督管理局", parent=xinxiang) for n in ("卫辉", "辉县", "长垣")]
    for n in ("武汉", "宜昌", "襄阳"):
        make_unit(f"{n}市市场监督管理局", parent=hubei)
    make_user(Role.reporter, unit=henan, username="henan")
    campaign = make_campaign(units=[henan, hubei] + [make_unit(f"第{i:03d}县市场监督管理局") for i in range(1, 121)])
    relay = make_campaign(units=counties, coordinator=make_user(Role.coordinator, unit=xinxiang, username="xinxiang"),
                          publish_it=False)
    db.session.commit()
    return {"campaign": campaign, "relay": relay}


def test_samples(live_server, browser, world):
    campaign = world["campaign"]
    annex1 = campaign.deliverables[0]
    desktop = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800})
    page = desktop.new_page()
    # 1: the session is lost while writing, then 报送.
    log_in(page, live_server, "henan")
    page.goto(f"{live_server}/unit/deliverables/{campaign.deliverables[1].id}")
    page.locator("#learning").fill("局党组会议专题传达学习《纲要》，制定学习计划。")
    page.context.clear_cookies()
    page.get_by_role("button", name="报送", exact=True).click()
    confirm_if_asked(page, "确认报送")
    page.wait_for_load_state()
    shot(page, "1-lost-session")
    # 3: pressing 报送.
    log_in(page, live_server, "henan")
    page.goto(f"{live_server}/unit/deliverables/{annex1.id}")
    fill_annex1(page, study="召开党组会专题学习。", documents=[("实施方案", "省委、省政府", "已印发")])
    page.get_by_role("button", name="报送", exact=True).click()
    page.wait_for_timeout(800)
    shot(page, "3-submit")
    confirm_if_asked(page, "取消")
    page.context.clear_cookies()
    # 6: the 催报 page with 120 units owing.
    log_in(page, live_server, campaign.coordinators[0].username)
    page.goto(f"{live_server}/coordinator/campaigns/{campaign.id}/reminders/")
    shot(page, "6-reminders")
    # 7: a city coordinator chooses recipients.
    page.context.clear_cookies()
    log_in(page, live_server, "xinxiang")
    page.goto(f"{live_server}/coordinator/campaigns/{world['relay'].id}/recipients")
    shot(page, "7-recipients")
    desktop.close()
    # 2: 待办 on a 375 px phone.
    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 375, "height": 740},
                                is_mobile=True, has_touch=True)
    page = phone.new_page()
    log_in(page, live_server, "henan")
    page.goto(f"{live_server}/unit/")
    shot(page, "2-todo-phone", full=True)
    phone.close()
