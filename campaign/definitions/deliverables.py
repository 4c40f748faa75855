"""A coordinator's own definition: one deliverable's form, or several, pasted or uploaded as YAML.

Either one form definition (see `campaign.definitions.schema`), optionally with its own
`key`, `short_title` and `deadline`::

    title: 《…》学习情况表
    deadline: 2024-03-31          # optional: a date (through 23:59:59), "2024-03-31 17:30" or "2024-03-31 下班前"
    fields: [...]

or several under `deliverables`::

    deliverables:
      - {key: annex1, short_title: 附件1, title: …, deadline: …, fields: [...]}
      - {key: annex2, short_title: 附件2, title: …, fields: [...]}

Every problem is reported with the line it is on, so the coordinator can fix the text in place.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from ..timefmt import RANGE_MESSAGE, check_range
from .schema import KEY_RE, DefinitionError, InvalidDefinition, _line, parse_yaml, validate_form

OFFICE_HOURS_WORDS = ("下班前", "office_hours_end")
MAX_DELIVERABLES = 20


@dataclass(frozen=True)
class DeliverableDefinition:
    key: str
    short_title: str
    title: str
    deadline: datetime | None  # local wall time in the campaign's zone; None: the one given on the page
    form: dict


def parse_deadline(raw, office_end: time) -> datetime:
    """A deadline as written in a notice: a date (through its last second), a date and time,
    or a date followed by 下班前 (the end of office hours). Raises ValueError."""
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=None)
    if isinstance(raw, date):
        return datetime.combine(raw, time(23, 59, 59))
    text = str(raw).strip()
    for word in OFFICE_HOURS_WORDS:
        if text.endswith(word):
            return datetime.combine(date.fromisoformat(text[: -len(word)].strip()), office_end)
    moment = datetime.fromisoformat(text)
    if len(text) == 10:  # a bare date
        return datetime.combine(moment.date(), time(23, 59, 59))
    return moment.replace(tzinfo=None)


def _one(item, index: int | None, office_end: time, errors: list[DefinitionError]) -> DeliverableDefinition | None:
    where = f"第 {index} 个报送事项：" if index else ""
    try:
        form = validate_form(item)
    except InvalidDefinition as exc:
        errors.extend(DefinitionError(e.line, where + e.message) for e in exc.errors)
        form = None
    key = str(item.get("key") or f"d{index or 1}").strip()
    if not KEY_RE.match(key):
        errors.append(DefinitionError(_line(item, "key"), f"{where}标识“{key}”只能用小写字母、数字和下划线，并以字母开头"))
    deadline = None
    if item.get("deadline") not in (None, ""):
        try:
            deadline = parse_deadline(item["deadline"], office_end)
        except (TypeError, ValueError, OverflowError):
            errors.append(DefinitionError(_line(item, "deadline"), f"{where}截止时间“{item['deadline']}”无法识别，"
                                          "请写成 2024-03-31、2024-03-31 17:30 或 2024-03-31 下班前"))
        else:
            try:
                check_range(deadline)
            except ValueError:
                errors.append(DefinitionError(_line(item, "deadline"),
                                              f"{where}截止时间“{item['deadline']}”：{RANGE_MESSAGE}"))
                deadline = None
    short_title = item.get("short_title")
    if short_title is not None and not isinstance(short_title, (str, int)):
        errors.append(DefinitionError(_line(item, "short_title"), f"{where}“short_title”应为文字"))
        short_title = None
    if form is None:
        return None
    return DeliverableDefinition(key=key, short_title=str(short_title or "").strip(), title=form["title"],
                                 deadline=deadline, form=form)


def load_deliverables_text(text: str, *, office_end: time = time(18, 0)) -> list[DeliverableDefinition]:
    """Parse and check a pasted definition; raise InvalidDefinition with every problem by line."""
    if not (text or "").strip():
        raise InvalidDefinition([DefinitionError(None, "请粘贴或上传表单定义。")])
    raw = parse_yaml(text)
    if not isinstance(raw, dict):
        raise InvalidDefinition([DefinitionError(_line(raw) or 1, "表单定义应以 title、fields 或 deliverables 等设置开头")])
    errors: list[DefinitionError] = []
    if "deliverables" not in raw:
        found = _one(raw, None, office_end, errors)
        if errors:
            raise InvalidDefinition(_by_line(errors))
        return [found]
    for key in raw:
        if key != "deliverables":
            errors.append(DefinitionError(_line(raw, key), f"列出多个报送事项时，顶层只能有“deliverables”，不认识“{key}”"))
    items = raw["deliverables"]
    if not isinstance(items, list) or not items:
        raise InvalidDefinition(errors + [DefinitionError(_line(raw, "deliverables"), "“deliverables”应为至少包含一个报送事项的列表")])
    if len(items) > MAX_DELIVERABLES:
        errors.append(DefinitionError(_line(raw, "deliverables"), f"报送事项过多（最多 {MAX_DELIVERABLES} 个）"))
    found_all, seen = [], set()
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(DefinitionError(_line(raw, "deliverables"), f"第 {index} 个报送事项应为一个映射"))
            continue
        found = _one(item, index, office_end, errors)
        key = found.key if found else str(item.get("key") or "")
        if key and key in seen:
            errors.append(DefinitionError(_line(item, "key"), f"第 {index} 个报送事项：标识“{key}”重复"))
        seen.add(key)
        if found is not None:
            found_all.append(found)
    if errors:
        raise InvalidDefinition(_by_line(errors))
    return found_all


def _by_line(errors: list[DefinitionError]) -> list[DefinitionError]:
    return sorted(errors, key=lambda e: (e.line is None, e.line or 0))
