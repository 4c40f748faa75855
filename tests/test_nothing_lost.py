"""Nothing typed is lost: an expired CSRF token or session re-shows every field."""
import html
import json
import re

from campaign.models import Role
from tests.conftest import PASSWORD, csrf_from, login
from tests.helpers import annex1


def test_expired_csrf_token_reshows_the_form_with_every_field(make_app, make_unit, make_user, make_campaign):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        unit = make_unit()
        reporter = make_user(Role.reporter, unit=unit)
        d = make_campaign(units=[unit]).deliverables[0]
        client = app.test_client()
        token = csrf_from(client.get("/auth/login").get_data(as_text=True))
        client.post("/auth/login", data={"username": reporter.username, "password": PASSWORD, "csrf_token": token})
        data = annex1(action="submit", csrf_token="expired-or-forged")
        response = client.post(f"/unit/deliverables/{d.id}", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "页面已过期" in page
        for key, value in annex1().items():
            assert value in page, key
        # and a fresh token from that page works
        data["csrf_token"] = csrf_from(page)
        assert client.post(f"/unit/deliverables/{d.id}", data=data).status_code == 302


def test_post_without_csrf_token_is_refused_everywhere(make_app, make_unit, make_user, make_campaign):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        assert client.post("/auth/login", data={"username": "x", "password": "y"}).status_code == 400


def test_expired_session_keeps_the_text_through_a_new_login(client, make_unit, make_user, make_campaign):
    unit = make_unit()
    reporter = make_user(Role.reporter, unit=unit)
    d = make_campaign(units=[unit]).deliverables[0]
    data = annex1(action="save", study="会话过期前写下的很长的内容")
    response = client.post(f"/unit/deliverables/{d.id}", data=data)  # not logged in
    page = response.get_data(as_text=True)
    assert response.status_code == 401 and "登录已过期" in page
    match = re.search(r'id="resume" name="resume" type="hidden" value="([^"]*)"', page)
    assert match, "the login page carries the typed fields"
    resume = html.unescape(match.group(1))
    fields = json.loads(resume)
    assert fields["study"] == ["会话过期前写下的很长的内容"]
    response = client.post("/auth/login", data={"username": reporter.username, "password": PASSWORD,
                                                "next": f"/unit/deliverables/{d.id}", "resume": resume})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "内容已恢复" in page
    for key, value in data.items():
        if key != "action":
            assert value in page, key


def test_login_next_must_stay_on_this_site(client, make_unit, make_user):
    reporter = make_user(Role.reporter, unit=make_unit())
    response = client.post("/auth/login", data={"username": reporter.username, "password": PASSWORD,
                                                "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_wrong_password_message_is_in_chinese_next_to_the_field(client, make_unit, make_user):
    reporter = make_user(Role.reporter, unit=make_unit())
    page = client.post("/auth/login", data={"username": reporter.username, "password": "nope"}).get_data(as_text=True)
    assert "用户名或密码不正确" in page
    login(client, reporter)
