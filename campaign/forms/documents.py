"""Uploading a filled template or a Word summary, and confirming its import."""
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import Regexp

from .base import BaseForm


class UploadForm(BaseForm):
    file = FileField("上传填好的文件", validators=[FileRequired(message="请选择要上传的文件。")])


class ApplyUploadForm(BaseForm):
    """确认导入, against the draft version the comparison was made with."""

    version = HiddenField(validators=[Regexp(r"^\d{1,9}$")])
