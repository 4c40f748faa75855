"""The admin's security audit: the log, filtered, its chain verified, exported."""
from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user

from ..access import role_required
from ..extensions import db
from ..models import Role, record
from ..reports.audit import LABELS, build_csv, build_xlsx, rows
from ..services.audit import AuditQuery, entries, retention_days, seal, verify
from ..timefmt import DEFAULT_ZONE, EARLIEST, LATEST

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
admin_only = role_required(Role.admin)
KINDS = {"security": "安全事件", "workflow": "业务事件", "all": "全部"}


def _date(name: str) -> date | None:
    try:
        value = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return value if EARLIEST.date() <= value <= LATEST.date() else None


def _query() -> AuditQuery:
    kind = request.args.get("kind", "security")
    page = request.args.get("page", "1")
    return AuditQuery(kind=kind if kind in KINDS else "security", username=request.args.get("user", "")[:80].strip(),
                      start=_date("from"), end=_date("to"), page=int(page) if page.isdigit() and len(page) < 6 else 1)


@bp.route("/")
@admin_only
def index():
    """The audit log, security events apart from workflow ones, with the state of its hash chain."""
    seal()
    query = _query()
    found, total = entries(query)
    return render_template("admin/audit.html", query=query, entries=found, total=total, kinds=KINDS, labels=LABELS,
                           verdict=verify(), retention=retention_days(), page_size=100)


@bp.route("/export.<any(csv, xlsx):fmt>")
@admin_only
def export(fmt: str):
    """The filtered log as .csv or .xlsx (every cell text)."""
    query = _query()
    found, _ = entries(query, limit=None)
    out = io.BytesIO()
    (build_csv if fmt == "csv" else build_xlsx)(rows(found, DEFAULT_ZONE, LABELS), out)
    record("audit_exported", user=current_user, kind=query.kind, count=len(found), format=fmt)
    db.session.commit()
    out.seek(0)
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(out, mimetype=mimetype, as_attachment=True, download_name=f"安全审计记录.{fmt}")
