"""The coordinator's intake (代录) of files units sent by e-mail: upload, see each file's unit and problems,
confirm, and the matched ones are filed as 代报."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import campaign_deliverable_or_404, coordinator_required, managed_campaign_or_404
from ..extensions import db
from ..forms.documents import ConfirmIntakeForm, IntakeForm, screen
from ..services import WorkflowError
from ..services.intake import DocumentRefused, check, drop_batch, keep_batch, load_batch, take_in, tell_unit

bp = Blueprint("intake", __name__, url_prefix="/coordinator/campaigns/<int:campaign_id>/deliverables/<int:deliverable_id>/intake")


def _scope(campaign_id: int, deliverable_id: int):
    campaign = managed_campaign_or_404(campaign_id)
    return campaign, campaign_deliverable_or_404(campaign, deliverable_id)


def _page(campaign, deliverable, form=None, *, items=None, batch=None, status=200, error=None):
    return render_template("coordinator/intake.html", campaign=campaign, deliverable=deliverable,
                           form=form or IntakeForm(formdata=None), items=items, error=error,
                           confirm=ConfirmIntakeForm(formdata=None, data={"batch": batch}) if batch else None), status


@bp.route("/", methods=["GET", "POST"])
@coordinator_required
def index(campaign_id: int, deliverable_id: int):
    """Upload the files; the answer lists each file with the unit it was matched to, its 字数 and problems."""
    campaign, deliverable = _scope(campaign_id, deliverable_id)
    form = IntakeForm()
    if not form.is_submitted():
        return _page(campaign, deliverable)
    if not form.validate():
        return _page(campaign, deliverable, form, status=400)
    files = [(storage.filename or "未命名文件", storage.read()) for storage in form.files.data]
    try:
        items = check(deliverable, files)
    except DocumentRefused as exc:
        return _page(campaign, deliverable, form, status=400, error=str(exc))
    screen(items, deliverable)
    db.session.rollback()  # matching only reads; nothing of this upload is stored before the confirmation
    batch = keep_batch(files) if any(item.ok for item in items) else None
    return _page(campaign, deliverable, form, items=items, batch=batch)


@bp.route("/confirm", methods=["POST"])
@coordinator_required
def confirm(campaign_id: int, deliverable_id: int):
    """File every matched, complete file as its unit's submission (代报) and tell the units."""
    campaign, deliverable = _scope(campaign_id, deliverable_id)
    form = ConfirmIntakeForm()
    try:
        if not form.validate():
            raise WorkflowError("页面已过期，请重新上传。")
        items = check(deliverable, load_batch(form.batch.data))
        screen(items, deliverable)
        taken = [take_in(deliverable, item, item.data, user=current_user) for item in items if item.ok]
        db.session.commit()
    except (WorkflowError, DocumentRefused) as exc:
        db.session.rollback()
        return _page(campaign, deliverable, status=400, error=str(exc))
    drop_batch(form.batch.data)
    failures = [f for submission in taken for f in tell_unit(submission, current_user.name)]
    refused = len(items) - len(taken)
    flash(f"已代报 {len(taken)} 个单位的材料" + (f"，{refused} 个文件未导入" if refused else "") + "。", "success")
    if failures:
        flash("以下单位的通知邮件未能发出，请电话告知：" + "；".join(failures), "error")
    return redirect(url_for("review.progress", campaign_id=campaign.id))
