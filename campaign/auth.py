"""Who is logged in, and what happens when nobody is."""
from __future__ import annotations

import json
from datetime import datetime

from flask import current_app, render_template, request, session

from .extensions import db, login_manager
from .forms.auth import LoginForm
from .models import User, utcnow

login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.session_protection = "strong"

# Form posts that survive an expired session: the login page carries what was typed.
RESUMABLE_ENDPOINTS = {"unit.deliverable"}


def start_session(user: User, now: datetime | None = None) -> None:
    """Mark the session with the user's session version and its start, after login_user."""
    now = now or utcnow()
    session["sv"] = user.session_version
    session["since"] = session["seen"] = int(now.timestamp())


def _session_alive(user: User, now: datetime) -> bool:
    """The session carries the user's current version, was used recently, and is not too old."""
    config = current_app.config
    stamp = int(now.timestamp())
    since, seen = session.get("since"), session.get("seen")
    if session.get("sv") != user.session_version or not isinstance(since, int) or not isinstance(seen, int):
        return False
    if stamp - seen > config["SESSION_IDLE_MINUTES"] * 60 or stamp - since > config["SESSION_LIFETIME_HOURS"] * 3600:
        return False
    session["seen"] = stamp
    return True


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user, as long as the session is alive: logout, a password change or a disabled account
    (which bump the user's session version), inactivity and age all end it, on every instance alike."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() and len(user_id) < 10 else None
    if user is None or not user.active or not _session_alive(user, utcnow()):
        for key in ("_user_id", "sv", "since", "seen"):
            session.pop(key, None)
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Send to the login page; a form post keeps its fields so nothing typed is lost."""
    return login_keeping_post()


def login_keeping_post(status: int = 401):
    """The login page, right here: a form post's fields ride along in the page and come back in the
    form after login (also when the session, and with it the page's security token, is gone)."""
    resume = ""
    if request.method == "POST" and request.endpoint in RESUMABLE_ENDPOINTS:
        fields = {k: request.form.getlist(k) for k in request.form if k != "csrf_token"}
        resume = json.dumps(fields, ensure_ascii=False)
    form = LoginForm(next=request.full_path if request.method == "GET" else request.path, resume=resume)
    if resume:
        message = ("登录已过期（可能已在其他窗口退出）。您填写的内容已保留在本页，尚未保存；"
                   "请在下方重新登录，登录后回到填报页，内容会原样恢复，请检查后再保存或报送。")
    elif request.method == "POST":
        message = "登录已过期，请重新登录后再操作。"
    else:
        message = ""  # the first visit: just the login page, no reproach
    return render_template("auth/login.html", form=form, message=message, kept=bool(resume)), status
