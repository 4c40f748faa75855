"""The base form: owns CSRF (Flask-WTF) and the input filter every field shares."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

LINE_BREAKS = "\r\n\x0b\x0c\x85\u2028\u2029"


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


class SingleLine:
    """A one-line field (a title, a name, a phone number) may not hold a line break: it would end up in mail
    headers and table cells where it breaks things."""

    def __call__(self, form, field):
        value = field.data if isinstance(field.data, str) else ""
        if any(ch in value for ch in LINE_BREAKS) or any(ord(ch) < 32 and ch != "\t" for ch in value):
            raise ValidationError(f"“{field.label.text}”不能换行，请写在一行内。")


def line_field(label: str, size: int, *, required: bool = False) -> StringField:
    """A one-line text field: required or optional, at most `size` characters, no line breaks."""
    first = InputRequired(message=f"请填写{label}。") if required else Optional()
    return StringField(label, validators=[first, SingleLine(),
                                          Length(max=size, message=f"{label}请不超过 {size} 字。")])
