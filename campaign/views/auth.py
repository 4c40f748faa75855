"""Login and logout."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..auth import start_session
from ..extensions import db
from ..forms.admin import ChangePasswordForm, SetPasswordForm
from ..forms.auth import LoginForm
from ..models import record
from ..services import WorkflowError, accounts
from ..services.accounts import (PASSWORD_RULE, Throttled, authenticate, begin_attempt, end_sessions,
                                 set_password_with_token, user_for_token)
from .unit import resume_after_login

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host) may be followed after login."""
    if not target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None  # a line break would end up in the Location header
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; after a session expired mid-form, show the form again with what was typed."""
    form = LoginForm()
    if form.validate_on_submit():
        attempt = begin_attempt(form.username.data, request.remote_addr or "")
        db.session.commit()  # counted before it is checked: concurrent tries are ordered by the database
        try:
            user = authenticate(form.username.data, form.password.data, attempt=attempt)
        except WorkflowError as exc:
            db.session.commit()  # keep the audit entry of the failure
            form.password.errors.append(str(exc))
            return render_template("auth/login.html", form=form), 429 if isinstance(exc, Throttled) else 200
        login_user(user)
        start_session(user)
        db.session.commit()
        target = _safe_next(form.next.data)
        if form.resume.data and target:
            resumed = resume_after_login(target, _load_resume(form.resume.data))
            if resumed is not None:
                return resumed
        return redirect(target or url_for("main.index"))
    return render_template("auth/login.html", form=form)


def _load_resume(raw: str) -> dict[str, list[str]]:
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): [str(v) for v in vs] for k, vs in data.items() if isinstance(vs, list)}


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (POST, so a link cannot do it)."""
    record("logout", user=current_user)
    end_sessions(current_user)  # a copied session cookie ends too
    db.session.commit()
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set the password through the e-mailed link; the link then stops working."""
    try:
        user = user_for_token(token)
    except WorkflowError as exc:
        db.session.rollback()
        return render_template("auth/set_password.html", form=None, refused=str(exc), password_rule=PASSWORD_RULE), 400
    form = SetPasswordForm(username=user.username)
    if form.validate_on_submit():
        set_password_with_token(token, form.password.data)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        flash("密码已设置。请用用户名和新密码登录。", "success")
        return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/set_password.html", form=form, user=user, refused=None,
                           password_rule=PASSWORD_RULE), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """修改密码: the user's own, with the current one; every other session of theirs ends."""
    form = ChangePasswordForm(username=current_user.username)
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.password.data)
        except WorkflowError as exc:
            db.session.rollback()
            form.current.errors = [*form.current.errors, str(exc)]
        else:
            start_session(current_user)  # this session goes on with the new version; the others end
            db.session.commit()
            flash("密码已修改。在其他电脑或浏览器上的登录已失效。", "success")
            return redirect(url_for("main.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/change_password.html", form=form, password_rule=PASSWORD_RULE,
                           expired=accounts.password_expired(current_user)), status
