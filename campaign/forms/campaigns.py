"""The coordinator's forms: new campaign from a preset or a definition, edit, publish, close."""
from __future__ import annotations

from datetime import datetime

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, FieldList, Form, FormField, HiddenField, RadioField, StringField, \
    TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

try:  # WTForms 3.3 declares options as SelectChoice; older versions take (value, label) pairs
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

from ..models import LatePolicy
from ..timefmt import check_range
from ..services.campaigns import DeliverableSettings, settings_errors
from .base import BaseForm, line_field
from ..definitions.schema import InvalidDefinition
from ..definitions.deliverables import load_deliverables_text
from .submission import clean_input
from ..documents.notice_reader import decode_text

MAX_DEFINITION_BYTES = 200_000
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


class LocalDateTimeField(StringField):
    """A local date and time (<input type=datetime-local>), kept as typed when it cannot be read."""

    widget_type = "datetime-local"

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"type": "datetime-local", "step": "1"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        for fmt in DATETIME_FORMATS:
            try:
                moment = datetime.strptime(self.raw, fmt)
            except ValueError:
                continue
            self.data = check_range(moment)
            return
        raise ValueError("请填写正确的日期和时间，例如 2024-03-31 18:00。")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, datetime):
            return self.data.strftime("%Y-%m-%dT%H:%M:%S" if self.data.second else "%Y-%m-%dT%H:%M")
        return ""


class LocalDateField(DateField):
    """A date (<input type=date>); an unreadable one is refused in Chinese and shown as typed."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("请填写正确的日期，例如 2024-02-08。") from None
        if self.data is not None:
            check_range(datetime.combine(self.data, datetime.min.time()))


class OneOfChoices:
    """The value must be one of the field's choices (WTForms' own check speaks English)."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data not in {getattr(c, "value", None) or c[0] for c in field.choices}:
            raise ValidationError(self.message)


class PresetForm(BaseForm):
    preset = RadioField("选择通知", choices=[], validate_choice=False,
                        validators=[InputRequired(message="请选择一份通知。"), OneOfChoices("请选择一份通知。")])
    shift = BooleanField("把通知中的日期改到今年（月、日和时刻不变）", default=True)


def read_definitions(form) -> bool:
    """Read the form's definition text into `form.definitions`; errors go beside the field they concern."""
    try:
        form.definitions = load_deliverables_text(form.definition.data or "")
    except InvalidDefinition as exc:
        form.definition.errors = [str(e) for e in exc.errors]
        return False
    if form.deadline.data is None and any(d.deadline is None for d in form.definitions):
        form.deadline.errors.append("定义中没有写截止时间的报送事项，将使用这里的截止时间，请填写。")
        return False
    return True


class DefinitionForm(BaseForm):
    title = line_field("通知标题", 300, required=True)
    doc_number = line_field("文号", 100)
    deadline = LocalDateTimeField("填报截止时间", validators=[Optional()])
    definition = TextAreaField("表单定义", validators=[Length(max=MAX_DEFINITION_BYTES,
                                                          message="表单定义过长，请删减后再试。")])
    upload = FileField("或上传定义文件（.yaml、.yml 或 .txt，UTF-8 或 GBK 编码）")

    def validate(self, extra_validators=None) -> bool:
        """Read an uploaded file into the text box first, so the text is shown again if refused."""
        self.definitions = []
        upload_error = self._take_upload()
        ok = super().validate(extra_validators)
        if upload_error:
            self.upload.errors.append(upload_error)
            return False
        return ok and read_definitions(self)

    def _take_upload(self) -> str | None:
        """Put an uploaded file's text into the text box; return what is wrong with the file, if anything."""
        storage = self.upload.data
        if not storage or not getattr(storage, "filename", ""):
            self.definition.data = clean_input(self.definition.data or "")
            return None
        raw = storage.read(MAX_DEFINITION_BYTES + 1)
        if len(raw) > MAX_DEFINITION_BYTES:
            return "文件过大（超过 200 KB），请检查是否选错了文件。"
        text = decode_text(raw)
        if text is None:
            return "无法读取该文件：请上传纯文本的 YAML 文件（UTF-8 或 GBK 编码），不要上传 Word 或 Excel 文件。"
        self.definition.data = clean_input(text)
        return None


POLICY_CHOICES = [SelectChoice(p.value, p.label) for p in LatePolicy]


class DeliverableForm(Form):
    id = HiddenField()
    deadline = LocalDateTimeField("填报截止时间", validators=[InputRequired(message="请填写填报截止时间。")])
    late_policy = RadioField("逾期处理", choices=POLICY_CHOICES, default=LatePolicy.flag.value, validate_choice=False,
                             validators=[InputRequired(message="请选择逾期处理方式。"),
                                         OneOfChoices("请选择逾期处理方式。")])
    cutoff = LocalDateTimeField("补报截止时间", validators=[Optional()])

    def validate_cutoff(self, field):
        if self.deadline.data is None or self.late_policy.data not in {p.value for p in LatePolicy}:
            return
        problems = settings_errors(DeliverableSettings(self.deadline.data, LatePolicy(self.late_policy.data), field.data))
        if "cutoff" in problems:
            raise ValidationError(problems["cutoff"])


class CampaignForm(BaseForm):
    title = line_field("通知标题", 300, required=True)
    doc_number = line_field("文号", 100)
    issuer = line_field("发文单位", 200)
    issued_on = LocalDateField("印发日期", validators=[Optional()], render_kw={"type": "date"})
    contact_department = line_field("联系处室", 200)
    contact_name = line_field("联系人", 100)
    contact_phone = line_field("联系电话", 100)
    contact_email = StringField("电子邮箱", validators=[Optional(), Email(message="请填写正确的电子邮箱地址。"),
                                                    Length(max=254, message="电子邮箱请不超过 254 字。")])
    deliverables = FieldList(FormField(DeliverableForm), min_entries=0, max_entries=50)
    confirm_late_relay = BooleanField("截止时间晚于上级，仍然使用")


class AddDeliverablesForm(BaseForm):
    """More deliverables for an existing campaign (a relaying unit's own, for instance), in the definition format."""

    deadline = LocalDateTimeField("填报截止时间", validators=[Optional()])
    definition = TextAreaField("表单定义", validators=[InputRequired(message="请填写表单定义。"),
                                                     Length(max=MAX_DEFINITION_BYTES, message="表单定义过长，请删减后再试。")])

    def validate(self, extra_validators=None) -> bool:
        self.definitions = []
        return super().validate(extra_validators) and read_definitions(self)


MAX_NOTICE_TEXT = 400_000


class NoticeForm(BaseForm):
    """The notice a campaign is proposed from: its Word file, or its text pasted."""

    upload = FileField("通知文件（.docx，或 .doc、.wps）")
    text = TextAreaField("或粘贴通知全文", validators=[Length(max=MAX_NOTICE_TEXT, message="通知文字过长，请只粘贴通知正文和附件。")])


class ProposalForm(BaseForm):
    """A proposed campaign as the coordinator corrects it before the draft is made."""

    title = line_field("通知标题", 300, required=True)
    doc_number = line_field("文号", 100)
    issuer = line_field("发文单位", 200, required=True)
    issued_on = LocalDateField("印发日期", validators=[Optional()], render_kw={"type": "date"})
    contact_department = line_field("联系处室", 200)
    contact_name = line_field("联系人", 100)
    contact_phone = line_field("联系电话", 100)
    contact_email = StringField("电子邮箱", validators=[Optional(), Email(message="请填写正确的电子邮箱地址。"),
                                                    Length(max=254, message="电子邮箱请不超过 254 字。")])
    definition = TextAreaField("报送事项和表格栏目", validators=[
        InputRequired(message="请填写报送事项。"), Length(max=MAX_DEFINITION_BYTES, message="表单定义过长，请删减后再试。")])
    shift = BooleanField("把日期改到今年（月、日和时刻不变）", default=False)
    sources = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        self.definitions = []
        if not super().validate(extra_validators):
            return False
        try:
            self.definitions = load_deliverables_text(self.definition.data or "")
        except InvalidDefinition as exc:
            self.definition.errors = [str(e) for e in exc.errors]
            return False
        undated = [d.short_title or d.title for d in self.definitions if d.deadline is None]
        if undated:
            self.definition.errors = [f"“{name}”还没有截止时间：请在它的 deadline 一行写上日期，例如 2024-03-31 或 "
                                      "2024-03-31 下班前。" for name in undated]
            return False
        return True


class DesignForm(BaseForm):
    """The designer's save: the form as JSON (from the page's script) or as YAML (typed)."""

    short_title = line_field("简称（如“附件1”）", 100)
    definition_json = HiddenField(validators=[Length(max=MAX_DEFINITION_BYTES, message="表单过大，请删减栏目后再保存。")])
    yaml = TextAreaField("表单定义（YAML）", validators=[Length(max=MAX_DEFINITION_BYTES, message="表单定义过长，请删减后再试。")])
    mode = HiddenField(default="visual")
    action = HiddenField(default="save")


class BlankCampaignForm(BaseForm):
    """A campaign started blank, its forms then made in the designer."""

    title = line_field("通知标题", 300, required=True)
    doc_number = line_field("文号", 100)
    issuer = line_field("发文单位", 200)
    deadline = LocalDateTimeField("填报截止时间", validators=[InputRequired(message="请填写填报截止时间。")])


class ConfirmForm(BaseForm):
    """Publish or close: a tick that says the coordinator means it."""

    confirm = BooleanField("我已核对，确认操作")
