"""表单设计: build and change a deliverable's form by clicking (or by editing its YAML), with a live preview
rendered by the same templates a unit's form uses; and a campaign started blank."""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import campaign_deliverable_or_404, managed_campaign_or_404, role_required
from ..definitions.schema import DefinitionError, InvalidDefinition, load_form_text, validate_form
from ..definitions.proposer import dump_yaml
from ..extensions import db
from ..forms.campaigns import MAX_DEFINITION_BYTES, BlankCampaignForm, DesignForm
from ..forms.submission import build_form_class, data_to_formdata
from ..models import Role
from ..services import WorkflowError
from ..services import campaigns as campaigns_service
from ..services.design import FormChangeRefused, add_designed, blank_form, change_form
from ..timefmt import local
from ..definitions.deliverables import DeliverableDefinition

bp = Blueprint("design", __name__, url_prefix="/coordinator/campaigns")
creators_only = role_required(Role.coordinator, Role.admin)
PREVIEW_UNIT = "（单位名称）"


def _deliverable(campaign_id: int, deliverable_id: int):
    campaign = managed_campaign_or_404(campaign_id)
    return campaign, campaign_deliverable_or_404(campaign, deliverable_id)


def read_definition(form: DesignForm) -> dict:
    """The form definition posted by the designer (JSON) or typed as YAML; InvalidDefinition says what is wrong."""
    if form.mode.data == "yaml":
        return load_form_text(form.yaml.data or "")
    raw = form.definition_json.data or ""
    if len(raw) > MAX_DEFINITION_BYTES:
        raise InvalidDefinition([DefinitionError(None, "表单过大，请删减栏目后再保存。")])
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidDefinition([DefinitionError(None, "表单内容无法读取，请刷新页面后重试。")]) from None
    return validate_form(data)


def _render(campaign, deliverable, form: DesignForm, state: dict, *, status: int = 200, error: str | None = None,
            refused: list[str] | None = None):
    return render_template("design/edit.html", campaign=campaign, deliverable=deliverable, form=form, state=state,
                           preview=_preview_html(state), error=error, refused=refused or []), status


def _preview_html(form_def: dict) -> str:
    """The form as a unit will see it, rendered by the unit form's own templates."""
    try:
        checked = validate_form(form_def)
    except InvalidDefinition as exc:
        return render_template("design/_preview_errors.html", errors=exc.errors)
    data = {spec["key"]: spec["default"].replace("{unit}", PREVIEW_UNIT)
            for spec in checked["fields"] if spec.get("default")}
    unit_form = build_form_class(checked, strict=False)(formdata=None, data=data_to_formdata(data, checked), meta={"csrf": False})
    return render_template("design/_preview.html", form_def=checked, form=unit_form, editable=True, photos={},
                           photo_errors={}, photo_jobs=[])


@bp.route("/<int:campaign_id>/deliverables/<int:deliverable_id>/design", methods=["GET", "POST"])
@creators_only
def edit(campaign_id: int, deliverable_id: int):
    campaign, deliverable = _deliverable(campaign_id, deliverable_id)
    if request.method == "GET":
        form = DesignForm(formdata=None, data={"short_title": deliverable.short_title, "yaml": dump_yaml(deliverable.form)})
        return _render(campaign, deliverable, form, deliverable.form)
    form = DesignForm()
    if not form.validate_on_submit():
        return _render(campaign, deliverable, form, deliverable.form, status=400, error="未保存：请按标红的提示修改。")
    try:
        new = read_definition(form)
    except InvalidDefinition as exc:
        (form.yaml if form.mode.data == "yaml" else form.definition_json).errors = [str(e) for e in exc.errors]
        state = _posted_state(form) or deliverable.form
        return _render(campaign, deliverable, form, state, status=400, error="未保存：" + "；".join(str(e) for e in exc.errors))
    short_title = (form.short_title.data or "").strip()
    if form.action.data == "as_new":
        try:
            added = add_designed(campaign, new, short_title=short_title or new["title"][:20], user=current_user,
                                 deadline=local(deliverable.deadline, campaign.zone).replace(tzinfo=None))
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            return _render(campaign, deliverable, form, new, status=400, error=str(exc))
        flash(f"已另建报送事项“{added.title}”，截止时间与原事项相同，可在通知页修改。", "success")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    try:
        changes = change_form(deliverable, new, short_title=short_title, user=current_user)
        db.session.commit()
    except FormChangeRefused as exc:
        db.session.rollback()
        return _render(campaign, deliverable, form, new, status=409, refused=exc.changes.refused,
                       error="此通知已发布，以下修改会影响各单位已填写的内容，未保存。可以撤销这些修改，或把现在的表格另建为新的报送事项。")
    except WorkflowError as exc:
        db.session.rollback()
        return _render(campaign, deliverable, form, new, status=400, error=str(exc))
    flash("表单已保存：" + ("；".join(changes.kept[:10]) if changes.any else "没有改动") + "。", "success")
    return redirect(url_for("design.edit", campaign_id=campaign.id, deliverable_id=deliverable.id))


def _posted_state(form: DesignForm) -> dict | None:
    """What the designer posted, to show it again as it was when it cannot be saved."""
    try:
        data = json.loads(form.definition_json.data or "")
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("fields"), list) else None


@bp.route("/<int:campaign_id>/deliverables/<int:deliverable_id>/design/preview", methods=["POST"])
@creators_only
def preview(campaign_id: int, deliverable_id: int):
    """The preview of a form being designed (JSON in, HTML out)."""
    _deliverable(campaign_id, deliverable_id)
    if (request.content_length or 0) > MAX_DEFINITION_BYTES:
        abort(413)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return render_template("design/_preview_errors.html",
                               errors=[DefinitionError(None, "表单内容无法读取，请刷新页面后重试。")]), 400
    return _preview_html(data)


@bp.route("/<int:campaign_id>/deliverables/design-new", methods=["POST"])
@creators_only
def add(campaign_id: int):
    """A new deliverable to design, due when the campaign's last one is."""
    campaign = managed_campaign_or_404(campaign_id)
    number = len(campaign.deliverables) + 1
    last = max(campaign.deliverables, key=lambda d: d.deadline, default=None)
    if last is None:
        abort(404)
    try:
        added = add_designed(campaign, blank_form(f"附件{number}"), short_title=f"附件{number}", user=current_user,
                             deadline=local(last.deadline, campaign.zone).replace(tzinfo=None))
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return redirect(url_for("design.edit", campaign_id=campaign.id, deliverable_id=added.id))


@bp.route("/new/blank", methods=["GET", "POST"])
@creators_only
def new_campaign():
    """A campaign started blank: its title and deadline, then its forms in the designer."""
    form = BlankCampaignForm()
    if not form.validate_on_submit():
        return render_template("design/new.html", form=form), 400 if form.is_submitted() else 200
    first = DeliverableDefinition(key="d1", short_title="附件1", title=form.title.data.strip() + "情况",
                                  deadline=form.deadline.data, form=blank_form(form.title.data.strip() + "情况"))
    try:
        campaign = campaigns_service.create_from_definition(
            [first], user=current_user, title=form.title.data, doc_number=form.doc_number.data or "",
            default_deadline=form.deadline.data, issuer=form.issuer.data or "")
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        form.title.errors.append(str(exc))
        return render_template("design/new.html", form=form), 400
    flash("已创建草稿。请设计附件1的表格；需要更多附件时，在通知页点击“增加报送事项”。", "success")
    return redirect(url_for("design.edit", campaign_id=campaign.id, deliverable_id=campaign.deliverables[0].id))
