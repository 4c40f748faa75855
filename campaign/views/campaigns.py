"""Creating and running a campaign: new from a preset or a definition, edit, recipients, publish, close."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..access import campaign_deliverable_or_404, coordinator_required, managed_campaign_or_404, role_required
from ..extensions import db
from ..forms.campaigns import AddDeliverablesForm, CampaignForm, ConfirmForm, DefinitionForm, PresetForm, SelectChoice
from ..definitions.presets import load_preset, preset_keys
from ..models import Campaign, LatePolicy, Role, utcnow
from ..services import WorkflowError
from ..services import campaigns as service
from ..services.relays import relayed_own_deadlines
from ..services.standing import campaign_tallies
from ..timefmt import DEFAULT_ZONE, local
from ..services.unit_tree import unit_parents

bp = Blueprint("campaigns", __name__, url_prefix="/coordinator/campaigns")
staff_only = coordinator_required
# New campaigns come from the coordinating offices; a unit's 联络员 relays what it received instead.
creators_only = role_required(Role.coordinator, Role.admin)


# Posts whose form is shown again, as typed, when the page's CSRF token has expired.
RESUMABLE = {"campaigns.create_from_definition", "campaigns.edit", "campaigns.recipients"}
EXPIRED = "页面已过期（安全校验失败），您填写的内容已保留，请核对后再次提交。"


@bp.errorhandler(CSRFError)
def page_expired(exc):
    """An expired page: show the coordinator's form again with what was posted, so nothing typed is lost."""
    try:
        return _resume(request.endpoint)
    except HTTPException as refused:  # not this user's form: the access refusal comes first
        return current_app.handle_http_exception(refused)


def _resume(endpoint: str):
    if not current_user.is_authenticated or endpoint not in RESUMABLE:
        return render_template("errors/error.html", code=400, title="页面已过期",
                               message="安全校验失败：页面打开时间过长或已在别处退出。请返回上一页，刷新后重试。"), 400
    if current_user.role not in (Role.coordinator, Role.admin):
        abort(403)
    if endpoint == "campaigns.create_from_definition":
        form = DefinitionForm(meta={"csrf": False})
        form.validate()
        return render_template("campaigns/definition.html", form=form, example=_example_definition(),
                               error=EXPIRED), 400
    campaign = managed_campaign_or_404(request.view_args["campaign_id"])
    if endpoint == "campaigns.edit":
        form = CampaignForm(meta={"csrf": False})
        form.validate()
        return _render_edit(campaign, form, 400, error=EXPIRED)
    chosen = set(_ids("unit") or ()) | service.expand_subtrees(unit_parents(), _ids("subtree") or ())
    return _render_recipients(campaign, chosen, 400, error=EXPIRED)


def _presets():
    return [load_preset(key) for key in preset_keys()]


def _preset_form(formdata=None) -> PresetForm:
    form = PresetForm(formdata=formdata) if formdata is not None else PresetForm()
    form.preset.choices = [SelectChoice(p.key, f"{p.doc_number} {p.title}".strip()) for p in _presets()]
    return form


@bp.route("/new")
@creators_only
def new():
    """Choose a built-in notice (or go on to paste a definition)."""
    return _render_new(_preset_form())


def _render_new(form, status=200):
    return render_template("campaigns/new.html", form=form, presets={p.key: p for p in _presets()},
                           year=service.current_year(DEFAULT_ZONE)), status


@bp.route("/new/preset", methods=["POST"])
@creators_only
def create_from_preset():
    """Create a draft campaign from a preset, its dates moved to this year if asked."""
    form = _preset_form(request.form)
    if not form.validate():
        return _render_new(form, 400)
    preset = load_preset(form.preset.data)
    year = service.current_year(preset.timezone) if form.shift.data else None
    campaign = service.create_from_preset(preset, user=current_user, shift_to_year=year)
    db.session.commit()
    flash("已按通知创建草稿。请核对截止时间和联系人，选择报送单位后发布。", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/new/definition", methods=["GET", "POST"])
@creators_only
def create_from_definition():
    """Create a draft campaign from a pasted or uploaded form definition; errors are shown by line."""
    form = DefinitionForm()
    example = _example_definition()
    if request.method == "GET":
        return render_template("campaigns/definition.html", form=form, example=example)
    if not form.validate_on_submit():
        return render_template("campaigns/definition.html", form=form, example=example,
                               error="创建未成功：请按标红的提示修改。您填写的内容都已保留。"), 400
    try:
        campaign = service.create_from_definition(
            form.definitions, user=current_user, title=form.title.data, doc_number=form.doc_number.data or "",
            default_deadline=form.deadline.data)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        form.definition.errors = [str(exc)]
        return render_template("campaigns/definition.html", form=form, example=example,
                               error="创建未成功：请按标红的提示修改。您填写的内容都已保留。"), 400
    flash("已按表单定义创建草稿。请补充发文单位和联系人，选择报送单位后发布。", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


def _example_definition() -> str:
    return (
        "title: 《质量强国建设纲要》学习活动情况\n"
        "deadline: 2024-02-27 下班前\n"
        "fields:\n"
        "  - key: report_text\n"
        "    type: textarea\n"
        "    label: 学习活动情况汇报\n"
        "    required: true\n"
        "    max_words: 3000\n"
        "  - key: essays\n"
        "    type: rows\n"
        "    label: 优秀学习感想或体会\n"
        "    min_rows: 2\n"
        "    max_rows: 2\n"
        "    columns:\n"
        "      - {key: title, label: 题目, required: true}\n"
        "      - {key: author, label: 作者, required: true}\n"
        "      - {key: text, type: textarea, label: 正文, required: true}\n"
    )


def _render_show(campaign: Campaign, close_form=None, status=200):
    now = utcnow()
    return render_template(
        "campaigns/show.html", campaign=campaign, tallies=campaign_tallies([campaign], now)[campaign.id], now=now,
        close_form=close_form or ConfirmForm(), past=service.past_deadlines(campaign, now),
        can=lambda action: service.allowed(action, campaign),
    ), status


@bp.route("/<int:campaign_id>")
@staff_only
def show(campaign_id: int):
    """The campaign: details, deliverables with deadlines, recipients, and what can be done next."""
    return _render_show(managed_campaign_or_404(campaign_id))


def _local(instant: datetime | None, zone: ZoneInfo) -> datetime | None:
    return local(instant, zone).replace(tzinfo=None) if instant else None


def _edit_data(campaign: Campaign) -> dict:
    zone = campaign.zone
    data = {name: getattr(campaign, name) for name in service.CAMPAIGN_DETAILS}
    data["deliverables"] = [{"id": str(d.id), "deadline": _local(d.deadline, zone), "late_policy": d.late_policy.value,
                             "cutoff": _local(d.cutoff, zone)} for d in campaign.deliverables]
    return data


def _render_edit(campaign, form, status=200, error=None):
    entries = list(zip(campaign.deliverables, form.deliverables.entries))
    return render_template("campaigns/edit.html", campaign=campaign, form=form, entries=entries, error=error,
                           own_deadlines=relayed_own_deadlines(campaign, utcnow()), remove_form=ConfirmForm(), can=lambda action: service.allowed(action, campaign)), status


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(campaign_id: int):
    """Edit the title, contact details, deadlines and late policies."""
    campaign = managed_campaign_or_404(campaign_id)
    if request.method == "GET":
        if not service.allowed("edit", campaign):
            flash(service.REFUSALS["edit"], "error")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
        return _render_edit(campaign, CampaignForm(data=_edit_data(campaign)))
    form = CampaignForm()
    posted_ids = [entry.form.id.data for entry in form.deliverables.entries]
    if posted_ids != [str(d.id) for d in campaign.deliverables]:
        form = CampaignForm(formdata=None, data=_edit_data(campaign))
        return _render_edit(campaign, form, 409, error="报送事项已被修改，页面已刷新为最新内容，请重新填写。")
    if not form.validate_on_submit():
        return _render_edit(campaign, form, 400, error="保存未成功：请按标红的提示修改。")
    details = {name: (getattr(form, name).data or "").strip() if name != "issued_on" else form.issued_on.data
               for name in service.CAMPAIGN_DETAILS}
    settings = {
        int(entry.form.id.data): service.DeliverableSettings(
            entry.form.deadline.data, LatePolicy(entry.form.late_policy.data), entry.form.cutoff.data)
        for entry in form.deliverables.entries
    }
    try:
        changed = service.update_campaign(campaign, user=current_user, details=details, deliverables=settings,
                                          confirm_late_relay=bool(form.confirm_late_relay.data))
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        return _render_edit(campaign, form, 400, error=str(exc))
    flash("已保存。" if changed else "没有改动。", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/deliverables/add", methods=["GET", "POST"])
@staff_only
def add_deliverables(campaign_id: int):
    """Add deliverables of one's own (for a relay: what the relaying unit asks of its units besides the upper
    level's), in the definition format."""
    campaign = managed_campaign_or_404(campaign_id)
    form = AddDeliverablesForm()
    if request.method == "GET" or not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("campaigns/add_deliverables.html", campaign=campaign, form=form,
                               example=_example_definition()), status
    try:
        added = service.add_deliverables(campaign, form.definitions, user=current_user,
                                         default_deadline=form.deadline.data)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        form.definition.errors = [str(exc)]
        return render_template("campaigns/add_deliverables.html", campaign=campaign, form=form,
                               example=_example_definition()), 400
    flash(f"已添加 {len(added)} 个报送事项：{'、'.join(d.label for d in added)}。", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/deliverables/<int:deliverable_id>/remove", methods=["POST"])
@staff_only
def remove_deliverable(campaign_id: int, deliverable_id: int):
    """Remove a deliverable nobody has started on (the tick confirms it)."""
    campaign = managed_campaign_or_404(campaign_id)
    deliverable = campaign_deliverable_or_404(campaign, deliverable_id)
    form = ConfirmForm()
    if not form.validate_on_submit() or not form.confirm.data:
        flash(f"请勾选确认后再删除“{deliverable.label}”。", "error")
        return redirect(url_for("campaigns.edit", campaign_id=campaign.id))
    label = deliverable.label
    try:
        service.remove_deliverable(deliverable, user=current_user)
        db.session.commit()
        flash(f"已删除报送事项“{label}”。", "success")
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("campaigns.edit", campaign_id=campaign_id))


def _ids(name: str) -> list[int] | None:
    values = request.form.getlist(name)
    if not all(v.isdigit() for v in values):
        return None
    return [int(v) for v in values]


def _render_recipients(campaign, selected: set[int], status=200, error=None):
    locked = service.started_units(campaign) if campaign.state.is_published else set()
    roots = service.recipient_choices(campaign)
    return render_template("campaigns/recipients.html", campaign=campaign, roots=roots, selected=selected,
                           home=service.home_units(roots, current_user.unit_id),
                           locked=locked, form=ConfirmForm(), error=error,
                           editable=service.allowed("recipients", campaign)), status


@bp.route("/<int:campaign_id>/recipients", methods=["GET", "POST"])
@staff_only
def recipients(campaign_id: int):
    """Choose the units that must report: single units and whole subtrees (`unit` and `subtree` ids)."""
    campaign = managed_campaign_or_404(campaign_id)
    if request.method == "GET":
        return _render_recipients(campaign, {u.id for u in campaign.recipients})
    unit_ids, subtree_ids = _ids("unit"), _ids("subtree")
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if unit_ids is None or subtree_ids is None:
        return _render_recipients(campaign, set(), 400, error="所选单位无效，请刷新页面后重新选择。")
    try:
        change = service.choose_recipients(campaign, user=current_user, unit_ids=unit_ids, subtree_ids=subtree_ids)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        chosen = set(unit_ids) | service.expand_subtrees(unit_parents(), subtree_ids)
        return _render_recipients(campaign, chosen, 400, error=str(exc))
    flash(f"已保存报送单位：共 {len(campaign.recipients)} 个（新增 {len(change.added)} 个，移除 {len(change.removed)} 个）。",
          "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


def _render_publish(campaign, form, status=200, error=None):
    return render_template("campaigns/publish.html", campaign=campaign, form=form, error=error,
                           past=service.past_deadlines(campaign)), status


@bp.route("/<int:campaign_id>/publish", methods=["GET", "POST"])
@staff_only
def publish(campaign_id: int):
    """Check and publish: every recipient gets the deliverables in its 待办; a past deadline needs a tick."""
    campaign = managed_campaign_or_404(campaign_id)
    form = ConfirmForm()
    if request.method == "GET":
        if not service.allowed("publish", campaign):
            flash(service.REFUSALS["publish"], "error")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
        return _render_publish(campaign, form)
    if not form.validate_on_submit():
        abort(400)
    try:
        service.publish(campaign, user=current_user, confirm_past_deadline=bool(form.confirm.data))
        db.session.commit()
    except service.PastDeadline as exc:
        db.session.rollback()
        form.confirm.errors.append(str(exc))
        return _render_publish(campaign, form, 400)
    except WorkflowError as exc:
        db.session.rollback()
        return _render_publish(campaign, form, 400, error=str(exc))
    flash(f"已发布。{len(campaign.recipients)} 个单位的待办中已列出本通知的报送事项。", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/close", methods=["POST"])
@staff_only
def close(campaign_id: int):
    """End the campaign: no more submissions are accepted (the tick confirms it)."""
    campaign = managed_campaign_or_404(campaign_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if service.allowed("close", campaign) and not form.confirm.data:
        form.confirm.errors.append("结束后各单位将不能再报送。确认结束，请勾选后再点“结束通知”。")
        return _render_show(campaign, form, 400)
    try:
        service.close(campaign, user=current_user)
        db.session.commit()
        flash("通知已结束，不再接收报送。", "success")
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))
