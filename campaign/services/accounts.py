"""Accounts: create users, check passwords with throttling."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Role, Unit, User, record, utcnow
from . import WorkflowError


def create_user(*, username: str, password: str | None, role: Role, name: str = "", email: str = "",
                phone: str = "", unit: Unit | None = None) -> User:
    """A new account; a reporter must be bound to a unit."""
    if role is Role.reporter and unit is None:
        raise WorkflowError("填报人账号必须绑定一个单位。")
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise WorkflowError(f"用户名“{username}”已被使用。")
    user = User(username=username, role=role, name=name or username, email=email, phone=phone, unit=unit)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str, *, now: datetime | None = None) -> User:
    """The user with these credentials; failures are counted and lock the account for a while."""
    now = now or utcnow()
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is not None and user.locked_until and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        raise WorkflowError(f"密码错误次数过多，账号已暂时锁定，请 {minutes} 分钟后再试。")
    if user is None or not user.active or not user.check_password(password):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
                user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
                user.failed_logins = 0
            record("login_failed", user=user)
        raise WorkflowError("用户名或密码不正确，请重新输入。")
    user.failed_logins = 0
    user.locked_until = None
    record("login", user=user)
    return user
