"""The offline template of a table form (附件1 and any `rows` form): the notice's own table, pre-filled with
the unit's draft, for a clerk to fill in Excel or WPS and upload again.

Layout: the title, 填报单位, the two-row header with the same texts and merges as the unit's stamp file,
one row for the unit's text fields and one per document with blank rows to spare, then each group's "none"
tick (暂未出台… with 是 / 否 to choose) and the grouped fields (联系人 / 联系电话) as label and value. Header cells are locked (the sheet is protected without a
password; rows may still be inserted), input cells are unlocked and wrap. A very hidden sheet carries
the identity (campaign, deliverable, unit, form version, signature), so an upload is matched without
guessing; a sheet 填写说明 says how to fill it.
"""
from __future__ import annotations

from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection

from .layout import Column, contact_groups, header_rows, table_columns
from ..xmltext import clean, ooxml_escape

TABLE_SHEET = "填报表"
GUIDE_SHEET = "填写说明"
IDENTITY_SHEET = "标识"
IDENTITY_MARK = "campaign-offline-template"
SPARE_ROWS = 10
TICK_YES, TICK_NO = "是", "否"

_thin = Side(style="thin", color="000000")
_border = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_head = Font(name="黑体", size=11)
_text = Font(name="宋体", size=10.5)
_input_fill = PatternFill("solid", fgColor="FFFDF2CC")


def _as_text(value) -> str:
    """Text for a cell: always a string, so a leading = + - @ stays text, and a literal _xHHHH_ is escaped
    so that Excel shows it as typed."""
    return ooxml_escape(clean(str(value))) if value is not None else ""


def _write(ws, row: int, col: int, value, *, locked: bool, font=_text, center=False, fill=False):
    cell = ws.cell(row=row, column=col, value=_as_text(value) if value not in (None, "") else None)
    if isinstance(cell.value, str):
        cell.data_type = "s"
    cell.font = font
    cell.border = _border
    cell.alignment = Alignment(horizontal="center" if center else "left", vertical="top", wrap_text=True)
    cell.protection = Protection(locked=locked)
    if fill:
        cell.fill = _input_fill
    return cell


def build_template(form: dict, *, title: str, unit_name: str, data: dict, identity: dict[str, str],
                   out: BinaryIO) -> None:
    """Write the unit's template of a table form, pre-filled with `data`, carrying `identity`."""
    columns = [c for c in table_columns(form, per_unit=True)]
    wb = Workbook()
    ws = wb.active
    ws.title = TABLE_SHEET
    width = len(columns)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width + 4
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1, value=_as_text(title)).font = Font(name="方正小标宋简体", size=16)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 36
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(row=2, column=1, value=_as_text(f"填报单位：{unit_name}")).font = _text

    top, bottom, merges = header_rows(columns)
    for c, (upper, lower) in enumerate(zip(top, bottom), start=1):
        _write(ws, 3, c, upper, locked=True, font=_head, center=True)
        _write(ws, 4, c, lower, locked=True, font=_head, center=True)
    for r0, c0, r1, c1 in merges:
        ws.merge_cells(start_row=3 + r0, start_column=1 + c0, end_row=3 + r1, end_column=1 + c1)

    rows_keys = {c.rows_key for c in columns if c.kind == "row"}
    entries = {key: [r for r in (data.get(key) or []) if isinstance(r, dict)] for key in rows_keys}
    height = max([1] + [len(v) for v in entries.values()]) + SPARE_ROWS
    for r in range(height):
        row = 5 + r
        for c, column in enumerate(columns, start=1):
            if column.kind == "number":
                _write(ws, row, c, r + 1 if r == 0 else None, locked=True, center=True)
            elif column.kind == "row":
                rows = entries[column.rows_key]
                value = rows[r].get(column.keys[0]) if r < len(rows) else None
                _write(ws, row, c, value, locked=False, fill=True)
            else:
                _write(ws, row, c, data.get(column.keys[0]) if r == 0 else None, locked=r != 0, fill=r == 0)
        ws.row_dimensions[row].height = 60 if r == 0 else 30

    row = 5 + height + 1
    for spec in none_ticks(form):
        # The "none" tick of a repeatable group (暂未出台…): its label, and 是 / 否 beside it to choose from.
        span = min(3, max(width - 1, 1))
        _write(ws, row, 1, spec["none_label"], locked=True, font=_head)
        for c in range(2, span + 1):
            _write(ws, row, c, None, locked=True)
        if span > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        tick = _write(ws, row, span + 1, TICK_YES if data.get(spec["key"] + "_none") else TICK_NO, locked=False,
                      fill=True, center=True)
        choice = DataValidation(type="list", formula1=f'"{TICK_YES},{TICK_NO}"', allow_blank=True,
                                showErrorMessage=True, errorTitle="请选择", error=f"请填“{TICK_YES}”或“{TICK_NO}”。")
        ws.add_data_validation(choice)
        choice.add(tick.coordinate)
        ws.row_dimensions[row].height = 30
        row += 2
    for group, keys in contact_groups(form):
        ws.cell(row=row, column=1, value=_as_text(group)).font = _head
        row += 1
        for key in keys:
            spec = next(f for f in form["fields"] if f["key"] == key)
            _write(ws, row, 1, spec["label"], locked=True, font=_head)
            _write(ws, row, 2, data.get(key), locked=False, fill=True)
            row += 1
    ws.freeze_panes = "A5"
    ws.protection = SheetProtection(sheet=True, insertRows=False, deleteRows=False, formatCells=False,
                                    formatRows=False, formatColumns=False, selectLockedCells=False,
                                    selectUnlockedCells=False)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = "3:4"

    guide = wb.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 100
    for line in _guide_lines(form, columns):
        guide.append([line])
        guide.cell(row=guide.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")

    hidden = wb.create_sheet(IDENTITY_SHEET)
    hidden.append(["mark", IDENTITY_MARK])
    for key, value in identity.items():
        hidden.append([key, str(value)])
    hidden.sheet_state = "veryHidden"
    wb.save(out)


def none_ticks(form: dict) -> list[dict]:
    """The repeatable groups that have a "none" tick (e.g. 暂未出台贯彻落实《纲要》文件)."""
    return [spec for spec in form["fields"] if spec["type"] == "rows" and spec.get("none_label")]


def _guide_lines(form: dict, columns: list[Column]) -> list[str]:
    groups = sorted({c.group for c in columns if c.kind == "row"})
    lines = [
        "填写说明",
        "1. 请在“填报表”的黄色单元格中填写；表头和填报单位已锁定，不必修改。",
        "2. 单位的各项情况填在第一行；" + (f"“{'、'.join(groups)}”每项填一行，" if groups else "")
        + "空行不够时，可在表格中间插入行（右键 → 插入），不要改动表头文字。",
        "3. 可以从 Word 复制文字粘贴进单元格；请不要使用公式，粘贴时如带出公式，请“选择性粘贴 → 数值”。",
        "4. 填好后保存为 .xlsx（不要另存为 .xls 或带宏的 .xlsm），在系统的填报页“上传 Excel 填报表”中上传。",
        "5. 上传后系统逐项列出与网页草稿的不同之处，确认后才写入草稿；写入草稿后仍需在网页上点“报送”。",
        "6. 本文件只能用于下载它的单位和报送事项；如通知的表格有调整，请重新下载。",
    ]
    for spec in none_ticks(form):
        lines.append(f"{len(lines)}. 如{spec['none_label']}，在表格下方“{spec['none_label']}”后选“{TICK_YES}”，"
                     f"并且不填“{spec['label']}”的行；已填写时选“{TICK_NO}”。")
    required = [f["label"] for f in form["fields"] if f.get("required")]
    if required:
        lines.append("必填项目：" + "、".join(required) + "。")
    return lines
