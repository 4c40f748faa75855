"""Who is logged in, and what happens when nobody is."""
from __future__ import annotations

import json

from flask import render_template, request

from .extensions import db, login_manager
from .forms.auth import LoginForm
from .models import User

login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.session_protection = "strong"

# Form posts that survive an expired session: the login page carries what was typed.
RESUMABLE_ENDPOINTS = {"unit.deliverable"}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


@login_manager.unauthorized_handler
def unauthorized():
    """Send to the login page; a form post keeps its fields so nothing typed is lost."""
    resume = ""
    if request.method == "POST" and request.endpoint in RESUMABLE_ENDPOINTS:
        fields = {k: request.form.getlist(k) for k in request.form if k != "csrf_token"}
        resume = json.dumps(fields, ensure_ascii=False)
    form = LoginForm(next=request.full_path if request.method == "GET" else request.path, resume=resume)
    message = "登录已过期，请重新登录。您填写的内容已保留，登录后请检查并保存。" if resume else "请先登录。"
    return render_template("auth/login.html", form=form, message=message), 401
