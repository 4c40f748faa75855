"""The coordinator's review forms: return with a reason, grant an extension."""
from wtforms import TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from .base import BaseForm
from .campaigns import LocalDateTimeField


def strip(value):
    return value.strip() if isinstance(value, str) else value


# Both forms are on one page: their fields keep the name "reason" but get ids of their own.
class ReturnForm(BaseForm):
    reason = TextAreaField("退回原因", id="return-reason", filters=[strip], validators=[
        DataRequired(message="请填写退回原因，单位将看到这一原因并据此修改。"),
        Length(max=2000, message="退回原因请控制在 2000 字以内。"),
    ])


class ExtensionForm(BaseForm):
    deadline = LocalDateTimeField("延期至", validators=[
        InputRequired(message="请选择延期后的截止时间（年月日 时:分）。"),
    ])
    reason = TextAreaField("延期原因", id="extension-reason", filters=[strip], validators=[
        DataRequired(message="请填写延期原因。"),
        Length(max=2000, message="延期原因请控制在 2000 字以内。"),
    ])
