"""Relaying a notice to the unit's own subtree, and taking in what its units filed."""
from __future__ import annotations

from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, StringField
from wtforms.validators import Email, Length, Optional, Regexp

from .base import BaseForm, line_field
from .campaigns import LocalDateTimeField


class RelayDeliverableForm(Form):
    """One deliverable of the upper notice: pass it down or not, and by when the units below must file it."""

    id = HiddenField()
    chosen = BooleanField("转发给下级报送")
    deadline = LocalDateTimeField("下级填报截止时间", validators=[Optional()])


class RelayForm(BaseForm):
    title = line_field("通知标题", 300, required=True)
    doc_number = line_field("文号", 100)
    contact_department = line_field("联系处室", 200)
    contact_name = line_field("联系人", 100, required=True)
    contact_phone = line_field("联系电话", 100, required=True)
    contact_email = StringField("电子邮箱", validators=[Optional(), Email(message="请填写正确的电子邮箱地址。"),
                                                    Length(max=254, message="电子邮箱请不超过 254 字。")])
    deliverables = FieldList(FormField(RelayDeliverableForm), min_entries=0, max_entries=50)
    confirm_late = BooleanField("截止时间晚于上级，仍然使用")

    def chosen_deadlines(self) -> dict[int, object]:
        """Deliverable id → the local deadline typed, for each ticked deliverable (None when left empty)."""
        return {int(entry.form.id.data): entry.form.deadline.data for entry in self.deliverables.entries
                if entry.form.chosen.data and (entry.form.id.data or "").isdigit()}


class GatherForm(BaseForm):
    """Confirms a gathering exactly as previewed: what was below (fingerprint) and the draft it replaces."""

    fingerprint = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$")])
    version = HiddenField(validators=[Regexp(r"^\d{1,9}$")])
