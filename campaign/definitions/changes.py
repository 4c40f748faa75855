"""What a change to a published form does to what units already typed.

Once units may have typed into a form, it may only change in ways that keep every draft and every
submission valid and whole: a label, guidance or title reworded, fields moved, an optional field or
column added, a limit raised or removed. Anything else (a field removed or retyped, a field made
required, a limit lowered) is refused with the reason, and can be made a new deliverable instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TYPE_NAMES = {"text": "单行文字", "textarea": "多行文字", "section": "提纲段落", "rows": "可增行表格", "photos": "照片"}
WORDING = ("label", "guidance", "group_label", "none_label", "add_label", "default")


@dataclass
class FormChanges:
    """The changes between two versions of a form: those that keep what was typed, and those that would not."""

    kept: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.kept or self.refused)


def _raised(old, new) -> bool | None:
    """True if the limit went up or away, False if it came down or appeared, None if unchanged."""
    if old == new:
        return None
    if new is None:
        return True
    if old is None:
        return False
    return new > old


def _limit_change(what: str, old, new, changes: FormChanges) -> None:
    raised = _raised(old, new)
    if raised is None:
        return
    shown = lambda v: "不限" if v in (None, 0) else v  # noqa: E731
    line = f"{what}：{shown(old)} → {shown(new)}"
    if raised:
        changes.kept.append(line)
    else:
        changes.refused.append(f"{line}。收紧后，已填写的内容可能不再符合要求")


def compare_forms(old: dict, new: dict) -> FormChanges:
    """Every change from `old` to `new`, each in words, sorted into kept and refused."""
    changes = FormChanges()
    if old.get("title") != new.get("title"):
        changes.kept.append(f"标题改为“{new.get('title')}”")
    old_fields = {f["key"]: f for f in old["fields"]}
    new_fields = {f["key"]: f for f in new["fields"]}
    for key, before in old_fields.items():
        if key not in new_fields:
            changes.refused.append(f"删除栏目“{before['label']}”：各单位已填写的这一栏内容会丢失")
    if [k for k in old_fields if k in new_fields] != [k for k in new_fields if k in old_fields]:
        changes.kept.append("调整了栏目顺序")
    for key, after in new_fields.items():
        before = old_fields.get(key)
        if before is None:
            if after.get("required") or after.get("min_rows"):
                changes.refused.append(f"新增必填栏目“{after['label']}”：已报送的单位没有填写这一栏。可改为选填")
            else:
                changes.kept.append(f"新增选填栏目“{after['label']}”")
            continue
        _field_change(before, after, changes)
    _limits_change(old, new, changes)
    return changes


def _field_change(before: dict, after: dict, changes: FormChanges) -> None:
    name = before["label"]
    if before["type"] != after["type"]:
        changes.refused.append(f"栏目“{name}”由{TYPE_NAMES[before['type']]}改为{TYPE_NAMES[after['type']]}："
                               "已填写的内容无法转换")
        return
    for attribute in WORDING:
        if (before.get(attribute) or "") != (after.get(attribute) or ""):
            changes.kept.append(f"栏目“{name}”的{_attribute_name(attribute)}改为“{after.get(attribute) or '（无）'}”")
    if not before.get("required") and after.get("required"):
        changes.refused.append(f"栏目“{name}”改为必填：已报送的单位可能没有填写这一栏")
    elif before.get("required") and not after.get("required"):
        changes.kept.append(f"栏目“{name}”改为选填")
    _limit_change(f"栏目“{name}”字数上限", before.get("max_words"), after.get("max_words"), changes)
    if before["type"] == "photos":
        _limit_change(f"栏目“{name}”照片张数上限", before.get("max_photos"), after.get("max_photos"), changes)
    if before["type"] == "rows":
        _rows_change(before, after, changes)


def _rows_change(before: dict, after: dict, changes: FormChanges) -> None:
    name = before["label"]
    _limit_change(f"栏目“{name}”最多行数", before.get("max_rows"), after.get("max_rows"), changes)
    if (after.get("min_rows") or 0) > (before.get("min_rows") or 0):
        changes.refused.append(f"栏目“{name}”最少行数：{before.get('min_rows') or 0} → {after['min_rows']}。"
                               "已填写的单位可能行数不够")
    elif (after.get("min_rows") or 0) < (before.get("min_rows") or 0):
        changes.kept.append(f"栏目“{name}”最少行数：{before.get('min_rows') or 0} → {after.get('min_rows') or 0}")
    if before.get("none_label") and not after.get("none_label"):
        changes.refused.append(f"栏目“{name}”取消“{before['none_label']}”选项：已勾选的单位会没有内容")
    old_columns = {c["key"]: c for c in before["columns"]}
    new_columns = {c["key"]: c for c in after["columns"]}
    for key, column in old_columns.items():
        if key not in new_columns:
            changes.refused.append(f"删除“{name}”的“{column['label']}”列：已填写的这一列内容会丢失")
    for key, column in new_columns.items():
        old = old_columns.get(key)
        where = f"“{name}”的“{column['label']}”列"
        if old is None:
            if column.get("required"):
                changes.refused.append(f"新增必填的{where}：已填写的行没有这一列。可改为选填")
            else:
                changes.kept.append(f"新增选填的{where}")
            continue
        if old["label"] != column["label"]:
            changes.kept.append(f"“{name}”的“{old['label']}”列改名为“{column['label']}”")
        if old.get("type", "text") != column.get("type", "text"):
            # One line or several: the text is kept either way.
            changes.kept.append(f"{where}改为{TYPE_NAMES[column.get('type', 'text')]}")
        if not old.get("required") and column.get("required"):
            changes.refused.append(f"{where}改为必填：已填写的行可能没有这一列")
        _limit_change(f"{where}字数上限", old.get("max_words"), column.get("max_words"), changes)


def _limits_change(old: dict, new: dict, changes: FormChanges) -> None:
    before = {tuple(lim["fields"]): lim for lim in old.get("limits") or []}
    after = {tuple(lim["fields"]): lim for lim in new.get("limits") or []}
    for fields, limit in before.items():
        if fields not in after:
            changes.kept.append(f"取消“{limit['label']}”的字数限制")
    for fields, limit in after.items():
        if fields not in before:
            changes.refused.append(f"新增“{limit['label']}”{limit['max_words']} 字的字数限制：已填写的内容可能超出")
            continue
        _limit_change(f"“{limit['label']}”字数上限", before[fields]["max_words"], limit["max_words"], changes)
        if (before[fields].get("label"), before[fields].get("note")) != (limit.get("label"), limit.get("note")):
            changes.kept.append(f"“{limit['label']}”字数限制的说明改为“{limit.get('note') or limit.get('label')}”")


def _attribute_name(attribute: str) -> str:
    return {"label": "名称", "guidance": "填写说明", "group_label": "分组标题", "none_label": "“没有”选项",
            "add_label": "增加按钮", "default": "预填内容"}[attribute]
