"""Forms as data: the definition format, loaded from YAML and validated with errors by line.

A form definition is a mapping::

    title: 《…》情况表            # shown above the form
    fields:                       # in display order
      - key: study                # identifier: lower-case letters, digits, _
        type: textarea            # text | textarea | section | rows | photos
        label: 组织开展学习情况     # exactly as in the notice
        guidance: 主要包括：…       # optional help line shown under the label
        required: true
        max_words: 500            # optional 字数 limit on this field
        default: "{unit}…"        # text only: pre-filled, {unit} is the unit name
      - key: documents
        type: rows                # a repeatable group of columns
        columns: [{key: name, label: 文件名称, required: true}, …]
        min_rows: 1               # optional; max_rows too
        none_label: 暂未出台…      # optional tick that allows zero rows
      - key: photos
        type: photos              # uploaded jpg/png with a caption each
        max_photos: 20
    limits:                       # 字数 limits over several fields together
      - {fields: [a, b], max_words: 3000, label: 工作总结}

The stored form is the normalised mapping (plain JSON); `validate_form` checks a mapping,
`load_form_text` parses YAML and reports each problem with its line number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

FIELD_TYPES = ("text", "textarea", "section", "rows", "photos")
COLUMN_TYPES = ("text", "textarea")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 60


@dataclass(frozen=True)
class DefinitionError:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}" if self.line else self.message


class InvalidDefinition(ValueError):
    def __init__(self, errors: list[DefinitionError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class _LineDict(dict):
    """A mapping that remembers the line of itself and of each key."""

    line: int | None = None
    key_lines: dict


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings remember where they were written."""

    def construct_line_map(self, node):
        data = _LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if hasattr(k, "value")}
        yield data
        data.update(self.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_line_map)


ONE_LINE_KEYS = {"title", "short_title", "label", "key", "none_label", "group_label"}  # shown in titles and headers
MAX_DEPTH = 20  # a form definition nests a few levels; anything deeper is not one


def _depth(text: str) -> int:
    """How deep the text nests, by brackets and by indentation, without parsing it."""
    deepest = level = 0
    for ch in text:
        if ch in "[{":
            level += 1
            deepest = max(deepest, level)
        elif ch in "]}":
            level = max(level - 1, 0)
    stack: list[int] = []
    for line in text.splitlines():
        if line.strip():
            indent = len(line) - len(line.lstrip(" -"))
            while stack and stack[-1] >= indent:
                stack.pop()
            stack.append(indent)
            deepest = max(deepest, len(stack))
    return deepest


def parse_yaml(text: str):
    """Parse YAML text keeping line numbers; raise InvalidDefinition on a syntax error or nesting too deep."""
    if _depth(text) > MAX_DEPTH:
        raise InvalidDefinition([DefinitionError(None, f"格式错误：层级嵌套过深（超过 {MAX_DEPTH} 层），这不是表单定义。")])
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except RecursionError:
        raise InvalidDefinition([DefinitionError(None, "格式错误：层级嵌套过深，这不是表单定义。")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        raise InvalidDefinition([DefinitionError(line, f"格式错误：{exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise InvalidDefinition([DefinitionError(None, f"格式错误：{exc}")]) from None


def _line(obj, key=None):
    if isinstance(obj, _LineDict):
        if key is not None and key in obj.key_lines:
            return obj.key_lines[key]
        return obj.line
    return None


class _Checker:
    def __init__(self):
        self.errors: list[DefinitionError] = []

    def fail(self, obj, message, key=None):
        self.errors.append(DefinitionError(_line(obj, key), message))

    def text(self, obj, key, *, required=True, where=""):
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(obj, f"{where}缺少“{key}”", key)
            return ""
        if not isinstance(value, (str, int, float)):
            self.fail(obj, f"{where}“{key}”应为文字", key)
            return ""
        text = str(value).strip()
        if key in ONE_LINE_KEYS and any(ch in text for ch in "\r\n\x0b\x0c\x85\u2028\u2029"):
            self.fail(obj, f"{where}“{key}”不能换行，请写在一行内", key)
            return ""
        return text

    def flag(self, obj, key, default=False, where=""):
        value = obj.get(key, default)
        if not isinstance(value, bool):
            self.fail(obj, f"{where}“{key}”应为 true 或 false", key)
            return default
        return value

    def count(self, obj, key, *, where="", minimum=0):
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(obj, f"{where}“{key}”应为不小于 {minimum} 的整数", key)
            return None
        return value

    def unknown(self, obj, allowed, where=""):
        for key in obj:
            if key not in allowed:
                self.fail(obj, f"{where}不认识的设置“{key}”，可用的设置：{'、'.join(sorted(allowed))}", key)


FIELD_KEYS = {
    "key", "type", "label", "guidance", "required", "max_words", "default", "group_label",
    "columns", "min_rows", "max_rows", "none_label", "add_label", "max_photos",
}
COLUMN_KEYS = {"key", "type", "label", "required", "max_words"}


def validate_form(raw) -> dict:
    """Check a form definition and return its normalised JSON form, or raise InvalidDefinition."""
    c = _Checker()
    if not isinstance(raw, dict):
        raise InvalidDefinition([DefinitionError(None, "表单定义应为一个映射（包含 title、fields 等设置）")])
    c.unknown(raw, {"title", "fields", "limits", "key", "short_title", "deadline"})
    form = {"title": c.text(raw, "title"), "fields": [], "limits": []}
    fields = raw.get("fields")
    if not isinstance(fields, list) or not fields:
        c.fail(raw, "“fields”应为至少包含一个栏目的列表", "fields")
        fields = []
    if len(fields) > MAX_FIELDS:
        c.fail(raw, f"栏目过多（最多 {MAX_FIELDS} 个）", "fields")
    seen: set[str] = set()
    for index, item in enumerate(fields, start=1):
        where = f"第 {index} 个栏目："
        if not isinstance(item, dict):
            c.fail(raw, f"{where}应为一个映射", "fields")
            continue
        field = _check_field(c, item, where)
        if field is None:
            continue
        if field["key"] in seen:
            c.fail(item, f"{where}标识“{field['key']}”重复，每个栏目的 key 须不同", "key")
        seen.add(field["key"])
        form["fields"].append(field)
    by_key = {f["key"]: f for f in form["fields"]}
    for index, item in enumerate(raw.get("limits") or [], start=1):
        where = f"第 {index} 个字数限制："
        if not isinstance(item, dict):
            c.fail(raw, f"{where}应为一个映射", "limits")
            continue
        c.unknown(item, {"fields", "max_words", "label", "note"}, where)
        keys = item.get("fields")
        if not isinstance(keys, list) or not keys:
            c.fail(item, f"{where}“fields”应列出参与计数的栏目", "fields")
            keys = []
        for key in keys:
            if key not in by_key:
                c.fail(item, f"{where}没有名为“{key}”的栏目", "fields")
            elif by_key[key]["type"] not in ("text", "textarea", "section"):
                c.fail(item, f"{where}栏目“{key}”不是文字栏目，不能计字数", "fields")
        if "max_words" not in item:
            c.fail(item, f"{where}缺少“max_words”（字数上限）")
        limit = c.count(item, "max_words", where=where, minimum=1)
        form["limits"].append({
            "fields": [str(k) for k in keys],
            "max_words": limit,
            "label": c.text(item, "label", required=False, where=where) or "全文",
            "note": c.text(item, "note", required=False, where=where),
        })
    if c.errors:
        raise InvalidDefinition(c.errors)
    return form


def _check_field(c: _Checker, item: dict, where: str) -> dict | None:
    c.unknown(item, FIELD_KEYS, where)
    key = c.text(item, "key", where=where)
    if key and not KEY_RE.match(key):
        c.fail(item, f"{where}标识“{key}”只能用小写字母、数字和下划线，并以字母开头", "key")
    kind = c.text(item, "type", required=False, where=where) or "textarea"
    if kind not in FIELD_TYPES:
        c.fail(item, f"{where}类型“{kind}”无效，可用类型：{'、'.join(FIELD_TYPES)}", "type")
        return None
    field = {
        "key": key,
        "type": kind,
        "label": c.text(item, "label", where=where),
        "guidance": c.text(item, "guidance", required=False, where=where),
        "group_label": c.text(item, "group_label", required=False, where=where),
        "required": c.flag(item, "required", where=where),
        "max_words": c.count(item, "max_words", where=where, minimum=1),
    }
    if kind == "text":
        field["default"] = c.text(item, "default", required=False, where=where)
    if kind == "rows":
        field.update(_check_rows(c, item, where))
    if kind == "photos":
        field["max_photos"] = c.count(item, "max_photos", where=where, minimum=1) or 20
    return field


def _check_rows(c: _Checker, item: dict, where: str) -> dict:
    columns = item.get("columns")
    if not isinstance(columns, list) or not columns:
        c.fail(item, f"{where}重复行栏目须用“columns”列出各列", "columns")
        columns = []
    checked, seen = [], set()
    for index, col in enumerate(columns, start=1):
        cw = f"{where}第 {index} 列："
        if not isinstance(col, dict):
            c.fail(item, f"{cw}应为一个映射", "columns")
            continue
        c.unknown(col, COLUMN_KEYS, cw)
        key = c.text(col, "key", where=cw)
        if key and not KEY_RE.match(key):
            c.fail(col, f"{cw}标识“{key}”只能用小写字母、数字和下划线", "key")
        if key in seen:
            c.fail(col, f"{cw}标识“{key}”重复", "key")
        seen.add(key)
        kind = c.text(col, "type", required=False, where=cw) or "text"
        if kind not in COLUMN_TYPES:
            c.fail(col, f"{cw}类型“{kind}”无效，可用类型：text、textarea", "type")
        checked.append({
            "key": key, "type": kind, "label": c.text(col, "label", where=cw),
            "required": c.flag(col, "required", where=cw),
            "max_words": c.count(col, "max_words", where=cw, minimum=1),
        })
    min_rows = c.count(item, "min_rows", where=where) or 0
    max_rows = c.count(item, "max_rows", where=where, minimum=1)
    if max_rows is not None and max_rows < min_rows:
        c.fail(item, f"{where}max_rows 不能小于 min_rows", "max_rows")
    return {
        "columns": checked,
        "min_rows": min_rows,
        "max_rows": max_rows,
        "none_label": c.text(item, "none_label", required=False, where=where),
        "add_label": c.text(item, "add_label", required=False, where=where) or "增加一行",
    }


def load_form_text(text: str) -> dict:
    """Parse and validate a form definition written in YAML."""
    return validate_form(parse_yaml(text))


def field_labels(form: dict) -> dict[str, str]:
    """Each field's label by key."""
    return {spec["key"]: spec["label"] for spec in form["fields"]}


_NUMBERING = re.compile(r"^\s*([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、])")


def short_label(label: str) -> str:
    """A section's number where it has one ("一、学习《纲要》有关情况" → "一、"), else its first words."""
    match = _NUMBERING.match(label)
    return match.group(1) if match else (label[:6] + "…" if len(label) > 7 else label)
