"""Offline filing on the unit's form page: download the Excel template, upload a filled template or a Word
summary, compare it with the draft field by field, and put it into the draft only after 确认导入."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from ..access import reporter_deliverable_or_404, role_required, viewable_upload_or_404
from ..extensions import db
from ..forms.documents import ApplyUploadForm, UploadForm
from ..forms.submission import check_data
from ..models import Role, record
from ..reports.template import build_template
from ..services import WorkflowError
from ..services.diff import diff_revisions
from ..services.submissions import EditConflict, get_submission
from ..services.uploads import (DocumentRefused, accepted_extensions, apply, check_identity, form_kind, merged,
                                pending_upload, read_file, read_stored, store, template_data, template_identity,
                                upload_path)
from .unit import render_form

bp = Blueprint("documents", __name__)
reporter_only = role_required(Role.reporter)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/unit/deliverables/<int:deliverable_id>/template.xlsx")
@reporter_only
def template(deliverable_id: int):
    """The unit's offline template of a table form, pre-filled with its draft."""
    deliverable = reporter_deliverable_or_404(deliverable_id)
    if form_kind(deliverable.form) != "table":
        abort(404)
    submission = get_submission(deliverable, current_user.unit)
    db.session.commit()
    out = io.BytesIO()
    build_template(deliverable.form, title=deliverable.label, unit_name=submission.unit.name,
                   data=template_data(submission), identity=template_identity(submission), out=out)
    out.seek(0)
    name = f"{submission.unit.name}_{deliverable.short_title or ''}{deliverable.title}_填报模板.xlsx"
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=name)


@bp.route("/unit/deliverables/<int:deliverable_id>/upload", methods=["POST"])
@reporter_only
def upload(deliverable_id: int):
    """Keep the uploaded file, read it, and show what it would change; a refused file is said why, and kept out."""
    deliverable = reporter_deliverable_or_404(deliverable_id)
    submission = get_submission(deliverable, current_user.unit)
    form = UploadForm()
    if not form.validate():
        return render_form(deliverable, submission, status=400, upload_errors=form.file.errors)
    storage = form.file.data
    raw = storage.read()
    try:
        reading = read_file(deliverable, storage.filename or "", raw)
        check_identity(reading, submission)
    except DocumentRefused as exc:
        db.session.rollback()
        return render_form(deliverable, submission, status=400, upload_errors=[f"“{storage.filename}”未能导入：{exc}"])
    kept = store(submission, storage.filename or "", raw, user=current_user)
    db.session.commit()
    return redirect(url_for("documents.review", deliverable_id=deliverable_id, upload_id=kept.id))


def _render_review(deliverable, submission, upload, status=200, error=None, form=None):
    try:
        reading = read_stored(upload, submission)
    except DocumentRefused as exc:
        return render_form(deliverable, submission, status=400, upload_errors=[f"“{upload.filename}”未能导入：{exc}"])
    data, problems, limits = check_data(merged(submission.data, reading.data), deliverable.form)
    form = form or ApplyUploadForm(formdata=None, data={"version": str(submission.version)})
    return render_template(
        "unit/upload.html", deliverable=deliverable, campaign=deliverable.campaign, submission=submission,
        upload=upload, reading=reading, problems=problems, limits=limits, storable=data is not None,
        diffs=diff_revisions(submission.data or None, data or reading.data, deliverable.form), form=form,
        error=error), status


def _pending(deliverable_id: int, upload_id: int):
    """The reporter's deliverable, submission and one of its uploads not yet imported; anything else is 404."""
    deliverable = reporter_deliverable_or_404(deliverable_id)
    submission = get_submission(deliverable, current_user.unit)
    try:
        return deliverable, submission, pending_upload(submission, upload_id)
    except WorkflowError:
        abort(404)


@bp.route("/unit/deliverables/<int:deliverable_id>/upload/<int:upload_id>")
@reporter_only
def review(deliverable_id: int, upload_id: int):
    """The uploaded file against the draft, field by field, with what the form's rules say of it."""
    return _render_review(*_pending(deliverable_id, upload_id))


@bp.route("/unit/deliverables/<int:deliverable_id>/upload/<int:upload_id>", methods=["POST"])
@reporter_only
def confirm(deliverable_id: int, upload_id: int):
    """确认导入: put the file's content into the draft (never submitted by itself)."""
    deliverable, submission, kept = _pending(deliverable_id, upload_id)
    form = ApplyUploadForm()
    if not form.validate():
        return _render_review(deliverable, submission, kept, 400, error="页面已过期，请重新确认。")
    try:
        reading = read_stored(kept, submission)
        data, _problems, limits = check_data(merged(submission.data, reading.data), deliverable.form)
        if data is None or limits:
            return _render_review(deliverable, submission, kept, 400, error="文件内容超过限制，未导入。请在 Word 或 Excel 中修改后重新上传。")
        apply(submission, kept, data, user=current_user, base_version=int(form.version.data))
        db.session.commit()
    except (EditConflict, WorkflowError, DocumentRefused) as exc:
        db.session.rollback()
        return _render_review(deliverable, get_submission(deliverable, current_user.unit), kept, 409
                              if isinstance(exc, EditConflict) else 400, error=str(exc))
    flash(f"已将“{kept.filename}”的内容导入草稿。请核对后点击“报送”。", "success")
    return redirect(url_for("unit.deliverable", deliverable_id=deliverable_id))


@bp.route("/uploads/<int:upload_id>")
@role_required(Role.reporter, Role.coordinator, Role.admin)
def download(upload_id: int):
    """An uploaded file as it was sent: to the unit's reporters and the campaign's staff."""
    kept = viewable_upload_or_404(upload_id)
    try:
        with open(upload_path(kept), "rb") as fh:
            content = fh.read()
    except FileNotFoundError:
        abort(404)
    record("export", user=current_user, kind="uploaded_file", upload_id=kept.id, filename=kept.filename)
    db.session.commit()
    response = send_file(io.BytesIO(content), mimetype="application/octet-stream", as_attachment=True,
                         download_name=kept.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.app_context_processor
def _upload_helpers() -> dict:
    return {"upload_extensions": accepted_extensions}

