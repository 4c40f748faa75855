"""Request hooks: security headers, error pages, template helpers."""
from __future__ import annotations

from flask import Flask, redirect, render_template, request, url_for
from sqlalchemy import exc as sa_exc
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .. import timefmt
from ..access import coordinates_relays
from ..definitions.schema import field_labels, short_label
from ..auth import RESUMABLE_ENDPOINTS, login_keeping_post
from ..extensions import db
from ..models import record
from ..services.accounts import password_expired
from ..services.deadlines import time_left
from ..forms.wordcount import count_words
from ..services.reminders.schedule import kind_label
from ..services.standing import word
from .review import resume_after_csrf_error as resume_review
from .unit import resume_after_csrf_error

# Everything is served locally; no inline script or style is allowed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


ERROR_PAGES = {
    403: ("无权访问", "您的账号无权访问此页面。如需访问，请联系管理员。"),
    404: ("页面不存在", "找不到您要访问的页面，可能链接有误或您无权查看。"),
    413: ("文件过大", "上传的内容超过大小限制。请点击浏览器的“后退”返回（已填写的内容仍在页面上），"
                      "将照片压缩或分几次上传后再试。"),
    429: ("操作过于频繁", "请稍候再试。"),
    500: ("系统出错", "系统处理您的请求时出错，已记录下来。请返回上一页重试；如果再次出现，请联系管理员。"),
    503: ("系统繁忙", "系统暂时无法保存（数据库繁忙或正在维护）。请稍候片刻再试；已填写但未保存的内容请先复制保留。"),
}


def _error_page(code: int, title: str, message: str):
    def handler(exc):
        return render_template("errors/error.html", code=code, title=title, message=message), code
    return handler


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.before_request
    def password_age():
        """A site that sets PASSWORD_MAX_AGE_DAYS sends a user with an old password to change it first."""
        if (app.config.get("PASSWORD_MAX_AGE_DAYS") and current_user.is_authenticated
                and request.endpoint not in ("auth.change_password", "auth.logout", "static")
                and password_expired(current_user)):
            return redirect(url_for("auth.change_password"))
        return None

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        resume = {**{e: resume_after_csrf_error for e in RESUMABLE_ENDPOINTS},
                  "review.return_submission": resume_review, "review.grant_extension": resume_review}
        if request.endpoint in resume and current_user.is_authenticated:
            try:
                return resume[request.endpoint]()
            except HTTPException as refused:  # not this user's form: the access refusal comes first
                return app.handle_http_exception(refused)
        if not current_user.is_authenticated:
            # The session is gone (cookies cleared, logged out elsewhere): log in right here, and a
            # form's fields come back after login.
            return login_keeping_post(status=400)
        return render_template("errors/error.html", code=400, title="页面已过期",
                               message="安全校验失败：页面打开时间过长。请返回上一页，刷新后重试。"), 400

    for code, (title, message) in ERROR_PAGES.items():
        app.register_error_handler(code, _error_page(code, title, message))
    refused_page = _error_page(403, *ERROR_PAGES[403])
    not_found_page = _error_page(404, *ERROR_PAGES[404])

    def record_refusal(status: int) -> None:
        """Who asked for what, from where, refused with which status; nothing else the request changed is kept."""
        try:
            db.session.rollback()
            record("access_refused", user=current_user, target=request.path[:200], method=request.method,
                   status=status)
            db.session.commit()
        except sa_exc.SQLAlchemyError:  # the refusal page is shown all the same
            db.session.rollback()
            app.logger.exception("could not record an access refusal")

    @app.errorhandler(403)
    def access_refused(exc):
        """A refusal is a security event: recorded with who, what and from where."""
        if current_user.is_authenticated:
            record_refusal(403)
        return refused_page(exc)

    @app.errorhandler(404)
    def not_found(exc):
        """An object that is not this user's (another unit's submission, another office's campaign) is answered
        404 like one that does not exist; both are recorded as refused accesses. Unknown paths are not."""
        if current_user.is_authenticated and request.url_rule is not None and request.endpoint != "static" \
                and any(isinstance(v, int) for v in (request.view_args or {}).values()):
            record_refusal(404)
        return not_found_page(exc)
    unavailable = _error_page(503, *ERROR_PAGES[503])

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InternalError)
    def database_unavailable(exc):
        """Anywhere else than a form that keeps what was typed: the Chinese 503 page."""
        app.logger.exception("database unavailable")
        db.session.rollback()
        return unavailable(exc)

    app.jinja_env.globals.update(
        format_instant=timefmt.format_instant, format_short=timefmt.format_short, time_left=time_left,
        format_span=timefmt.format_span, zone_name=timefmt.zone_name, count_words=count_words,
        word=word, kind_label=kind_label, coordinates_relays=coordinates_relays, default_zone=timefmt.DEFAULT_ZONE,
        field_labels=field_labels, short_label=short_label,
    )
