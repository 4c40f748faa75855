"""The administrator's pages: units and their contacts and accounts, the unit-list import."""
from __future__ import annotations

import io
import os
import re
import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user

from ..access import account_or_404, role_required
from ..extensions import db
from ..forms.admin import ConfirmImportForm, UnitImportForm
from ..jobs.tasks import deliver_password_links
from ..mail import MailError
from ..models import Role
from ..services import WorkflowError
from ..services.accounts import (renew_password_link, send_password_link, set_active as set_account_active,
                                staff_accounts, units_with_accounts)
from ..services.jobs import queue_password_links
from ..services.unit_files import UnreadableFile, read_rows, template_xlsx
from ..services.unit_import import apply_import, plan_import

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = role_required(Role.admin)
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}\.(xlsx|csv)$")
TEMPLATE_NAME = "单位名单导入模板.xlsx"


@bp.route("/units")
@admin_only
def units():
    """The 管理员 and 联络员 accounts with their roles, then every unit in display order with its contacts and
    填报人 accounts."""
    units, accounts = units_with_accounts()
    return render_template("admin/units.html", units=units, accounts=accounts, staff=staff_accounts())


@bp.route("/units/import/template.xlsx")
@admin_only
def import_template():
    """The blank import template, with a sheet explaining each column."""
    return send_file(io.BytesIO(template_xlsx()), as_attachment=True, download_name=TEMPLATE_NAME,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _import_dir() -> str:
    path = os.path.join(current_app.config["UPLOAD_DIR"], "imports")
    os.makedirs(path, exist_ok=True)
    return path


def _forget_pending() -> None:
    pending = session.pop("unit_import", None)
    if pending and UPLOAD_ID.match(pending.get("id", "")):
        try:
            os.unlink(os.path.join(_import_dir(), pending["id"]))
        except FileNotFoundError:
            pass


@bp.route("/units/import", methods=["GET", "POST"])
@admin_only
def import_units():
    """Upload a unit list; every row is checked and the changes are shown before anything is saved."""
    form = UnitImportForm()
    if not form.validate_on_submit():
        return render_template("admin/import.html", form=form, plan=None), 400 if form.is_submitted() else 200
    upload = form.file.data
    raw = upload.read(current_app.config["MAX_CONTENT_LENGTH"])
    try:
        rows = read_rows(upload.filename, raw)
    except UnreadableFile as exc:
        form.file.errors.append(str(exc))
        return render_template("admin/import.html", form=form, plan=None), 400
    plan = plan_import(rows)
    db.session.rollback()  # planning only reads; make sure nothing it touched is written
    confirm = None
    if plan.ok:
        _forget_pending()
        extension = "csv" if upload.filename.lower().endswith(".csv") else "xlsx"
        upload_id = f"{secrets.token_hex(16)}.{extension}"
        with open(os.path.join(_import_dir(), upload_id), "wb") as fh:
            fh.write(raw)
        session["unit_import"] = {"id": upload_id, "name": upload.filename}
        confirm = ConfirmImportForm(upload_id=upload_id)
    return render_template("admin/import.html", form=form, plan=plan, confirm=confirm,
                           filename=upload.filename), 200 if plan.ok else 400


@bp.route("/units/import/confirm", methods=["POST"])
@admin_only
def confirm_import():
    """Apply the previewed import in one transaction, then e-mail the new accounts their links."""
    form = ConfirmImportForm()
    pending = session.get("unit_import") or {}
    if not form.validate_on_submit() or form.upload_id.data != pending.get("id") or not UPLOAD_ID.match(pending["id"]):
        flash("导入已过期或已完成，请重新上传文件。", "error")
        return redirect(url_for("admin.import_units"))
    try:
        with open(os.path.join(_import_dir(), pending["id"]), "rb") as fh:
            raw = fh.read()
        # Checked again: the database may have changed since the preview.
        plan = plan_import(read_rows(pending["name"], raw))
    except (FileNotFoundError, UnreadableFile):
        session.pop("unit_import", None)
        flash("导入已过期或已完成，请重新上传文件。", "error")
        return redirect(url_for("admin.import_units"))
    try:
        accounts = apply_import(plan, user=current_user)
        db.session.commit()
    except WorkflowError:
        db.session.rollback()
        return render_template("admin/import.html", form=UnitImportForm(), plan=plan, confirm=None,
                               filename=pending["name"]), 400
    _forget_pending()
    job = queue_password_links(accounts, user=current_user, back_url=url_for("admin.units"))
    db.session.commit()
    flash(f"导入完成：新建 {plan.new_units} 个单位，更新 {plan.updated_units} 个单位，新建 {len(accounts)} 个填报人账号。"
          + ("设置密码的邮件由后台任务逐一发送，进度见下。" if job else ""), "success")
    if job is None:
        return redirect(url_for("admin.units"))
    deliver_password_links(job.id)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/users/<int:user_id>/send-link", methods=["POST"])
@admin_only
def send_link(user_id: int):
    """Send a new set-password link; earlier links stop working."""
    user = account_or_404(user_id)
    if not user.email:
        flash(f"账号“{user.username}”没有登记邮箱，无法发送链接。", "error")
        return redirect(url_for("admin.units"))
    renew_password_link(user)
    db.session.commit()
    try:
        send_password_link(user)
        db.session.commit()
    except MailError:
        current_app.logger.exception("set-password link to %s failed", user.username)
        flash(f"发往 {user.email} 的邮件未能发送，请检查邮件设置后重试。", "error")
    else:
        flash(f"已向 {user.email} 发送新的设置密码链接，之前发送的链接已失效。", "success")
    anchor = f"unit-{user.unit_id}" if user.role is Role.reporter else f"user-{user.id}"
    return redirect(url_for("admin.units", _anchor=anchor))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_only
def set_active(user_id: int):
    """停用 or 启用 an account; a disabled account's sessions end at once."""
    user = account_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        set_account_active(user, active, by=current_user)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(f"已{'启用' if active else '停用'}账号“{user.username}”。", "success")
    anchor = f"unit-{user.unit_id}" if user.role is Role.reporter else f"user-{user.id}"
    return redirect(url_for("admin.units", _anchor=anchor))
