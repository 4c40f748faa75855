"""Login form."""
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from .base import BaseForm


class LoginForm(BaseForm):
    username = StringField("用户名", validators=[InputRequired(message="请输入用户名。"), Length(max=80)])
    password = PasswordField("密码", validators=[InputRequired(message="请输入密码。"), Length(max=200)])
    next = HiddenField()
    # Fields of a form posted after the session expired, as JSON; shown again after login.
    resume = HiddenField()
