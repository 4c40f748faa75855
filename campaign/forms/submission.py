"""WTForms forms built from a form definition, and the rules checked on submit.

Two forms come from one definition: a lenient one for drafts (anything may be empty) and a
strict one for submitting (required fields, rows, 字数 limits). Both keep every value as typed,
so a refused form re-renders with nothing lost.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from .base import BaseForm
from .wordcount import count_words, normalize

# A draft may hold a lot, but not without bound.
MAX_FIELD_CHARS = 100_000
MAX_ROWS = 200


class Wordcount:
    """Refuse a field whose 字数 exceeds the limit, saying how many to cut."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field):
        n = count_words(field.data or "")
        if n > self.limit:
            raise ValidationError(f"字数为 {n}，超过 {self.limit} 字的限制，还需删减 {n - self.limit} 字。")


def clean_input(text: str) -> str:
    """Posted text as stored: normalised (LF line breaks, NFC) and without U+0000, which no
    keyboard types and PostgreSQL cannot store. Nothing else is removed."""
    return normalize(text).replace("\x00", "")


class Normalized(StringField):
    """A text field whose value is stored normalised (LF line breaks, NFC)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = clean_input(self.data or "")


class NormalizedArea(TextAreaField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = clean_input(self.data or "")


def _text_validators(spec: dict, strict: bool, label: str) -> list:
    validators = [Length(max=MAX_FIELD_CHARS, message=f"内容过长（超过 {MAX_FIELD_CHARS} 个字符），请删减后再保存。")]
    if strict and spec.get("required"):
        validators.insert(0, InputRequired(message=f"请填写“{label}”。"))
    else:
        validators.insert(0, Optional())
    if strict and spec.get("max_words"):
        validators.append(Wordcount(spec["max_words"]))
    return validators


def _text_field(spec: dict, strict: bool, label: str | None = None):
    label = label or spec["label"]
    kind = NormalizedArea if spec.get("type", "text") in ("textarea", "section") else Normalized
    # Required is enforced by our validators, not by the browser, so a draft can always be saved.
    return kind(label, validators=_text_validators(spec, strict, label))


def _row_form(spec: dict, strict: bool) -> type[Form]:
    attrs = {c["key"]: _text_field(c, strict) for c in spec["columns"]}
    return type(f"Row_{spec['key']}", (Form,), attrs)


def _photo_form() -> type[Form]:
    return type("PhotoRow", (Form,), {
        "id": HiddenField(),
        "caption": Normalized("照片说明", validators=[Optional(), Length(max=500, message="照片说明请不超过 500 字。")]),
    })


def build_form_class(form_def: dict, *, strict: bool) -> type[BaseForm]:
    """A FlaskForm class for the definition; strict adds the rules that apply on submit.

    Built once per definition and kept: the cache key is the definition's content, so a form changed in
    the designer (on any instance) gets a class of its own on its next request, and the class holds a
    private copy of the definition that no caller can change under it.
    """
    return _form_class(json.dumps(form_def, ensure_ascii=False, sort_keys=True), strict)


@lru_cache(maxsize=64)
def _form_class(definition: str, strict: bool) -> type[BaseForm]:
    form_def = json.loads(definition)
    attrs: dict = {"version": HiddenField()}
    for spec in form_def["fields"]:
        kind = spec["type"]
        if kind in ("text", "textarea", "section"):
            attrs[spec["key"]] = _text_field(spec, strict)
        elif kind == "rows":
            attrs[spec["key"]] = FieldList(FormField(_row_form(spec, strict)), min_entries=0, max_entries=MAX_ROWS)
            if spec.get("none_label"):
                attrs[spec["key"] + "_none"] = BooleanField(spec["none_label"])
        elif kind == "photos":
            attrs[spec["key"]] = FieldList(FormField(_photo_form()), min_entries=0, max_entries=MAX_ROWS)
    attrs["form_def"] = form_def
    attrs["strict"] = strict
    attrs["validate"] = _validate
    return type("SubmissionForm", (BaseForm,), attrs)


def _is_blank_row(entry) -> bool:
    return all(not (sub.data or "").strip() for sub in entry.form)


def _validate(self, extra_validators=None) -> bool:
    """Field validators, then the rules spanning fields: rows and 字数 limits."""
    if self.strict:
        # A row left completely empty is not an error: it is ignored.
        for spec in self.form_def["fields"]:
            if spec["type"] == "rows":
                entries = getattr(self, spec["key"])
                kept = [e for e in entries.entries if not _is_blank_row(e)]
                entries.entries = kept
    ok = BaseForm.validate(self, extra_validators)
    if not self.strict:
        return ok
    self.limit_errors = []
    for spec in self.form_def["fields"]:
        if spec["type"] == "rows":
            ok &= _check_rows(self, spec)
        elif spec["type"] == "photos" and spec.get("required"):
            field = getattr(self, spec["key"])
            if not any(e.form.id.data for e in field.entries):
                field.errors.append(f"请上传“{spec['label']}”（至少 1 张照片）。")
                ok = False
    for limit in self.form_def.get("limits", []):
        total = sum(count_words(getattr(self, key).data or "") for key in limit["fields"])
        if total > limit["max_words"]:
            over = total - limit["max_words"]
            message = (f"{limit['label']}共 {total} 字，超过 {limit['max_words']} 字的限制，"
                       f"还需删减 {over} 字。")
            self.limit_errors.append(message)
            ok = False
    return ok


def _check_rows(form, spec: dict) -> bool:
    field = getattr(form, spec["key"])
    none = getattr(form, spec["key"] + "_none", None)
    count = len(field.entries)
    label = spec["label"]
    if none is not None and none.data:
        if count:
            field.errors.append(f"已勾选“{spec['none_label']}”，请删除已填写的行，或取消勾选。")
            return False
        return True
    minimum = max(spec.get("min_rows") or 0, 1 if spec.get("required") else 0)
    if count < minimum:
        if none is not None:
            field.errors.append(f"请至少填写 {minimum} 行“{label}”，或勾选“{spec['none_label']}”。")
        else:
            field.errors.append(f"“{label}”须填写 {minimum} 项，目前填写了 {count} 项。")
        return False
    if spec.get("max_rows") and count > spec["max_rows"]:
        field.errors.append(f"“{label}”最多填写 {spec['max_rows']} 项，请删除多余的 {count - spec['max_rows']} 项。")
        return False
    return True


def form_to_data(form, form_def: dict) -> dict:
    """The submission data held by a form (already normalised), as stored in the database."""
    data: dict = {}
    for spec in form_def["fields"]:
        key, kind = spec["key"], spec["type"]
        if kind in ("text", "textarea", "section"):
            data[key] = getattr(form, key).data or ""
        elif kind == "rows":
            data[key] = [{c["key"]: entry.form[c["key"]].data or "" for c in spec["columns"]}
                         for entry in getattr(form, key).entries]
            if spec.get("none_label"):
                data[key + "_none"] = bool(getattr(form, key + "_none").data)
        elif kind == "photos":
            data[key] = [{"id": str(e.form.id.data or ""), "caption": e.form.caption.data or ""}
                         for e in getattr(form, key).entries if e.form.id.data]
    return data


def data_to_formdata(data: dict, form_def: dict) -> dict:
    """Stored data as the keyword arguments a form is built from (obj-less prefill)."""
    values: dict = {}
    for spec in form_def["fields"]:
        key, kind = spec["key"], spec["type"]
        if kind in ("text", "textarea", "section"):
            values[key] = data.get(key, "")
        elif kind in ("rows", "photos"):
            values[key] = list(data.get(key) or [])
            if kind == "rows" and spec.get("none_label"):
                values[key + "_none"] = bool(data.get(key + "_none"))
    return values


def data_to_multidict(data: dict, form_def: dict) -> MultiDict:
    """Data as a browser would post it, so what a file held goes through the same form as what was typed."""
    pairs: list[tuple[str, str]] = []
    for spec in form_def["fields"]:
        key, kind = spec["key"], spec["type"]
        if kind in ("text", "textarea", "section"):
            pairs.append((key, str(data.get(key) or "")))
        elif kind == "rows":
            for index, row in enumerate(data.get(key) or []):
                for column in spec["columns"]:
                    pairs.append((f"{key}-{index}-{column['key']}", str(row.get(column["key"]) or "")))
            if spec.get("none_label") and data.get(key + "_none"):
                pairs.append((key + "_none", "y"))
    return MultiDict(pairs)


def check_data(data: dict, form_def: dict) -> tuple[dict | None, list[str], list[str]]:
    """What a file held, through the form's rules: (the data as a draft would store it, or None when even a
    draft would refuse it; what submitting would refuse; the 字数 limits exceeded)."""
    formdata = data_to_multidict(data, form_def)
    lenient = build_form_class(form_def, strict=False)(formdata=formdata, meta={"csrf": False})
    stored = form_to_data(lenient, form_def) if lenient.validate() else None
    strict = build_form_class(form_def, strict=True)(formdata=formdata, meta={"csrf": False})
    strict.validate()
    labels = {spec["key"]: spec["label"] for spec in form_def["fields"]}
    problems = [f"{labels.get(name, name)}：{message}" for name, messages in _flat_errors(strict.errors)
                for message in messages]
    return stored, problems, list(getattr(strict, "limit_errors", []))


@dataclass(frozen=True)
class Problem:
    """One thing to fix, for the summary at the top of a refused form: where, what, and the id
    of the control to jump to."""

    label: str
    message: str
    anchor: str


def problems(form) -> list[Problem]:
    """Every problem of a validated form, in the form's order; 字数 limits point at their first field."""
    found: list[Problem] = []
    for spec in form.form_def["fields"]:
        key, kind = spec["key"], spec["type"]
        field = getattr(form, key, None)
        if field is None:
            continue
        if kind in ("text", "textarea", "section"):
            found += [Problem(spec["label"], m, field.id) for m in field.errors]
        elif kind in ("rows", "photos"):
            found += [Problem(spec["label"], m, f"field-{key}") for m in field.errors if isinstance(m, str)]
            columns = {c["key"]: c["label"] for c in spec.get("columns", [])}
            for index, entry in enumerate(field.entries):
                for column, messages in entry.form.errors.items():
                    label = f"{spec['label']}第 {index + 1} 项 · {columns.get(column, column)}"
                    found += [Problem(label, m, f"{key}-{index}-{column}") for m in messages if isinstance(m, str)]
    for limit, message in zip(_exceeded(form), getattr(form, "limit_errors", [])):
        found.append(Problem(limit["label"], message, limit["fields"][0]))
    return found


def _exceeded(form) -> list[dict]:
    return [limit for limit in form.form_def.get("limits", [])
            if sum(count_words(getattr(form, key).data or "") for key in limit["fields"]) > limit["max_words"]]


def _flat_errors(errors: dict, prefix: str = ""):
    """(field, messages) of a form's nested errors; a repeatable group's list holds its rows' errors (dicts)
    and the group's own messages (strings) side by side."""
    for name, value in errors.items():
        if isinstance(value, dict):
            yield from _flat_errors(value, name)
        elif isinstance(value, list):
            for entry in value:
                if isinstance(entry, dict):
                    yield from _flat_errors(entry, name)
            if own := [m for m in value if isinstance(m, str)]:
                yield prefix or name, own
        else:
            yield prefix or name, [m for m in value if isinstance(m, str)]
