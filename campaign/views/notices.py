"""A campaign proposed from the notice itself: upload or paste the notice, check each proposed value
beside the sentence it came from, correct what needs it, and create the draft."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..access import role_required
from ..definitions.proposer import NoDeliverable, Proposal, propose
from ..documents.notice_reader import notice_lines, text_lines
from ..documents.safety import DocumentRefused
from ..extensions import db
from ..forms.campaigns import NoticeForm, ProposalForm
from ..models import Role
from ..services import WorkflowError
from ..services import campaigns as service
from ..timefmt import DEFAULT_ZONE

bp = Blueprint("notices", __name__, url_prefix="/coordinator/campaigns/new/notice")
creators_only = role_required(Role.coordinator, Role.admin)
MAX_SOURCES = 400_000


EXPIRED = "页面已过期（安全校验失败），您填写的内容已保留，请核对后再次提交。"


@bp.errorhandler(CSRFError)
def page_expired(exc):
    """An expired page shows the form again with what was posted (a chosen file must be chosen again)."""
    if not current_user.is_authenticated or current_user.role not in (Role.coordinator, Role.admin):
        return render_template("errors/error.html", code=400, title="页面已过期",
                               message="安全校验失败：页面打开时间过长。请返回上一页，刷新后重试。"), 400
    if request.endpoint == "notices.create":
        form = ProposalForm()
        return render_template("notices/proposal.html", form=form, sources=_kept_sources(form.sources.data),
                               year=service.current_year(DEFAULT_ZONE), error=EXPIRED), 400
    form = NoticeForm()
    form.upload.errors = ["页面已过期，请重新选择通知文件后再读取。"]
    return render_template("notices/start.html", form=form), 400


@bp.route("", methods=["GET", "POST"])
@creators_only
def start():
    """Upload or paste the notice; a POST shows what it proposes."""
    form = NoticeForm()
    if not form.validate_on_submit():
        return render_template("notices/start.html", form=form), 400 if form.is_submitted() else 200
    try:
        lines = _lines(form)
        proposal = propose(lines)
    except (DocumentRefused, NoDeliverable) as exc:
        (form.upload if form.upload.data and form.upload.data.filename else form.text).errors.append(str(exc))
        return render_template("notices/start.html", form=form), 400
    return render_template("notices/proposal.html", form=_proposal_form(proposal), sources=_sources(proposal),
                           year=service.current_year(DEFAULT_ZONE))


def _lines(form: NoticeForm) -> list[str]:
    storage = form.upload.data
    if storage and storage.filename:
        return notice_lines(storage.filename, storage.read())
    if not (form.text.data or "").strip():
        raise DocumentRefused("请上传通知的 Word 文件，或把通知全文粘贴到这里。")
    return text_lines(form.text.data)


def _proposal_form(proposal: Proposal) -> ProposalForm:
    values = {name: value.value for name, value in proposal.details().items()}
    form = ProposalForm(formdata=None, data={**values, "definition": proposal.deliverables_yaml()})
    return form


def _sources(proposal: Proposal) -> dict:
    """Where each value came from, kept in the page so a refused create shows it again."""
    def one(value):
        shown = value.value
        if hasattr(shown, "strftime"):
            shown = shown.strftime("%Y-%m-%d %H:%M") if hasattr(shown, "hour") else shown.isoformat()
        return {"value": "" if shown is None else str(shown), "source": value.source, "note": value.note}

    return {
        "details": {name: one(value) for name, value in proposal.details().items()},
        "deliverables": [{"name": d.short_title.value or d.title.value, "title": one(d.title),
                          "deadline": one(d.deadline), "fields": [[s.label, s.source] for s in d.sources]}
                         for d in proposal.deliverables],
        "notes": proposal.notes,
    }


def _kept_sources(raw: str | None) -> dict:
    try:
        data = json.loads(raw or "{}") if len(raw or "") <= MAX_SOURCES else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


@bp.route("/create", methods=["POST"])
@creators_only
def create():
    """Create the draft from the proposal as corrected; a refusal shows everything again, sources too."""
    form = ProposalForm()
    sources = _kept_sources(form.sources.data)
    if form.validate_on_submit():
        details = {name: getattr(form, name).data for name in (
            "title", "doc_number", "issuer", "issued_on", "contact_department", "contact_name", "contact_phone",
            "contact_email")}
        year = service.current_year(DEFAULT_ZONE) if form.shift.data else None
        try:
            campaign = service.create_from_proposal(details, form.definitions, user=current_user, shift_to_year=year)
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            form.definition.errors = [str(exc)]
        else:
            flash("已按通知创建草稿。请选择报送单位后发布；表格栏目可在“表单设计”中调整。", "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return render_template("notices/proposal.html", form=form, sources=sources, year=service.current_year(DEFAULT_ZONE),
                           error="创建未成功：请按标红的提示修改。您填写的内容都已保留。"), 400
