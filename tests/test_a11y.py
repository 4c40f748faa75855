"""Accessibility in Chromium: axe-core on every page a reporter and a coordinator can open, and
the annex form filled and submitted with the keyboard alone."""
import json
import os
import re

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Submission, SubmissionState
from tests.browser import log_in
from tests.conftest import PASSWORD
from tests.routes import endpoints

pytestmark = pytest.mark.browser

AXE = os.path.join(os.path.dirname(__file__), os.pardir, "node_modules", "axe-core", "axe.min.js")
BLOCKING = {"serious", "critical"}


@pytest.fixture
def axe_page(browser):
    """A context that lets the axe script in despite the pages' Content-Security-Policy."""
    if not os.path.exists(AXE):
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing; scripts/test.sh installs it")
        pytest.skip("axe-core is not installed (scripts/test.sh installs it)")
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
    yield context.new_page()
    context.close()




def violations(page) -> list[str]:
    page.add_script_tag(path=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in BLOCKING]


ID_PROBLEMS = """() => {
    const problems = [];
    const seen = new Map();
    for (const el of document.querySelectorAll('[id]')) {
        if (el.closest('template')) continue;
        seen.set(el.id, (seen.get(el.id) || 0) + 1);
    }
    for (const [id, n] of seen) if (n > 1) problems.push(`id "${id}" used ${n} times`);
    for (const label of document.querySelectorAll('label[for]')) {
        const target = document.getElementById(label.htmlFor);
        const labelable = target && target.matches('input:not([type=hidden]), textarea, select, button, meter, output, progress');
        if (!labelable) problems.push(`label "${label.textContent.trim()}" points at no control (${label.htmlFor})`);
        else if (label.control !== target) problems.push(`label "${label.textContent.trim()}" focuses another control`);
    }
    return problems;
}"""


def id_problems(page) -> list[str]:
    """Duplicate ids, and labels whose `for` does not lead to their own control."""
    return page.evaluate(ID_PROBLEMS)


def html_pages(app, values):
    """Every GET page of the app (not file downloads), built from the URL map."""
    for rule, method in endpoints(app):
        downloads = ("download" in rule.endpoint or "file" in rule.endpoint or "export" in rule.endpoint
                     or "template" in rule.endpoint or re.search(r"\.(xlsx|csv|docx|zip)$", rule.rule))
        if method == "GET" and not downloads:
            yield rule.endpoint, rule.build({n: values[n] for n in rule.arguments}, append_unknown=False)[1]


@pytest.mark.parametrize("role", ["anonymous", "own_reporter", "coordinator", "admin"])
def test_pages_have_no_serious_accessibility_violations(app, live_server, axe_page, world, role):  # noqa: F811
    page = axe_page
    if role != "anonymous":
        log_in(page, live_server, world["users"][role].username)
    checked, failures = [], []
    for endpoint, url in html_pages(app, world["values"]):
        response = page.goto(live_server + url)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        checked.append(endpoint)
        failures += [f"{url}: {v}" for v in violations(page) + id_problems(page)]
    assert len(checked) >= (1 if role == "anonymous" else 2), checked
    assert not failures, "\n".join(failures)


def test_every_field_of_the_forms_has_a_label(app, live_server, axe_page, world):  # noqa: F811
    page = axe_page
    log_in(page, live_server, world["users"]["own_reporter"].username)
    submission = db.session.get(Submission, world["values"]["submission_id"])
    for deliverable in submission.deliverable.campaign.deliverables:
        page.goto(f"{live_server}/unit/deliverables/{deliverable.id}")
        unlabeled = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), textarea, select')].filter(el =>
            !(el.labels && el.labels.length) && !el.getAttribute('aria-label') &&
            !el.getAttribute('aria-labelledby')).map(el => el.name || el.id)""")
        assert unlabeled == [], f"{deliverable.key}: fields without a label: {unlabeled}"


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def tab_to(page, text: str, limit: int = 120) -> None:
    """Press Tab until the link or button reading `text` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(document.activeElement.textContent || '').trim()") == text:
            return
    raise AssertionError(f"{text} is not reachable by Tab")


@pytest.mark.parametrize("width", [1280, 375])
def test_annex1_can_be_filled_and_submitted_by_keyboard_alone(live_server, page, make_unit, make_user,
                                                              make_campaign, width):
    from campaign.models import Role

    page.set_viewport_size({"width": width, "height": 800})
    unit = make_unit("北京市市场监督管理局")
    make_user(Role.reporter, unit=unit, username="beijing")
    campaign = make_campaign(units=[unit])
    deliverable = campaign.deliverables[0]

    page.goto(live_server + "/auth/login")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type("beijing")            # the user name field has the focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/unit/")
    assert fits(page)
    tab_to(page, deliverable.label)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/unit/deliverables/{deliverable.id}")
    assert fits(page)

    values = {
        "leader_instructions": "主要负责同志作出批示。", "study": "召开党组会专题学习。",
        "documents-0-name": "实施方案", "documents-0-issuer": "省委、省政府", "documents-0-progress": "已印发",
        "publicity": "开设专栏。", "experience": "清单化推进。",
        "contact_name": "王建国", "contact_phone": "010-12345678",
    }
    typed, added_row = set(), False
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const el = document.activeElement;
            return {name: el.name || '', tag: el.tagName, text: (el.textContent || '').trim()}; }""")
        if focused["name"] in values and focused["name"] not in typed:
            page.keyboard.type(values[focused["name"]])
            typed.add(focused["name"])
        elif focused["tag"] == "BUTTON" and focused["text"] == "增加文件" and not added_row:
            page.keyboard.press("Enter")  # the new row's first field gets the focus
            added_row = True
            page.keyboard.type(values["documents-0-name"])
            typed.add("documents-0-name")
        elif focused["tag"] == "BUTTON" and focused["text"] == "报送" and typed == set(values):
            page.keyboard.press("Enter")  # a dialog says what happens next, its confirm button focused
            assert page.get_by_role("dialog").is_visible()
            assert page.evaluate("document.activeElement.textContent") == "确认报送"
            page.keyboard.press("Enter")
            break
    assert typed == set(values), f"not reachable by Tab: {set(values) - typed}"
    page.wait_for_url("**/receipt")
    assert fits(page)
    tab_to(page, "返回待办")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/unit/")
    tab_to(page, campaign.deliverables[1].label)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/unit/deliverables/{campaign.deliverables[1].id}")
    assert fits(page)
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=deliverable.id, unit_id=unit.id))
    assert stored.state is SubmissionState.submitted
    assert stored.data["documents"] == [{"name": "实施方案", "issuer": "省委、省政府", "progress": "已印发"}]
    assert json.dumps(stored.data, ensure_ascii=False).count("王建国") == 1
    assert not re.search(r"\S", "".join(page.console_errors))
