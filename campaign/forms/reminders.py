"""Forms of the 催报 page: choosing units, confirming a send, editing a deliverable's schedule."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, NumberRange, Regexp, ValidationError

from ..services.reminders.schedule import Schedule, parse_days
from .base import BaseForm


class SelectionForm(BaseForm):
    """Units ticked on the 催报 page, as 'deliverable_id:unit_id' values."""

    selected = SelectMultipleField("选择单位", validate_choice=False)
    everyone = SelectMultipleField("全部尚未报送的单位", validate_choice=False)  # deliverable ids

    def __init__(self, *args, owing: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.owing = owing

    def validate_selected(self, field):
        field.data = list(field.data or [])
        for deliverable_id in self.everyone.data or []:
            field.data += [value for value in self.owing if value.partition(":")[0] == deliverable_id]
        if not field.data:
            raise ValidationError("请至少勾选一个单位，再预览催报。")
        field.data = [value for value in field.data if value in self.owing]
        if not field.data:
            raise ValidationError("所选单位均已报送，无需催报。请刷新页面后重新选择。")


class SendForm(SelectionForm):
    """The preview's confirmation; `key` makes a double click or a resubmitted form harmless."""

    key = HiddenField(validators=[InputRequired(message="页面已失效，请重新预览后再发送。"),
                                  Regexp(r"^[0-9a-f]{32}$", message="页面已失效，请重新预览后再发送。")])


class ScheduleForm(BaseForm):
    """A deliverable's reminder schedule."""

    on_publish = BooleanField("发布时发送通知")
    days_before = StringField("截止前几天提醒", description="用逗号分隔的天数，例如 7,3,1；留空则不提醒。")
    on_deadline_day = BooleanField("截止当天上午提醒")
    overdue_every_days = IntegerField("逾期后每隔几天催报一次", description="填 0 表示逾期后不再自动催报。", validators=[
        InputRequired(message="请填写 0 到 30 之间的整数。"), NumberRange(0, 30, message="请填写 0 到 30 之间的整数。")])
    overdue_max = IntegerField("逾期催报最多几次", validators=[
        InputRequired(message="请填写 0 到 20 之间的整数。"), NumberRange(0, 20, message="请填写 0 到 20 之间的整数。")])

    def validate_days_before(self, field):
        try:
            parse_days(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    @classmethod
    def for_schedule(cls, schedule: Schedule, **kwargs) -> ScheduleForm:
        return cls(formdata=None, data={**schedule.to_json(), "days_before": ",".join(map(str, schedule.days_before))},
                   **kwargs)

    def schedule(self) -> Schedule:
        return Schedule(on_publish=self.on_publish.data, days_before=parse_days(self.days_before.data or ""),
                        on_deadline_day=self.on_deadline_day.data,
                        overdue_every_days=self.overdue_every_days.data, overdue_max=self.overdue_max.data)
