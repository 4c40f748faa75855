"""Uploading a filled template or a Word summary, and confirming its import."""
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import HiddenField
from wtforms.validators import Regexp

from ..services.intake import refusal
from .base import BaseForm
from .submission import check_data
from .wordcount import count_words


class UploadForm(BaseForm):
    file = FileField("上传填好的文件", validators=[FileRequired(message="请选择要上传的文件。")])


class ApplyUploadForm(BaseForm):
    """确认导入, against the draft version the comparison was made with."""

    version = HiddenField(validators=[Regexp(r"^\d{1,9}$")])


class IntakeForm(BaseForm):
    """Files a coordinator received by e-mail: several files or a .zip."""

    files = MultipleFileField("选择文件（可多选，或上传一个 .zip 压缩包）",
                              validators=[FileRequired(message="请选择要导入的文件。")])


class ConfirmIntakeForm(BaseForm):
    batch = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$")])


def _words(data: dict, form: dict) -> int:
    return sum(count_words(str(data.get(spec["key"]) or "")) for spec in form["fields"]
               if spec["type"] in ("text", "textarea", "section"))


def screen(items, deliverable) -> None:
    """Put each matched file's content through the form's submit rules: what would be refused on the web is
    refused here, with the reason; `item.data` is what would be filed and `item.words` the 字数 of what was
    read (None when nothing could be read), for a refused file too."""
    for item in items:
        item.data = None
        item.words = _words(item.reading.data, deliverable.form) if item.reading is not None else None
        if not item.ok:
            continue
        stored, problems, limits = check_data(item.reading.data, deliverable.form)
        if stored is None or problems or limits:
            item.refused = "材料不完整或超过限制，不能代报：" + "；".join(limits + problems or ["内容过长"])
            continue
        if reason := refusal(deliverable, item):
            item.refused = reason
            continue
        item.data = stored
        item.words = _words(stored, deliverable.form)
