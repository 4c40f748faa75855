"""The unit's pages: 待办 list, the forms, save, submit, withdraw, receipt."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..access import own_submission_or_404, reporter_deliverable_or_404, reporter_filing_or_404, role_required
from ..errors import DATABASE_UNAVAILABLE
from ..extensions import db
from ..forms.submission import build_form_class, data_to_formdata, form_to_data, problems
from ..jobs.tasks import process_photos
from ..models import Deliverable, Role, Submission, utcnow
from ..services import WorkflowError
from ..services.photos import (add_photos, discard_files, pending_jobs, photo_field, photos_of, queue_photo_job,
                               remove_photo)
from ..services.relays import has_subtree, relay_panel, unit_relays
from ..services.standing import unit_standing, unit_todo
from ..services.uploads import uploads_of
from ..services.submissions import (EditConflict, find_or_create_submission, get_submission, initial_data, save_draft,
                                    submit, withdraw)

bp = Blueprint("unit", __name__, url_prefix="/unit")
reporter_only = role_required(Role.reporter)


@bp.route("/")
@reporter_only
def todo():
    """待办: every deliverable the unit must file, with deadline, time left and state."""
    now = utcnow()
    unit = current_user.unit
    return render_template("unit/todo.html", items=unit_todo(unit, now), now=now, relays=unit_relays(unit),
                           may_relay=has_subtree(unit))


def render_form(deliverable: Deliverable, submission: Submission, form=None, *, status: int = 200,
                conflict: Submission | None = None, error: str | None = None, notice: str | None = None,
                photo_errors: dict[str, list[str]] | None = None, upload_errors: list[str] | None = None):
    """The form page; a refused post passes its own form so every field shows as typed."""
    now = utcnow()
    if form is None:
        form = build_form_class(deliverable.form, strict=False)(
            formdata=None, data=data_to_formdata(initial_data(submission), deliverable.form))
        form.version.data = str(submission.version)
    photos = photos_of(submission)
    return render_template(
        "unit/deliverable.html", deliverable=deliverable, campaign=deliverable.campaign, submission=submission,
        standing=unit_standing(deliverable, submission.unit_id, now, submission=submission), form=form,
        conflict=conflict, error=error, notice=notice, now=now, photos=photos, photo_jobs=pending_jobs(photos),
        problems=problems(form) if error and (form.errors or getattr(form, "limit_errors", None)) else [],
        photo_errors=photo_errors or {}, relay=relay_panel(deliverable, submission.unit_id),
        uploads=uploads_of(submission), upload_errors=upload_errors or [],
    ), status


@bp.route("/deliverables/<int:deliverable_id>", methods=["GET", "POST"])
@reporter_only
def deliverable(deliverable_id: int):
    """Show the form; POST saves a draft (action=save) or submits it (action=submit)."""
    deliverable, submission = reporter_filing_or_404(deliverable_id)
    if submission is None:
        submission, _ = find_or_create_submission(deliverable, current_user.unit_id)
        db.session.commit()
    if request.method == "GET":
        return render_form(deliverable, submission)
    return _handle_post(deliverable, submission, request.form)


def _base_version(form) -> int | None:
    raw = (form.version.data or "").strip()
    return int(raw) if raw.isdigit() else None


def _handle_post(deliverable: Deliverable, submission: Submission, formdata: MultiDict):
    action = formdata.get("action", "save")
    strict = action == "submit"
    form = build_form_class(deliverable.form, strict=strict)(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        count = len(problems(form))
        message = (f"报送未成功：请修改以下 {count} 处后再报送。" if strict
                   else f"保存未成功：请修改以下 {count} 处。")
        return render_form(deliverable, submission, form, status=400, error=message)
    data = form_to_data(form, deliverable.form)
    deliverable_id = deliverable.id  # read before the commit expires it
    written: list[str] = []
    try:
        if strict:
            receipt_no = submit(submission, data, base_version=_base_version(form), user=current_user).receipt_no
        else:
            save_draft(submission, data, base_version=_base_version(form), user=current_user)
            if action.startswith(("upload:", "delete_photo:")):
                # The typed text is saved first, in the same transaction as the photo change.
                return _photo_action(deliverable, submission, action, written)
        db.session.commit()
    except EditConflict as exc:
        db.session.rollback()
        discard_files(written)
        current = own_submission_or_404(submission.id)
        form.version.data = str(current.version)
        message = str(exc) + (" 照片未上传，请合并保存后重新选择照片。" if action.startswith("upload:") else "")
        return render_form(deliverable, current, form, status=409, conflict=current, error=message)
    except WorkflowError as exc:
        db.session.rollback()
        discard_files(written)
        return render_form(deliverable, own_submission_or_404(submission.id), form, status=400,
                           error=str(exc))
    except DATABASE_UNAVAILABLE:
        db.session.rollback()
        discard_files(written)
        return render_form(deliverable, own_submission_or_404(submission.id), form, status=503,
                           error="保存未成功：系统暂时无法写入（数据库繁忙或正在维护）。您填写的内容仍在下面，"
                                 "请稍候再点击“保存草稿”或“报送”。")
    except BaseException:
        db.session.rollback()
        discard_files(written)
        raise
    if strict:
        flash(f"报送成功。回执编号 {receipt_no}。", "success")
        return redirect(url_for("unit.receipt", deliverable_id=deliverable_id))
    flash("草稿已保存。", "success")
    return redirect(url_for("unit.deliverable", deliverable_id=deliverable_id))


def _photo_action(deliverable: Deliverable, submission: Submission, action: str, written: list[str]):
    """Upload into a photos field (action upload:<field>) or delete one (delete_photo:<id>)."""
    kind, _, arg = action.partition(":")
    anchor = f"field-{arg}"
    if kind == "upload":
        result = add_photos(submission, arg, request.files.getlist(f"upload_{arg}"), user=current_user)
        written.extend(result.paths)
        job = queue_photo_job(result.photos, user=current_user,
                              back_url=url_for("unit.deliverable", deliverable_id=deliverable.id)) if result.photos else None
        db.session.commit()
        if job is not None:
            process_photos(job.id)  # decoded by a worker; the form shows their progress
        if result.errors:
            saved = (f"草稿已保存，已上传 {len(result.photos)} 张照片，另有照片未能上传" if result.photos
                     else "草稿已保存，但照片未上传")
            return render_form(deliverable, submission, status=400, error=f"{saved}，请看照片栏目中的提示。",
                               photo_errors={arg: result.errors})
        flash(f"已上传 {len(result.photos)} 张照片，草稿已保存，照片正在处理。请为每张照片填写说明。", "success")
    else:
        if not arg.isdigit():
            abort(400)
        field_key = photo_field(submission, int(arg))
        anchor = f"field-{field_key}" if field_key is not None else anchor
        removed = remove_photo(submission, int(arg), user=current_user)
        db.session.commit()
        discard_files(removed)
        flash("照片已删除，草稿已保存。", "success")
    return redirect(url_for("unit.deliverable", deliverable_id=deliverable.id, _anchor=anchor))


@bp.route("/deliverables/<int:deliverable_id>/autosave", methods=["POST"])
@reporter_only
def autosave(deliverable_id: int):
    """Save a draft while the user types; answers JSON, 409 with the other version on conflict."""
    deliverable, submission = reporter_filing_or_404(deliverable_id)
    submission = submission or get_submission(deliverable, current_user.unit)
    form = build_form_class(deliverable.form, strict=False)(formdata=request.form, meta={"csrf": False})
    if not form.validate():
        return jsonify(ok=False, message="自动保存未成功：内容过长，请删减后再保存。"), 400
    try:
        save_draft(submission, form_to_data(form, deliverable.form), base_version=_base_version(form),
                   user=current_user)
        db.session.commit()
    except EditConflict as exc:
        db.session.rollback()
        current = own_submission_or_404(submission.id)
        return jsonify(ok=False, conflict=True, message=str(exc), version=current.version), 409
    except WorkflowError as exc:
        db.session.rollback()
        return jsonify(ok=False, message=str(exc)), 400
    saved = submission.updated_at.astimezone(deliverable.campaign.zone)
    return jsonify(ok=True, version=submission.version, saved_at=f"{saved:%H:%M:%S}")


@bp.route("/deliverables/<int:deliverable_id>/withdraw", methods=["POST"])
@reporter_only
def withdraw_submission(deliverable_id: int):
    """Withdraw a submitted, not yet accepted submission to edit it again."""
    deliverable = reporter_deliverable_or_404(deliverable_id)
    submission = get_submission(deliverable, current_user.unit)
    try:
        withdraw(submission, user=current_user)
        db.session.commit()
        flash("已撤回，修改后请重新报送。", "success")
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("unit.deliverable", deliverable_id=deliverable.id))


@bp.route("/deliverables/<int:deliverable_id>/receipt")
@reporter_only
def receipt(deliverable_id: int):
    """The 回执 of the unit's latest submit."""
    deliverable = reporter_deliverable_or_404(deliverable_id)
    submission = get_submission(deliverable, current_user.unit)
    if not submission.revisions:
        abort(404)
    return render_template("unit/receipt.html", deliverable=deliverable, campaign=deliverable.campaign,
                           submission=submission, revision=submission.revisions[-1])


def resume_after_login(target: str, fields: dict[str, list[str]]):
    """After a re-login, show the form the user was posting with what they had typed."""
    from flask import current_app

    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, args = adapter.match(target.split("?", 1)[0], method="POST")
    except Exception:  # noqa: BLE001 - any non-matching path just means nothing to resume
        return None
    if endpoint != "unit.deliverable" or current_user.role is not Role.reporter:
        return None
    deliverable = reporter_deliverable_or_404(args["deliverable_id"])
    submission = get_submission(deliverable, current_user.unit)
    db.session.commit()
    form = build_form_class(deliverable.form, strict=False)(formdata=MultiDict(
        [(k, v) for k, values in fields.items() for v in values]), meta={"csrf": False})
    form.validate()
    return render_form(deliverable, submission, form,
                       notice="登录已过期，您填写的内容已恢复，尚未保存。请检查后点击“保存草稿”或“报送”。")


def resume_after_csrf_error():
    """The CSRF token expired: show the form again with the posted fields."""
    deliverable = reporter_deliverable_or_404(request.view_args["deliverable_id"])
    submission = get_submission(deliverable, current_user.unit)
    db.session.commit()
    form = build_form_class(deliverable.form, strict=False)(formdata=request.form, meta={"csrf": False})
    form.validate()
    return render_form(deliverable, submission, form, status=400,
                       error="页面已过期（安全校验失败），您填写的内容已保留，请再次点击“保存草稿”或“报送”。")
