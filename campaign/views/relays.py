"""A unit's relay (转发) of a notice it received, and compiling its units' material up (汇总上报)."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import (relayable_campaign_or_404, relayed_deliverable_or_404, reporter_deliverable_or_404,
                      role_required)
from ..extensions import db
from ..forms.relays import GatherForm, RelayForm
from ..models import Campaign, Role, utcnow
from ..services import WorkflowError
from ..services.diff import diff_revisions
from ..services.relays import (LateRelay, RelayDeliverable, apply_gathering, create_relay, gathering_state, merged,
                               own_deadlines, relay_defaults)
from ..reports import build, file_name, kinds
from ..reports.collect import collect
from ..services.submissions import EditConflict, get_submission
from ..services.uploads import attach

bp = Blueprint("relays", __name__, url_prefix="/relays")
reporter_only = role_required(Role.reporter)


def _render_new(upper: Campaign, form: RelayForm, status: int = 200, error: str | None = None):
    deliverables = {d.id: d for d in upper.deliverables}
    entries = [(deliverables.get(int(e.form.id.data or 0)), e) for e in form.deliverables.entries]
    now = utcnow()
    return render_template("relays/new.html", upper=upper, form=form, error=error, now=now,
                           own_deadlines=own_deadlines(upper, current_user.unit_id, now),
                           entries=[(d, e) for d, e in entries if d is not None]), status


@bp.route("/new/<int:campaign_id>", methods=["GET", "POST"])
@reporter_only
def new(campaign_id: int):
    """Relay a notice to the unit's own subtree: which deliverables, by when, and whom to ask."""
    upper = relayable_campaign_or_404(campaign_id)
    if request.method == "GET":
        return _render_new(upper, RelayForm(data=relay_defaults(upper, current_user.unit, current_user)))
    form = RelayForm()
    if [e.form.id.data for e in form.deliverables.entries] != [str(d.id) for d in upper.deliverables]:
        return _render_new(upper, RelayForm(formdata=None, data=relay_defaults(upper, current_user.unit,
                                                                                current_user)),
                           409, error="上级通知的报送事项已变化，页面已刷新，请重新填写。")
    if not form.validate_on_submit():
        return _render_new(upper, form, 400, error="转发未成功：请按标红的提示修改。")
    deadlines = form.chosen_deadlines()
    missing = [e for e in form.deliverables.entries if e.form.chosen.data and e.form.deadline.data is None]
    for entry in missing:
        entry.form.deadline.errors = [*entry.form.deadline.errors, "请填写下级的填报截止时间。"]
    if missing:
        return _render_new(upper, form, 400, error="转发未成功：请按标红的提示修改。")
    by_id = {d.id: d for d in upper.deliverables}
    chosen = [RelayDeliverable(by_id[i], local.replace(tzinfo=upper.zone)) for i, local in deadlines.items()]
    try:
        relay = create_relay(
            upper, current_user.unit, user=current_user, chosen=chosen, title=form.title.data,
            doc_number=form.doc_number.data or "", contact_department=form.contact_department.data or "",
            contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
            contact_email=form.contact_email.data or "", confirm_late=bool(form.confirm_late.data))
        db.session.commit()
    except LateRelay as exc:
        db.session.rollback()
        form.confirm_late.errors = [str(exc)]
        return _render_new(upper, form, 400)
    except WorkflowError as exc:
        db.session.rollback()
        return _render_new(upper, form, 400, error=str(exc))
    flash("已创建转发通知（草稿）。请选择本单位的下级报送单位，核对后发布。", "success")
    return redirect(url_for("campaigns.recipients", campaign_id=relay.id))


def _gathering(deliverable_id: int):
    """The unit's submission for an upper deliverable it relayed, the relayed deliverable, and where it stands."""
    deliverable = reporter_deliverable_or_404(deliverable_id)
    relayed = relayed_deliverable_or_404(deliverable)
    submission = get_submission(deliverable, current_user.unit)
    return deliverable, submission, relayed, gathering_state(submission, relayed)


def _render_gather(deliverable, submission, relayed, state, status: int = 200, error: str | None = None):
    after = merged(submission.data, state.gathered)
    form = GatherForm(formdata=None, data={"fingerprint": state.gathered.fingerprint,
                                            "version": str(submission.version)})
    diffs = diff_revisions(submission.data or None, after, deliverable.form)
    return render_template(
        "relays/gather.html", deliverable=deliverable, campaign=deliverable.campaign, submission=submission,
        relayed=relayed, state=state, form=form, error=error, diffs=diffs,
        replaced=[f.label for f in diffs if f.changed]), status


@bp.route("/deliverables/<int:deliverable_id>/gather")
@reporter_only
def gather_preview(deliverable_id: int):
    """What gathering the units' material would put in the draft, field by field, before anything changes."""
    return _render_gather(*_gathering(deliverable_id))


@bp.route("/deliverables/<int:deliverable_id>/gather", methods=["POST"])
@reporter_only
def gather_confirm(deliverable_id: int):
    """Put the previewed material into the unit's draft (never submitted by itself)."""
    deliverable, submission, relayed, state = _gathering(deliverable_id)
    form = GatherForm()
    if not form.validate():
        abort(400)
    if form.fingerprint.data != state.gathered.fingerprint:
        return _render_gather(deliverable, submission, relayed, state, 409,
                              error="下级单位的材料在您预览后有了变化，下面是最新的对照，请核对后再确认。")
    try:
        apply_gathering(submission, relayed, state.gathered, user=current_user, base_version=int(form.version.data))
        db.session.commit()
    except EditConflict as exc:
        db.session.rollback()
        return _render_gather(*_gathering(deliverable_id), status=409, error=str(exc))
    except WorkflowError as exc:
        db.session.rollback()
        return _render_gather(*_gathering(deliverable_id), status=400, error=str(exc))
    flash(f"已将 {len(state.gathered.sources)} 个下级单位的材料汇入草稿。请修改完善后再报送。", "success")
    return redirect(url_for("unit.deliverable", deliverable_id=deliverable_id))


@bp.route("/deliverables/<int:deliverable_id>/attach", methods=["POST"])
@reporter_only
def attach_rollups(deliverable_id: int):
    """Attach this level's own 汇总表 / 汇编 of the relayed deliverable to the unit's upward submission."""
    deliverable = reporter_deliverable_or_404(deliverable_id)
    relayed = relayed_deliverable_or_404(deliverable)
    submission = get_submission(deliverable, current_user.unit)
    rollup = collect(relayed.campaign, relayed)
    files = []
    for kind in kinds(relayed.form):
        out = io.BytesIO()
        build(rollup, kind, out)
        files.append((f"{current_user.unit.name}_{file_name(rollup, kind)}", out.getvalue()))
    try:
        kept = attach(submission, files, user=current_user)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("unit.deliverable", deliverable_id=deliverable_id))
    flash("已将本级汇总文件附在本单位的报送材料中：" + "、".join(k.filename for k in kept) + "。报送后上级可以下载。", "success")
    return redirect(url_for("unit.deliverable", deliverable_id=deliverable_id))
