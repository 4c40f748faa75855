"""The table layout of a form, as in the notice: columns, the two-row header, and each unit's block.

For 附件1 this gives exactly the notice's table: 序号, 填报单位, 领导同志批示情况, 组织开展学习情况,
出台贯彻落实《纲要》文件情况 over 文件名称 / 发文主体 / 当前进展, 开展的重点和特色宣传贯彻工作,
好的经验和做法, 联系人及联系方式, then 报送时间 and 是否逾期. Other forms get the same treatment:
text fields become columns, a repeatable group becomes sub-columns under its label with one row
per entry, fields sharing a group_label become one column.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .data import Rollup, UnitEntry

WIDE_TEXT = 28.0
NARROW_TEXT = 14.0


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # in Excel's digit-width units
    kind: str  # "number" | "unit" | "text" | "group" (joined fields) | "row" | "submitted" | "late"
    keys: tuple[str, ...] = ()
    group: str = ""  # header merged over consecutive columns with the same group
    rows_key: str = ""  # the repeatable field a "row" column belongs to
    none_label: str = ""


@dataclass
class Block:
    """One unit's part of the table: `grid[r][c]` is a cell's text (None where a merge covers it),
    `merges` are (first_row, first_col, last_row, last_col) within the block."""

    grid: list[list[str | int | None]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    unit_columns: tuple[int, ...] = ()


def table_columns(form: dict, *, per_unit: bool = False) -> list[Column]:
    """The columns of the form's table; `per_unit` is a unit's own form (no unit, time or late
    columns, and the contact group goes to the line under the table as in the notice)."""
    columns = [Column("序号", 5.5, "number")]
    if not per_unit:
        columns.append(Column("填报单位", 14, "unit"))
    grouped: dict[str, list[str]] = {}
    for spec in form["fields"]:
        kind = spec["type"]
        if kind in ("text", "textarea", "section"):
            if spec.get("group_label"):
                name = spec["group_label"]
                if name not in grouped:
                    grouped[name] = []
                    if not per_unit:
                        columns.append(Column(name, NARROW_TEXT, "group", keys=(name,)))
                grouped[name].append(spec["key"])
            else:
                width = NARROW_TEXT if kind == "text" else WIDE_TEXT
                columns.append(Column(spec["label"], width, "text", keys=(spec["key"],)))
        elif kind == "rows":
            for index, col in enumerate(spec["columns"]):
                width = WIDE_TEXT if col.get("type") == "textarea" else (18 if index == 0 else 11)
                columns.append(Column(col["label"], width, "row", keys=(col["key"],), group=spec["label"],
                                      rows_key=spec["key"], none_label=spec.get("none_label", "")))
    # A grouped column holds its fields joined, e.g. 联系人及联系方式 = name + phone.
    columns = [Column(c.label, c.width, c.kind, tuple(grouped[c.label]), c.group) if c.kind == "group" else c
               for c in columns]
    if not per_unit:
        columns += [Column("报送时间", 16.5, "submitted"), Column("是否逾期", 6.5, "late")]
    return columns


def contact_groups(form: dict) -> list[tuple[str, list[str]]]:
    """Fields sharing a group_label, e.g. [('联系人及联系方式', ['contact_name', 'contact_phone'])]."""
    groups: dict[str, list[str]] = {}
    for spec in form["fields"]:
        if spec["type"] in ("text", "textarea", "section") and spec.get("group_label"):
            groups.setdefault(spec["group_label"], []).append(spec["key"])
    return list(groups.items())


def header_rows(columns: list[Column]) -> tuple[list[str | None], list[str | None], list[tuple[int, int, int, int]]]:
    """The two header rows and their merges (row 0/1, column index)."""
    top: list[str | None] = []
    bottom: list[str | None] = []
    merges = []
    i = 0
    while i < len(columns):
        col = columns[i]
        if col.group and col.kind == "row":
            j = i
            while j + 1 < len(columns) and columns[j + 1].group == col.group:
                j += 1
            top += [col.group] + [None] * (j - i)
            bottom += [c.label for c in columns[i:j + 1]]
            if j > i:
                merges.append((0, i, 0, j))
            i = j + 1
        else:
            top.append(col.label)
            bottom.append(None)
            merges.append((0, i, 1, i))
            i += 1
    return top, bottom, merges


def _text(value) -> str:
    return "" if value is None else str(value)


def unit_block(entry: UnitEntry, columns: list[Column], number: int, rollup: Rollup, clean) -> Block:
    """The unit's rows: one per entry of its repeatable group, its other cells merged down."""
    data = entry.data or {}
    row_fields = {c.rows_key for c in columns if c.kind == "row"}
    entries = {key: [r for r in (data.get(key) or []) if isinstance(r, dict)] for key in row_fields}
    height = max([1] + [len(v) for v in entries.values()])
    width = len(columns)
    grid: list[list[str | int | None]] = [[None] * width for _ in range(height)]
    merges: list[tuple[int, int, int, int]] = []
    unit_cols = []
    name = entry.unit_name
    for c, col in enumerate(columns):
        if col.kind == "row":
            rows = entries[col.rows_key]
            for r, row in enumerate(rows):
                grid[r][c] = clean(_text(row.get(col.keys[0])), name)
            if not rows:
                grid[0][c] = ""
            continue
        unit_cols.append(c)
        if col.kind == "number":
            value = number
        elif col.kind == "unit":
            value = clean(name, name)
        elif col.kind == "text":
            value = clean(_text(data.get(col.keys[0])), name)
        elif col.kind == "group":
            value = clean(" ".join(_text(data.get(k)).strip() for k in col.keys if _text(data.get(k)).strip()), name)
        elif col.kind == "submitted":
            value = rollup.short_time(entry.submitted_at)
        else:
            value = "是" if entry.standing.reported_late else "否"
        grid[0][c] = value
        if height > 1:
            merges.append((0, c, height - 1, c))
    # A unit that ticked "none issued" gets the tick's label across the group's columns.
    for key in row_fields:
        if not entries[key] and data.get(key + "_none"):
            cols = [c for c, col in enumerate(columns) if col.rows_key == key]
            grid[0][cols[0]] = columns[cols[0]].none_label
            for c in cols[1:]:
                grid[0][c] = None
            if len(cols) > 1:
                merges.append((0, cols[0], 0, cols[-1]))
    return Block(grid, merges, tuple(unit_cols))
