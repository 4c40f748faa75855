"""Reading a filled table form (.xlsx) by its header labels, not by fixed coordinates.

A clerk may insert rows, merge cells, move the table down or paste values with formulas: the header is
found wherever its labels are, the unit's text fields are read from the rows under it, each repeatable
group's entries from every row that has any of its columns, and grouped one-line fields (联系人,
联系电话) from a label with the value beside it. A formula is read as the value Excel last computed, or
refused with a message when the file holds none; nothing is ever evaluated.
"""
from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ..xmltext import ILLEGAL, clean, ooxml_unescape
from .safety import DocumentRefused, check_package

IDENTITY_SHEET = "标识"
SCAN_ROWS = 40  # the header is looked for in the first rows of each sheet


@dataclass
class Reading:
    """What a file held for the form: the data, the identity it carries (if any), and every problem
    found, each saying where (never a silent drop)."""

    data: dict = field(default_factory=dict)
    identity: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unit_name: str = ""  # the 填报单位 written in the file, if any


def norm(text) -> str:
    """A label as compared: NFKC, no spaces, no trailing colon, no required mark."""
    value = unicodedata.normalize("NFKC", _cell_text(text) if text is not None else "")
    return "".join(value.split()).rstrip(":：*＊")


def _cell_text(value) -> str:
    """A cell's value as the text Excel shows: _xHHHH_ escapes decoded, line breaks as LF."""
    if isinstance(value, str):
        return ooxml_unescape(value).replace("\r\n", "\n").replace("\r", "\n")
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _where(row: int, col: int) -> str:
    return f"第 {row} 行 {get_column_letter(col)} 列"


class _Sheet:
    """One sheet read twice: as written (to see formulas) and as last computed (their values)."""

    def __init__(self, written, computed, reading: Reading):
        self.written, self.computed, self.reading = written, computed, reading
        self.controls: set[str] = set()

    def text(self, row: int, col: int) -> str:
        cell = self.written.cell(row=row, column=col)
        value = cell.value
        if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=") and cell.data_type != "s"):
            value = self.computed.cell(row=row, column=col).value
            if value is None:
                self.reading.problems.append(
                    f"{_where(row, col)}是公式，文件中没有它的计算结果，未能读取。请复制后“选择性粘贴 → 数值”再上传。")
                return ""
        text = _cell_text(value)
        if ILLEGAL.search(text):
            self.controls.add(_where(row, col))
            text = clean(text)
        return text.strip()


def _labels(form: dict) -> tuple[dict[str, str], dict[str, tuple[str, dict[str, str]]], dict[str, str]]:
    """(text field label → key, rows key → (group label, column label → column key), grouped one-line label → key)."""
    texts, rows, singles = {}, {}, {}
    for spec in form["fields"]:
        kind = spec["type"]
        if kind in ("text", "textarea", "section"):
            (singles if spec.get("group_label") else texts)[norm(spec["label"])] = spec["key"]
        elif kind == "rows":
            rows[spec["key"]] = (norm(spec["label"]), {norm(c["label"]): c["key"] for c in spec["columns"]})
    return texts, rows, singles


def _find_header(sheet: _Sheet, texts, rows) -> tuple[int, dict[int, tuple[str, str]]] | None:
    """The last header row and column index → ("text", key) or ("row:<rows key>", column key)."""
    wanted: dict[str, tuple[str, str]] = {label: ("text", key) for label, key in texts.items()}
    for rows_key, (_group, cols) in rows.items():
        wanted.update({label: (f"row:{rows_key}", key) for label, key in cols.items()})
    found: dict[int, tuple[str, str]] = {}
    last_row = 0
    ws = sheet.written
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, SCAN_ROWS)):
        for cell in row:
            if cell.value is None or not isinstance(cell.value, str):
                continue
            label = norm(cell.value)
            if label in wanted and cell.column not in found:
                found[cell.column] = wanted[label]
                last_row = max(last_row, cell.row)
    return (last_row, found) if found else None


def read_identity(raw: bytes) -> dict[str, str]:
    """The identity an offline template carries ({} for any other workbook), without reading its table."""
    check_package(raw, kind="xlsx")
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True)
    except Exception:  # noqa: BLE001 - a damaged file is refused with its reason by read_table
        return {}
    try:
        if IDENTITY_SHEET not in book.sheetnames:
            return {}
        rows = book[IDENTITY_SHEET].iter_rows(values_only=True, max_col=2)
        return {str(row[0]): _cell_text(row[1] if len(row) > 1 else None) for row in rows if row and row[0]}
    finally:
        book.close()


def read_table(raw: bytes, form: dict) -> Reading:
    """The form's data from a filled template (or any sheet with the form's header labels)."""
    check_package(raw, kind="xlsx")
    reading = Reading()
    try:
        written = load_workbook(io.BytesIO(raw), data_only=False)
        computed = load_workbook(io.BytesIO(raw), data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged package
        raise DocumentRefused("文件已损坏，无法读取。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。") from None
    if IDENTITY_SHEET in written.sheetnames:
        for key, value, *_ in written[IDENTITY_SHEET].iter_rows(values_only=True, max_col=2):
            if key:
                reading.identity[str(key)] = _cell_text(value)
    texts, rows, singles = _labels(form)
    best = None
    for name in written.sheetnames:
        if name == IDENTITY_SHEET:
            continue
        sheet = _Sheet(written[name], computed[name], reading)
        header = _find_header(sheet, texts, rows)
        if header and (best is None or len(header[1]) > len(best[1][1])):
            best = (sheet, header)
    if best is None:
        raise DocumentRefused("文件中没有找到通知表格的表头（如“" + "”“".join(list(texts)[:3]) + "”），"
                              "请使用系统下载的填报模板，不要修改表头文字。")
    sheet, (header_row, columns) = best
    _read_unit_name(sheet, header_row, reading)
    none_labels = {spec["key"]: norm(spec["none_label"]) for spec in form["fields"]
                   if spec["type"] == "rows" and spec.get("none_label")}
    _read_rows(sheet, header_row, columns, texts, rows, singles, none_labels, reading)
    _read_singles(sheet, header_row, singles, reading)
    _read_ticks(sheet, header_row, form, reading)
    missing = [label for label, key in texts.items() if key not in {k for kind, k in columns.values() if kind == "text"}]
    if missing:
        reading.problems.append("表头中缺少栏目：" + "、".join(missing) + "；这些栏目未能读取，请在网页上填写。")
    if sheet.controls:
        reading.problems.append(f"{'、'.join(sorted(sheet.controls))}含有无法保存的控制字符，已删除。")
    return reading


def _read_unit_name(sheet: _Sheet, header_row: int, reading: Reading) -> None:
    for row in sheet.written.iter_rows(min_row=1, max_row=header_row):
        for cell in row:
            if isinstance(cell.value, str) and norm(cell.value).startswith("填报单位"):
                text = norm(cell.value)[len("填报单位"):].lstrip(":：（盖章）()")
                if text:
                    reading.unit_name = text
                    return


def _read_rows(sheet: _Sheet, header_row: int, columns, texts, rows, singles, none_labels: dict[str, str],
               reading: Reading) -> None:
    values: dict[str, list[str]] = {key: [] for key in texts.values()}
    entries: dict[str, list[dict]] = {key: [] for key in rows}
    stop_labels = set(singles) | {norm(label) for label in ("联系人及联系方式",)} | set(none_labels.values())
    for r in range(header_row + 1, sheet.written.max_row + 1):
        first = next((value for c in range(1, sheet.written.max_column + 1)
                      if (value := sheet.written.cell(row=r, column=c).value) not in (None, "")), None)
        if isinstance(first, str) and norm(first) in stop_labels:
            break  # the grouped one-line fields below the table
        row_entries: dict[str, dict[str, str]] = {}
        for c, (kind, key) in columns.items():
            text = sheet.text(r, c)
            if kind == "text":
                if text:
                    values[key].append(text)
            elif text:
                row_entries.setdefault(kind[4:], {})[key] = text
        for rows_key, entry in row_entries.items():
            entries[rows_key].append(entry)
    for key, parts in values.items():
        reading.data[key] = "\n".join(parts)
    for rows_key, (_group, cols) in rows.items():
        if rows_key in none_labels:
            # The tick written across the group's columns, as the rollup shows it: not an entry.
            kept = [e for e in entries[rows_key] if {norm(v) for v in e.values() if v} != {none_labels[rows_key]}]
            if len(kept) < len(entries[rows_key]):
                reading.data[rows_key + "_none"] = True
            entries[rows_key] = kept
        reading.data[rows_key] = [{key: entry.get(key, "") for key in cols.values()} for entry in entries[rows_key]]


def _read_singles(sheet: _Sheet, header_row: int, singles: dict[str, str], reading: Reading) -> None:
    """Grouped one-line fields: a label cell with the value in the next non-empty cell to its right, or
    "联系人：张三" in one cell."""
    ws = sheet.written
    for r in range(header_row + 1, ws.max_row + 1):
        for c in range(1, ws.max_column + 1):
            value = ws.cell(row=r, column=c).value
            if not isinstance(value, str):
                continue
            label = norm(value)
            for wanted, key in singles.items():
                if key in reading.data:
                    continue
                if label == wanted:
                    right = next((sheet.text(r, k) for k in range(c + 1, ws.max_column + 1) if sheet.text(r, k)), "")
                    reading.data[key] = right
                elif label.startswith(wanted) and label[len(wanted):len(wanted) + 1] in (":", "："):
                    text = _cell_text(value)
                    reading.data[key] = clean(text.split("：" if "：" in text else ":", 1)[1]).strip()


TICKED = {"是", "√", "✓", "✔", "☑", "☒", "■", "x", "y", "yes", "true", "勾", "对", "1"}
UNTICKED = {"", "否", "不是", "☐", "□", "×", "n", "no", "false", "0"}


def _tick_value(text: str) -> bool | None:
    """是 / 否 (and the marks people type for them) as a tick; None for anything else."""
    value = norm(text).lower()
    return True if value in TICKED else False if value in UNTICKED else None


def _read_ticks(sheet: _Sheet, header_row: int, form: dict, reading: Reading) -> None:
    """A repeatable group's "none" tick (暂未出台…): its label with 是 / 否 beside it, or the label with a tick
    mark in one cell ("☑暂未出台…"). Without one, a group with entries is not ticked; an empty group keeps
    what the draft says."""
    ws = sheet.written
    for spec in form["fields"]:
        if spec["type"] != "rows" or not spec.get("none_label"):
            continue
        key, wanted = spec["key"] + "_none", norm(spec["none_label"])
        found = False
        for r in range(header_row + 1, ws.max_row + 1):
            for c in range(1, ws.max_column + 1):
                value = ws.cell(row=r, column=c).value
                if not isinstance(value, str) or wanted not in norm(value):
                    continue
                label = norm(value)
                if label == wanted:
                    right = next((text for k in range(c + 1, ws.max_column + 1) if (text := sheet.text(r, k))), "")
                    ticked = _tick_value(right)
                    if ticked is None:
                        reading.problems.append(f"{_where(r, c)}“{spec['none_label']}”后填的是“{right[:20]}”，"
                                                f"请填“是”或“否”；此项未读取，保留网页草稿中的选择。")
                        found = True
                        continue
                elif label.endswith(wanted) and _tick_value(label[:-len(wanted)]) is not None:
                    ticked = _tick_value(label[:-len(wanted)])
                else:
                    continue
                found = True
                reading.data[key] = bool(ticked) or bool(reading.data.get(key))
        if not found and key not in reading.data and reading.data.get(spec["key"]):
            reading.data[key] = False
