"""Fixtures for tests that drive Debian's Chromium through Playwright against a live server."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")


def _require_chromium():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing; scripts/test.sh installs it")
        pytest.skip("Chromium is not installed (scripts/test.sh installs it)")


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; a screenshot is saved when the test fails."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, f"{request.node.name}.png"), full_page=True)
    context.close()


def log_in(page, base: str, username: str, landing: str | None = None, password: str | None = None) -> None:
    """Log in through the login page; wait for `landing` (a path) when given, else for the next page."""
    from tests.conftest import PASSWORD

    page.goto(base + "/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or PASSWORD)
    page.get_by_role("button", name="登录").click()
    if landing:
        page.wait_for_url(base + landing)
    else:
        page.wait_for_load_state()


def fill_annex1(page, *, study: str, documents: list[tuple[str, str, str]], leader: str = "主要负责同志作出批示。",
                publicity: str = "开设专栏。", experience: str = "清单化推进。") -> None:
    """Fill the open SAMR 附件1 form as a reporter types it, adding one row per (name, issuer, progress)."""
    page.get_by_label("领导同志批示情况").fill(leader)
    page.get_by_label("组织开展学习情况").fill(study)
    for i, (name, issuer, progress) in enumerate(documents):
        page.get_by_role("button", name="增加文件").click()
        page.locator(f"#documents-{i}-name").fill(name)
        page.locator(f"#documents-{i}-issuer").fill(issuer)
        page.locator(f"#documents-{i}-progress").fill(progress)
    page.get_by_label("开展的重点和特色宣传贯彻工作").fill(publicity)
    page.get_by_label("好的经验和做法").fill(experience)
    page.get_by_label("联系人", exact=True).fill("王建国")
    page.get_by_label("联系电话").fill("010-12345678")


def has_chromium() -> bool:
    return shutil.which("chromium") is not None or os.path.exists(CHROMIUM)


def press_submit(page, name: str = "报送") -> None:
    """Press 报送 (or 采用) and confirm in the page's dialog, as a clerk does."""
    page.get_by_role("button", name=name, exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=f"确认{name}").click()
