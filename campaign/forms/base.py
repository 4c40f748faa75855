"""The base form: owns CSRF (Flask-WTF)."""
from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    """Every form of the app derives from this one."""
