"""表单设计: a deliverable's form changed in the designer (or as YAML), safely once units may have typed.

A draft campaign's forms change freely. Once published, a change must keep what units typed
(`campaign.definitions.changes`); anything else is refused with the reasons, and may be added as a
new deliverable instead. Every change is in the audit log with what changed.
"""
from __future__ import annotations

from datetime import datetime

from ..definitions.changes import FormChanges, compare_forms
from ..definitions.deliverables import DeliverableDefinition
from ..definitions.schema import validate_form
from ..extensions import db
from ..models import Campaign, CampaignState, Deliverable, User, record
from . import WorkflowError
from .campaign_states import check
from .campaigns import add_deliverables

MAX_LOGGED_CHANGES = 60


class FormChangeRefused(WorkflowError):
    """The change would lose or invalidate what units typed; `changes.refused` says how."""

    def __init__(self, changes: FormChanges):
        self.changes = changes
        super().__init__("此通知已发布，以下修改会影响各单位已填写的内容，未保存：" + "；".join(changes.refused) + "。")


def blank_form(title: str) -> dict:
    """A form to start designing from: one long text box."""
    return validate_form({"title": title, "fields": [{"key": "f1", "type": "textarea", "label": "填报内容",
                                                       "required": True}]})


def change_form(deliverable: Deliverable, form: dict, *, short_title: str, user: User) -> FormChanges:
    """Save a checked form (validate_form's output) for the deliverable; FormChangeRefused if it is
    published and the change would not keep what units typed."""
    campaign = deliverable.campaign
    check("edit", campaign)
    if deliverable.relays_deliverable_id is not None:
        raise WorkflowError("转发的报送事项沿用上级的表格，不能修改；如需增加内容，请另建报送事项。")
    changes = compare_forms(deliverable.form, form)
    if (deliverable.short_title or "") != short_title:
        changes.kept.append(f"简称改为“{short_title}”")
    if campaign.state is not CampaignState.draft and changes.refused:
        raise FormChangeRefused(changes)
    if not changes.any:
        return changes
    deliverable.form = form
    deliverable.title = form["title"]
    deliverable.short_title = short_title
    record("form_changed", user=user, campaign_id=campaign.id, deliverable=deliverable.key,
           published=campaign.state is not CampaignState.draft,
           changes=(changes.kept + changes.refused)[:MAX_LOGGED_CHANGES])
    db.session.flush()
    return changes


def add_designed(campaign: Campaign, form: dict, *, short_title: str, deadline: datetime, user: User) -> Deliverable:
    """A new deliverable with this form (a blank one, or a change refused for an existing one)."""
    taken = {d.key for d in campaign.deliverables}
    number = len(campaign.deliverables) + 1
    while f"d{number}" in taken:
        number += 1
    definition = DeliverableDefinition(key=f"d{number}", short_title=short_title, title=form["title"],
                                       deadline=deadline, form=form)
    return add_deliverables(campaign, [definition], user=user, default_deadline=None)[0]
