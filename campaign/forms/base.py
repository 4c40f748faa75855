"""The base form: owns CSRF (Flask-WTF) and the input filter every field shares."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField


def drop_nul(value):
    """U+0000 is never typed and PostgreSQL cannot store or compare it: drop it from any input."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Every form of the app derives from this one."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, (StringField, HiddenField)):
                options = {**options, "filters": [*unbound_field.kwargs.get("filters", ()), drop_nul]}
            return unbound_field.bind(form=form, **options)
