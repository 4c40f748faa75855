"""Accounts: create users, check passwords with throttling, set passwords through e-mailed links."""
from __future__ import annotations

import functools
import hmac
import os
import re
import secrets
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..mail import send_email
from ..models import LoginAttempt, Role, Unit, User, record, utcnow
from ..timefmt import DEFAULT_ZONE, format_instant
from . import WorkflowError


def create_user(*, username: str, password: str | None, role: Role, name: str = "", email: str = "",
                phone: str = "", unit: Unit | None = None, by: User | None = None) -> User:
    """A new account; a reporter must be bound to a unit. Recorded in the audit log (`by` is who created it;
    none for the command line)."""
    if role is Role.reporter and unit is None:
        raise WorkflowError("填报人账号必须绑定一个单位。")
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise WorkflowError(f"用户名“{username}”已被使用。")
    user = new_account(username=username, role=role, name=name, email=email, phone=phone, unit=unit)
    if password:
        user.set_password(password)
    db.session.flush()
    record("account_created", user=by, target=username, role=role.value, unit=unit.name if unit else "")
    return user


def new_account(*, username: str, role: Role, name: str = "", email: str = "", phone: str = "",
                unit: Unit | None = None) -> User:
    """An account added to the session without a query: for callers that checked the name already
    (an import checks all its names in one query) and flush once for thousands."""
    user = User(username=username, role=role, name=name or username, email=email, phone=phone, unit=unit)
    db.session.add(user)
    return user


class Throttled(WorkflowError):
    """Too many tries from this address (for this account, or for any): wait, then try again."""


@functools.cache
def _dummy_hash() -> str:
    """Checked when the user name is unknown, so a refusal takes as long whether the account exists or not."""
    return generate_password_hash(secrets.token_hex(16))


def begin_attempt(username: str, address: str, *, now: datetime | None = None) -> LoginAttempt:
    """Register a try before it is checked; the caller commits it at once, so concurrent tries are ordered.
    Tries no longer remembered are forgotten on the way (forget_login_attempts)."""
    now = now or utcnow()
    forget_login_attempts(now)
    attempt = LoginAttempt(username=username.strip()[:80], address=(address or "unknown")[:64], at=now)
    db.session.add(attempt)
    db.session.flush()
    return attempt


def forget_login_attempts(now: datetime | None = None) -> int:
    """Delete the tries older than LOGIN_WINDOW_MINUTES, which no longer count; returns how many."""
    cutoff = (now or utcnow()) - timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    return db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount or 0


def login_delay(tries: int, free: int) -> timedelta:
    """How long a try must wait after the previous one, when `tries` were made before it: nothing for the
    first `free`, then LOGIN_DELAY_MINUTES doubling with each further try, never more than
    LOGIN_DELAY_CAP_MINUTES."""
    if tries < free:
        return timedelta(0)
    config = current_app.config
    cap = max(1, config["LOGIN_DELAY_CAP_MINUTES"])
    minutes = config["LOGIN_DELAY_MINUTES"] * 2 ** min(tries - free, 30)
    return timedelta(minutes=min(cap, minutes))


def _throttle(attempt: LoginAttempt) -> None:
    """Refuse a try that comes too soon after the previous ones: per account and address, and per address
    (never the account for everyone, so nobody can lock its owner out from elsewhere). The delay grows with
    each try past the free ones. Counts the remembered tries numbered before this one; a refused try is
    removed again, so hammering does not lengthen the wait."""
    config = current_app.config
    since = attempt.at - timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    earlier = sa.select(sa.func.count(LoginAttempt.id), sa.func.max(LoginAttempt.at)).where(
        LoginAttempt.id < attempt.id, LoginAttempt.at >= since, LoginAttempt.address == attempt.address)
    same, last_same = db.session.execute(earlier.where(LoginAttempt.username == attempt.username)).one()
    anyone, last_any = db.session.execute(earlier).one()
    # Only past the free tries: a concurrent try numbered earlier may carry a slightly later time.
    waits = [last + login_delay(tries, free) - attempt.at
             for tries, last, free in ((same, last_same, config["LOGIN_MAX_FAILURES"]),
                                       (anyone, last_any, config["LOGIN_ADDRESS_MAX_FAILURES"]))
             if last is not None and tries >= free]
    wait = max(waits, default=timedelta(0))
    if wait > timedelta(0):
        db.session.delete(attempt)
        record("login_throttled", username=attempt.username, address=attempt.address)
        minutes = -(-int(wait.total_seconds()) // 60)
        raise Throttled(f"登录尝试过多，请 {minutes} 分钟后再试。如忘记密码，请联系管理员重新发送设置密码的链接。")


def authenticate(username: str, password: str, *, attempt: LoginAttempt, now: datetime | None = None) -> User:
    """The user with these credentials. Every try was registered first (begin_attempt); tries past the limits
    are refused without looking at the password; a failure takes as long for an unknown name as a known one
    and is recorded with the address; a success forgets this account's failures from this address."""
    now = now or utcnow()
    _throttle(attempt)
    user = db.session.scalar(sa.select(User).where(User.username == attempt.username))
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        ok = False
    else:
        ok = user.check_password(password) and user.active
    if not ok:
        record("login_failed", user=user, username=attempt.username, address=attempt.address)
        raise WorkflowError("用户名或密码不正确，请重新输入。")
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == attempt.username,
                                                     LoginAttempt.address == attempt.address))
    user.last_login_at = now
    record("login", user=user, address=attempt.address)
    return user


def end_sessions(user: User) -> None:
    """Every session of the user ends (logout, password change, account disabled)."""
    user.session_version = (user.session_version or 0) + 1


def change_password(user: User, current: str, new: str) -> None:
    """The user's own password change; every other session of theirs ends."""
    if not user.check_password(current):
        raise WorkflowError("当前密码不正确。")
    problems = password_problems(new, user.username)
    if problems:
        raise WorkflowError("".join(problems))
    user.set_password(new)
    record("password_changed", user=user)


def password_expired(user: User, now: datetime | None = None) -> bool:
    """Whether the site's password age limit (PASSWORD_MAX_AGE_DAYS, 0: none) asks this user for a new one."""
    days = current_app.config.get("PASSWORD_MAX_AGE_DAYS") or 0
    if not days or user.password_changed_at is None:
        return False
    return (now or utcnow()) - user.password_changed_at > timedelta(days=days)


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
    user.set_password(password)  # also ends every session of the user
    user.password_nonce = None
    record("password_set", user=user)
    return user


PASSWORD_RULE = "至少 10 位，含大写字母、小写字母、数字、符号中的至少三种，不含用户名，不能是常见密码。"
COMMON_PASSWORDS_FILE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "common_passwords.txt")
CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"\d"), re.compile(r"[^A-Za-z\d\s]"))


@functools.cache
def common_passwords() -> frozenset[str]:
    with open(COMMON_PASSWORDS_FILE, encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip() and not line.startswith("#"))


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password, in words the user can act on (GB/T 22239 level 2: complex enough to
    resist guessing): at least 10 characters, three of four kinds, not the user name, not a common password."""
    problems = []
    if len(password) < 10:
        problems.append("密码至少 10 位。")
    if sum(1 for kind in CLASSES if kind.search(password)) < 3:
        problems.append("密码须包含大写字母、小写字母、数字、符号中的至少三种。")
    name = username.strip().lower()
    if name and len(name) >= 3 and name in password.lower():
        problems.append("密码不能包含用户名。")
    lowered = password.lower()
    base = re.sub(r"[\d\W_]+$", "", lowered)
    if lowered in common_passwords() or (len(base) >= 4 and base in common_passwords()):
        problems.append("这是常见密码，很容易被猜到，请换一个。")
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


def staff_accounts() -> list[User]:
    """The accounts that are not a unit's 填报人 (管理员, 联络员), admins first, then by user name."""
    order = sa.case((User.role == Role.admin, 0), else_=1)
    return list(db.session.scalars(sa.select(User).options(selectinload(User.unit))
                                   .where(User.role != Role.reporter).order_by(order, User.username)))


def set_active(user: User, active: bool, *, by: User) -> None:
    """Disable (its sessions end at once) or enable an account."""
    if user.id == by.id and not active:
        raise WorkflowError("不能停用自己正在使用的账号。")
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions(user)
    record("account_enabled" if active else "account_disabled", user=by, target=user.username)
