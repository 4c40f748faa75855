"""等保 level-2 login and session controls: throttling that never locks the owner out from elsewhere,
refusals that take the same path for unknown names, revocable sessions (logout, password change, idle
time, age, a disabled account), the password rule everywhere, and the user's own 修改密码."""
from __future__ import annotations

import threading
import time as clock

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import AuditEntry, Role, User
from campaign.services import accounts
from tests.conftest import PASSWORD, login

OFFICE, HOME = {"REMOTE_ADDR": "10.1.2.3"}, {"REMOTE_ADDR": "10.9.9.9"}


def try_login(client, username, password, where=OFFICE):
    return client.post("/auth/login", data={"username": username, "password": password}, environ_base=where)


def test_failures_from_one_address_are_throttled_but_the_owner_elsewhere_still_gets_in(app, make_unit, make_user):
    reporter = make_user(Role.reporter, unit=make_unit())
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(5):
        assert "用户名或密码不正确" in try_login(attacker, reporter.username, "wrong").get_data(as_text=True)
    refused = try_login(attacker, reporter.username, PASSWORD)
    assert refused.status_code == 429 and "登录尝试过多" in refused.get_data(as_text=True)
    assert try_login(owner, reporter.username, PASSWORD, HOME).status_code == 302  # no account-wide lockout
    failures = db.session.scalars(sa.select(AuditEntry).filter_by(action="login_failed")).all()
    assert len(failures) == 5 and all(f.detail["address"] == "10.1.2.3" for f in failures)
    assert db.session.scalar(sa.select(AuditEntry).filter_by(action="login_throttled")).detail["address"] == "10.1.2.3"


def test_admin_cannot_be_locked_out_by_anyone(app, make_user):
    admin = make_user(Role.admin)
    stranger = app.test_client()
    for _ in range(12):
        try_login(stranger, admin.username, "guess", HOME)
    assert try_login(app.test_client(), admin.username, PASSWORD, OFFICE).status_code == 302


def test_an_unknown_name_is_checked_against_a_hash_like_a_known_one(app, make_unit, make_user, monkeypatch):
    reporter = make_user(Role.reporter, unit=make_unit())
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    try_login(app.test_client(), "no-such-user", "whatever")
    assert checked == [accounts._dummy_hash()]
    try_login(app.test_client(), reporter.username, "whatever")  # a known one goes through User.check_password
    for page in (try_login(app.test_client(), "no-such-user", "x"), try_login(app.test_client(), reporter.username, "x")):
        assert "用户名或密码不正确，请重新输入。" in page.get_data(as_text=True)


def test_sixteen_parallel_tries_get_no_more_than_the_limit_through(app, make_unit, make_user):
    reporter = make_user(Role.reporter, unit=make_unit())
    db.session.commit()
    username = reporter.username  # read here: the test's own session must not be touched from the threads
    answers: list[str] = []

    def attempt():
        with app.app_context():
            page = try_login(app.test_client(), username, "wrong").get_data(as_text=True)
            answers.append("checked" if "用户名或密码不正确" in page else "throttled" if "登录尝试过多" in page else page)
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 16 and set(answers) <= {"checked", "throttled"}
    assert answers.count("checked") <= app.config["LOGIN_MAX_FAILURES"]


@pytest.fixture
def web(make_app, app):
    """A second app on the same database whose requests each get their own app context, as in production
    (the `app` fixture keeps one context pushed for the whole test, and with it Flask-Login's cached user)."""
    return make_app()


def copied_session(app, user):
    """Log in and return a second client holding a copy of the session cookie."""
    client = app.test_client()
    login(client, user)
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/unit/").status_code == 200
    return client, thief


def test_a_copied_session_cookie_dies_with_logout(web, make_unit, make_user):
    reporter = make_user(Role.reporter, unit=make_unit())
    client, thief = copied_session(web, reporter)
    client.post("/auth/logout")
    assert thief.get("/unit/").status_code == 401


def test_every_session_ends_when_the_password_changes(web, make_unit, make_user):
    reporter = make_user(Role.reporter, unit=make_unit())
    client, thief = copied_session(web, reporter)
    response = client.post("/auth/password", data={"current": PASSWORD, "password": "New-Secret-2026",
                                                   "confirm": "New-Secret-2026"})
    assert response.status_code == 302
    assert client.get("/unit/").status_code == 200  # this session goes on
    assert thief.get("/unit/").status_code == 401
    db.session.expire_all()
    assert db.session.get(User, reporter.id).check_password("New-Secret-2026")


@pytest.mark.parametrize("key,age", [("seen", 31 * 60), ("since", 13 * 3600)])
def test_a_session_ends_after_idle_time_and_after_its_lifetime(web, make_unit, make_user, key, age):
    reporter = make_user(Role.reporter, unit=make_unit())
    client = web.test_client()
    login(client, reporter)
    with client.session_transaction() as session:
        session[key] = int(clock.time()) - age
        if key == "since":
            session["seen"] = int(clock.time())
    assert client.get("/unit/").status_code == 401


def test_a_disabled_account_loses_its_sessions_at_once(web, make_unit, make_user):
    reporter = make_user(Role.reporter, unit=make_unit())
    client, _ = copied_session(web, reporter)
    reporter.active = False
    db.session.commit()
    assert client.get("/unit/").status_code == 401


@pytest.mark.parametrize("current,new,message", [
    ("wrong-password", "New-Secret-2026", "当前密码不正确"),
    (PASSWORD, "password1", "至少 10 位"),
    (PASSWORD, "Password123!", "常见密码"),
])
def test_change_password_explains_refusals_next_to_the_field(client, make_unit, make_user, current, new, message):
    reporter = make_user(Role.reporter, unit=make_unit())
    login(client, reporter)
    assert "修改密码" in client.get("/unit/").get_data(as_text=True)
    response = client.post("/auth/password", data={"current": current, "password": new, "confirm": new})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_an_old_password_must_be_changed_where_the_site_asks_for_it(make_app, make_unit, make_user):
    app = make_app(PASSWORD_MAX_AGE_DAYS=180)
    with app.app_context():
        reporter = make_user(Role.reporter, unit=make_unit())
        reporter.password_changed_at = reporter.password_changed_at.replace(year=reporter.password_changed_at.year - 1)
        db.session.commit()
        client = app.test_client()
        login(client, reporter)
        response = client.get("/unit/")
        assert response.status_code == 302 and response.location.endswith("/auth/password")
        assert "请先设置新密码" in client.get("/auth/password").get_data(as_text=True)


def test_every_older_session_ends_when_the_password_is_set_through_a_link(web, make_unit, make_user):
    reporter = make_user(Role.reporter, unit=make_unit())
    _, thief = copied_session(web, reporter)
    accounts.renew_password_link(reporter)
    db.session.commit()
    path = f"/auth/set-password/{accounts.password_token(reporter)}"
    done = web.test_client().post(path, data={"password": "Fresh-Secret-2026", "confirm": "Fresh-Secret-2026"})
    assert done.status_code == 302 and done.location.endswith("/auth/login")
    assert thief.get("/unit/").status_code == 401  # the copied cookie is refused
    fresh = web.test_client()
    login(fresh, reporter, "Fresh-Secret-2026")
    assert fresh.get("/unit/").status_code == 200
    events = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.user_id == reporter.id)).all()
    assert "password_set" in events


def _seen_by_app(app):
    """A route that reports what the application sees of the request (scheme and client address)."""
    from flask import request

    app.add_url_rule("/_seen", "seen", lambda: f"{request.scheme} {request.remote_addr}")


def test_behind_an_https_proxy_cookies_are_secure_and_one_proxy_is_trusted(make_app, make_unit, make_user):
    site = make_app(BASE_URL="https://campaign.example.cn")
    _seen_by_app(site)
    client = site.test_client()
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.1, 203.0.113.5"}
    # Only the address the one proxy (nginx) added is believed, not what the client put in front of it.
    assert client.get("/_seen", headers=proxied).get_data(as_text=True) == "https 203.0.113.5"
    assert client.get("/_seen").get_data(as_text=True) == "http 127.0.0.1"
    reporter = make_user(Role.reporter, unit=make_unit())
    response = client.post("/auth/login", data={"username": reporter.username, "password": PASSWORD},
                           headers=proxied, base_url="https://campaign.example.cn")
    assert response.status_code == 302
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "login",
                                                           AuditEntry.user_id == reporter.id))
    assert entry.address == "203.0.113.5"


def test_over_plain_http_cookies_are_not_marked_secure_and_forwarded_headers_are_ignored(make_app, make_unit,
                                                                                         make_user):
    site = make_app(BASE_URL="http://campaign.test")
    _seen_by_app(site)
    client = site.test_client()
    seen = client.get("/_seen", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"})
    assert seen.get_data(as_text=True) == "http 127.0.0.1"  # no proxy configured: the headers are not believed
    reporter = make_user(Role.reporter, unit=make_unit())
    response = client.post("/auth/login", data={"username": reporter.username, "password": PASSWORD})
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "Secure" not in cookie and "; HttpOnly" in cookie


def try_at(username, password, at, address="10.1.2.3"):
    """One try through the service at a given instant: 'ok', 'failed' or the throttling message."""
    attempt = accounts.begin_attempt(username, address, now=at)
    db.session.commit()
    try:
        accounts.authenticate(username, password, attempt=attempt, now=at)
        answer = "ok"
    except accounts.Throttled as exc:
        answer = str(exc)
    except accounts.WorkflowError:
        answer = "failed"
    db.session.commit()
    return answer


def test_delays_double_after_the_free_tries_up_to_the_cap(app, make_unit, make_user):
    from datetime import timedelta

    from campaign.models import LoginAttempt, utcnow

    app.config["LOGIN_DELAY_CAP_MINUTES"] = 4
    reporter = make_user(Role.reporter, unit=make_unit())
    t = utcnow()
    assert [try_at(reporter.username, "wrong", t) for _ in range(5)] == ["failed"] * 5  # the free tries
    assert "请 1 分钟后再试" in try_at(reporter.username, "wrong", t + timedelta(seconds=30))
    for wait in (1, 2, 4, 4, 4):  # minutes after the previous checked try: doubling, then the cap
        assert "分钟后再试" in try_at(reporter.username, "wrong", t + timedelta(minutes=wait) - timedelta(seconds=5))
        assert try_at(reporter.username, "wrong", t + timedelta(minutes=wait)) == "failed"
        t += timedelta(minutes=wait)
    # The owner from another address gets in at once, and the right password after the wait works here too.
    assert try_at(reporter.username, PASSWORD, t, address="10.9.9.9") == "ok"
    assert "分钟后再试" in try_at(reporter.username, PASSWORD, t + timedelta(minutes=1))
    assert try_at(reporter.username, PASSWORD, t + timedelta(minutes=4)) == "ok"
    remembered = db.session.scalars(sa.select(LoginAttempt).where(LoginAttempt.address == "10.1.2.3")).all()
    assert remembered == []  # a success forgets this account's tries from this address
    throttled = db.session.scalars(sa.select(AuditEntry).filter_by(action="login_throttled")).all()
    assert len(throttled) == 7 and all(e.result == "failure" for e in throttled)


def test_one_address_trying_many_names_is_slowed_but_others_are_not(app, make_unit, make_user):
    from datetime import timedelta

    from campaign.models import utcnow

    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 3
    reporter = make_user(Role.reporter, unit=make_unit())
    t = utcnow()
    assert [try_at(name, "wrong", t) for name in ("a1", "b2", "c3")] == ["failed"] * 3
    assert "请 1 分钟后再试" in try_at(reporter.username, PASSWORD, t)
    assert try_at(reporter.username, PASSWORD, t, address="10.9.9.9") == "ok"
    assert try_at(reporter.username, PASSWORD, t + timedelta(minutes=1)) == "ok"


def test_old_tries_are_forgotten_and_no_longer_count(app, make_unit, make_user):
    from datetime import timedelta

    from campaign.models import LoginAttempt, utcnow

    reporter = make_user(Role.reporter, unit=make_unit())
    t = utcnow() - timedelta(days=2)
    for _ in range(5):
        try_at(reporter.username, "wrong", t)
    assert "分钟后再试" in try_at(reporter.username, PASSWORD, t)
    later = t + timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"] + 1)
    assert accounts.forget_login_attempts(later) == 5
    db.session.commit()
    db.session.add(LoginAttempt(username="x", address="10.6.6.6", at=t))
    db.session.commit()
    try_at("someone-else", "wrong", later, address="10.5.5.5")  # a login forgets the old tries on the way
    ats = db.session.scalars(sa.select(LoginAttempt.at)).all()
    assert ats and all(at >= later - timedelta(seconds=1) for at in ats)
    assert try_at(reporter.username, PASSWORD, later) == "ok"


def test_a_concurrent_try_numbered_earlier_but_timed_later_does_not_throttle_the_free_tries(app, make_unit,
                                                                                               make_user):
    from datetime import timedelta

    from campaign.models import utcnow

    reporter = make_user(Role.reporter, unit=make_unit())
    t = utcnow()
    other = accounts.begin_attempt("someone-else", "10.1.2.3", now=t + timedelta(seconds=1))  # not checked yet
    db.session.commit()
    assert try_at(reporter.username, PASSWORD, t) == "ok"
    assert other.id is not None
