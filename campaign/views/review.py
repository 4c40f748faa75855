"""The coordinator's progress dashboard and review of submissions: read, compare, return, accept, extend."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, render_template_string, request, url_for
from markupsafe import Markup
from flask_login import current_user

from ..access import coordinator_required, managed_submission_or_404, viewable_campaign_or_404
from ..charts import cumulative_chart
from ..extensions import db
from ..forms.review import ExtensionForm, ReturnForm
from ..models import Submission, SubmissionState, utcnow
from ..services import WorkflowError
from ..services.diff import diff_revisions, field_text
from ..services.progress import dashboard
from ..services.relays import chain, relay_progress
from ..services.review import accept, extend, notify_unit, return_, revisions_of
from ..services.standing import FILTERS, SORTS, WORDS, unit_standing
from ..services.uploads import uploads_of
from ..timefmt import local

bp = Blueprint("review", __name__, url_prefix="/coordinator")
staff_only = coordinator_required
BADGE = '{% from "_macros.html" import state_badge %}{{ state_badge(state) }}'


@bp.route("/campaigns/<int:campaign_id>/progress")
@staff_only
def progress(campaign_id: int):
    """Counts per deliverable, submits over time against the deadline, and the unit × deliverable matrix;
    read-only for the coordinators of the campaigns it relays."""
    campaign, can_act = viewable_campaign_or_404(campaign_id)
    now = utcnow()
    view = dashboard(campaign, now, deliverable_id=request.args.get("d", type=int),
                     show=request.args.get("show", "all"), sort=request.args.get("sort", "order"))
    board = view.board
    start = campaign.published_at or campaign.created_at
    charts = {d.id: cumulative_chart(view.reported_times[d.id], tally=board.tallies[d.id], start=start,
                                     deadline=d.deadline, now=now, zone=campaign.timezone)
              for d in board.deliverables}
    # Built once, not per cell: a 3,000-unit matrix has thousands of them.
    badges = {s: Markup(render_template_string(BADGE, state=s)) for s in SubmissionState}
    submission_href = url_for("review.submission", submission_id=0)[:-1] + "{}"
    return render_template(
        "coordinator/progress.html", campaign=campaign, board=board, charts=charts, now=now, rows=view.rows,
        show=view.show, sort=view.sort, chosen=view.deliverable_id, filters=FILTERS, sorts=SORTS, words=WORDS,
        badges=badges, submission_href=submission_href, can_act=can_act, relays=relay_progress(campaign, now),
        chain=chain(campaign),
    )


def _render_submission(submission: Submission, *, return_form=None, extension_form=None, status: int = 200):
    deliverable = submission.deliverable
    campaign = deliverable.campaign
    revisions = revisions_of(submission)
    numbers = [r.number for r in revisions]
    b = request.args.get("b", type=int)
    b = b if b in numbers else (numbers[-1] if numbers else None)
    a = request.args.get("a", type=int)
    a = a if a in numbers and a != b else (b - 1 if b and b - 1 in numbers else None)
    by_number = {r.number: r for r in revisions}
    diffs = None
    if b is not None:
        diffs = diff_revisions(by_number[a].data if a else None, by_number[b].data, deliverable.form)
    now = utcnow()
    standing = unit_standing(deliverable, submission.unit_id, now, submission=submission, reminders=True)
    if extension_form is None:
        extension_form = ExtensionForm(formdata=None, data={
            "deadline": local(standing.deadline, campaign.zone).replace(tzinfo=None, second=0, microsecond=0)})
    return render_template(
        "coordinator/submission.html", submission=submission, deliverable=deliverable, campaign=campaign,
        revisions=revisions, latest=revisions[-1] if revisions else None, a=a, b=b, diffs=diffs,
        standing=standing, now=now, field_text=field_text, uploads=uploads_of(submission),
        return_form=return_form or ReturnForm(formdata=None), extension_form=extension_form,
    ), status


@bp.route("/submissions/<int:submission_id>")
@staff_only
def submission(submission_id: int):
    """One unit's submission: the submitted content, its revisions and their differences, and review actions."""
    return _render_submission(managed_submission_or_404(submission_id))


def _notify(submission: Submission, kind: str) -> None:
    """E-mail the unit after the change is committed; a failure is reported, not fatal."""
    sent, failed = notify_unit(submission, kind)
    db.session.commit()
    if failed:
        flash("通知邮件未能发出：" + "；".join(failed) + "。请电话告知该单位。", "error")
    elif sent:
        flash(f"已发送邮件通知 {len(sent)} 位联系人。", "info")
    else:
        flash("该单位没有登记电子邮箱，未发送邮件通知，请电话告知。", "info")


@bp.route("/submissions/<int:submission_id>/return", methods=["POST"])
@staff_only
def return_submission(submission_id: int):
    """Return a submitted submission with a required reason; the unit is e-mailed."""
    submission = managed_submission_or_404(submission_id)
    form = ReturnForm()
    if not form.validate():
        return _render_submission(submission, return_form=form, status=400)
    try:
        return_(submission, reason=form.reason.data, user=current_user)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        form.reason.errors.append(str(exc))
        return _render_submission(managed_submission_or_404(submission_id), return_form=form, status=400)
    flash(f"已退回{submission.unit.name}的材料。", "success")
    _notify(submission, "returned")
    return redirect(url_for("review.submission", submission_id=submission_id))


@bp.route("/submissions/<int:submission_id>/accept", methods=["POST"])
@staff_only
def accept_submission(submission_id: int):
    """Accept (采用) a submitted submission; the unit is e-mailed."""
    submission = managed_submission_or_404(submission_id)
    try:
        accept(submission, user=current_user)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("review.submission", submission_id=submission_id))
    flash(f"已采用{submission.unit.name}的材料。", "success")
    _notify(submission, "accepted")
    return redirect(url_for("review.submission", submission_id=submission_id))


@bp.route("/submissions/<int:submission_id>/extension", methods=["POST"])
@staff_only
def grant_extension(submission_id: int):
    """Give the unit a later deadline for this deliverable, with a reason."""
    submission = managed_submission_or_404(submission_id)
    form = ExtensionForm()
    if not form.validate():
        return _render_submission(submission, extension_form=form, status=400)
    zone = submission.deliverable.campaign.zone
    try:
        extend(submission, deadline=form.deadline.data.replace(tzinfo=zone), reason=form.reason.data,
               user=current_user)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        form.deadline.errors = [*form.deadline.errors, str(exc)]
        return _render_submission(managed_submission_or_404(submission_id), extension_form=form, status=400)
    flash(f"已为{submission.unit.name}延期。", "success")
    return redirect(url_for("review.submission", submission_id=submission_id))


EXPIRED = "页面已过期（安全校验失败），您填写的内容已保留，请再次提交。"


def resume_after_csrf_error():
    """The page's token expired on 退回 or 延期: show the submission again with what was typed kept."""
    submission = managed_submission_or_404(request.view_args["submission_id"])
    if request.endpoint == "review.return_submission":
        form = ReturnForm(meta={"csrf": False})
        form.validate()
        form.reason.errors = [*form.reason.errors, EXPIRED]
        return _render_submission(submission, return_form=form, status=400)
    form = ExtensionForm(meta={"csrf": False})
    form.validate()
    form.reason.errors = [*form.reason.errors, EXPIRED]
    return _render_submission(submission, extension_form=form, status=400)
