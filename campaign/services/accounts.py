"""Accounts: create users, check passwords with throttling, set passwords through e-mailed links."""
from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..mail import send_email
from ..models import Role, Unit, User, record, utcnow
from ..timefmt import DEFAULT_ZONE, format_instant
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


# Set-password links: signed {user, nonce, issued}; the nonce changes when a link is issued or
# used, so a link works once and only the latest one works.
LINK_SALT = "campaign.set-password"


def new_password_nonce() -> str:
    return secrets.token_hex(16)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def link_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["PASSWORD_LINK_HOURS"])


def renew_password_link(user: User) -> None:
    """Void every earlier link of the user; commit before sending the new one."""
    user.password_nonce = new_password_nonce()


def password_token(user: User, *, now: datetime | None = None) -> str:
    """A token for the user's current link (see renew_password_link)."""
    if not user.password_nonce:
        raise ValueError("no password link issued for this user")
    now = now or utcnow()
    return _serializer().dumps({"u": user.id, "n": user.password_nonce, "t": int(now.timestamp())})


def user_for_token(token: str, *, now: datetime | None = None) -> User:
    """The user a set-password link is for; WorkflowError if it is forged, used, replaced or expired."""
    now = now or utcnow()
    try:
        data = _serializer().loads(token)
    except BadSignature:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("t"), int):
        raise WorkflowError("链接无效。请完整复制邮件中的链接后重试，或联系管理员重新发送。")
    user = db.session.get(User, data["u"])
    nonce = str(data.get("n") or "")
    if user is None or not user.active or not user.password_nonce or not hmac.compare_digest(user.password_nonce, nonce):
        raise WorkflowError("链接已失效：它已被使用过，或已有更新的链接。请使用最新邮件中的链接，"
                            "如已设置密码请直接登录，或联系管理员重新发送。")
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    if now - datetime.fromtimestamp(data["t"], timezone.utc) > link_lifetime():
        raise WorkflowError(f"链接已过期（有效期 {hours} 小时）。请联系管理员重新发送设置密码的链接。")
    return user


def set_password_with_token(token: str, password: str, *, now: datetime | None = None) -> User:
    """Set the password through a link, which is then used up."""
    user = user_for_token(token, now=now)
    user.set_password(password)
    user.password_nonce = None
    user.failed_logins = 0
    user.locked_until = None
    record("password_set", user=user)
    return user


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password, in words the user can act on."""
    problems = []
    if len(password) < 8:
        problems.append("密码至少 8 位。")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        problems.append("密码须同时包含字母和数字。")
    if username and password.strip().lower() == username.strip().lower():
        problems.append("密码不能与用户名相同。")
    return problems


def send_password_link(user: User, *, now: datetime | None = None) -> str:
    """E-mail the user the link for their current nonce; returns the Message-ID. Call after commit."""
    if not user.email:
        raise WorkflowError(f"账号“{user.username}”没有登记邮箱，无法发送设置密码的链接。")
    now = now or utcnow()
    token = password_token(user, now=now)
    path = current_app.url_map.bind("localhost").build("auth.set_password", {"token": token})
    link = current_app.config["BASE_URL"].rstrip("/") + path
    context = dict(user=user, link=link, hours=current_app.config["PASSWORD_LINK_HOURS"],
                   expires=format_instant(now + link_lifetime(), DEFAULT_ZONE))
    message_id = send_email(
        to=user.email, subject="【学习宣贯填报汇总系统】请设置登录密码",
        text=render_template("email/set_password.txt", **context),
        html=render_template("email/set_password.html", **context),
    )
    record("password_link_sent", user=user, to=user.email)
    return message_id


def units_with_accounts() -> tuple[list[Unit], dict[int, list[User]]]:
    """Every unit in display order (contacts and parent loaded) and each unit's 填报人 accounts."""
    units = list(db.session.scalars(
        sa.select(Unit).options(selectinload(Unit.contacts), selectinload(Unit.parent))
        .order_by(Unit.sort_order, Unit.id)))
    accounts: dict[int, list[User]] = {}
    for user in db.session.scalars(sa.select(User).where(User.role == Role.reporter).order_by(User.id)):
        accounts.setdefault(user.unit_id, []).append(user)
    return units, accounts
