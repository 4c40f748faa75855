"""The coordinator's review forms: return with a reason, grant an extension."""
from wtforms import DateTimeLocalField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from .base import BaseForm


def strip(value):
    return value.strip() if isinstance(value, str) else value


class ReturnForm(BaseForm):
    reason = TextAreaField("退回原因", filters=[strip], validators=[
        DataRequired(message="请填写退回原因，单位将看到这一原因并据此修改。"),
        Length(max=2000, message="退回原因请控制在 2000 字以内。"),
    ])


class ExtensionForm(BaseForm):
    deadline = DateTimeLocalField("延期至", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                  invalid_value_message="请按“年-月-日 时:分”选择延期后的截止时间。", validators=[
        InputRequired(message="请选择延期后的截止时间（年月日 时:分）。"),
    ])
    reason = TextAreaField("延期原因", filters=[strip], validators=[
        DataRequired(message="请填写延期原因。"),
        Length(max=2000, message="延期原因请控制在 2000 字以内。"),
    ])
