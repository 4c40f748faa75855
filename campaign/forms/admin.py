"""Forms of the administrator's pages and of the set-password page."""
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from ..services.accounts import password_problems
from .base import BaseForm


class UnitImportForm(BaseForm):
    file = FileField("单位名单文件（.xlsx 或 .csv）", validators=[FileRequired(message="请选择要导入的 .xlsx 或 .csv 文件。")])


class ConfirmImportForm(BaseForm):
    upload_id = HiddenField(validators=[InputRequired()])


class SetPasswordForm(BaseForm):
    password = PasswordField("新密码", validators=[
        InputRequired(message="请输入新密码。"), Length(max=200, message="密码请不超过 200 个字符。")])
    confirm = PasswordField("再次输入新密码", validators=[
        InputRequired(message="请再次输入新密码。"), EqualTo("password", message="两次输入的密码不一致，请重新输入。")])

    def __init__(self, *args, username: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.username = username

    def validate_password(self, field):
        problems = password_problems(field.data or "", self.username)
        if problems:
            raise ValidationError("".join(problems))


class ChangePasswordForm(SetPasswordForm):
    """A logged-in user's own password change: the current one first."""

    current = PasswordField("当前密码", validators=[InputRequired(message="请输入当前密码。"),
                                                 Length(max=200, message="密码请不超过 200 个字符。")])
