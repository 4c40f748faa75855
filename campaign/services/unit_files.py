"""The unit list as a file: read .xlsx or .csv into rows by column, and write the blank template.

Columns (the header row names them; order does not matter, unknown columns are ignored):

    单位名称  required; one row per unit, or several rows for a unit with several contacts
    单位简称  optional; the short name used in lists
    单位代码  optional but recommended: re-imports match units by code first, then by name
    上级单位  optional; the name or code of a unit in the same file or already in the system
    排序      optional whole number; lists and rollups follow it (provinces in the standard order)
    联系人    optional; with 职务, 电话, 手机, 邮箱 it becomes a contact of the unit
    邮箱      a contact with an e-mail address gets a 填报人 account and a link to set a password
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from ..documents.safety import DocumentRefused, check_package

# Column key → header as written in the file.
COLUMNS = {
    "name": "单位名称",
    "short_name": "单位简称",
    "code": "单位代码",
    "parent": "上级单位",
    "sort_order": "排序",
    "contact": "联系人",
    "position": "职务",
    "phone": "电话",
    "mobile": "手机",
    "email": "邮箱",
}

# Other headers seen in offices' own lists, read as the column they mean.
ALIASES = {
    "名称": "name", "单位": "name", "简称": "short_name", "代码": "code", "统一社会信用代码": "code",
    "上级": "parent", "上级单位名称": "parent", "序号排序": "sort_order", "顺序": "sort_order",
    "联系人姓名": "contact", "姓名": "contact", "职务/职称": "position", "职称": "position",
    "办公电话": "phone", "联系电话": "phone", "固定电话": "phone", "座机": "phone",
    "手机号": "mobile", "手机号码": "mobile", "移动电话": "mobile",
    "电子邮箱": "email", "邮件": "email", "电子邮件": "email", "email": "email", "e-mail": "email",
}

HELP = [
    ("单位名称", "必填", "单位全称，如“卫辉市水利局”。同一单位有多名联系人时，可写多行，单位名称相同。"),
    ("单位简称", "选填", "列表中显示的简称，如“卫辉”。"),
    ("单位代码", "建议填写", "字母、数字、下划线或短横线，不能重复。再次导入时按代码更新单位，没有代码时按单位名称更新。"),
    ("上级单位", "选填", "上级单位的名称或代码，可以是本表中的单位，也可以是系统中已有的单位。"),
    ("排序", "选填", "整数，列表和汇总表按此排序（如各省按国家标准顺序）。不填时按本表行序。"),
    ("联系人", "选填", "联系人姓名。填写了电话、手机或邮箱时必须填写。"),
    ("职务", "选填", "联系人职务。"),
    ("电话", "选填", "办公电话，如 0373-1234567。"),
    ("手机", "选填", "手机号码。"),
    ("邮箱", "选填", "填写邮箱的联系人将自动开通填报人账号（用户名为邮箱），并收到设置密码的邮件。"),
]
EXAMPLES = [
    ("新乡市水利局", "市水利局", "xxsl", "", "1", "李述虎", "科长", "0373-2079642", "18737374374", "xxssljjdk@163.com"),
    ("卫辉市水利局", "卫辉", "weihui", "xxsl", "2", "王建国", "办公室主任", "0373-4412345", "", "weihui@example.cn"),
    ("卫辉市水利局", "卫辉", "weihui", "xxsl", "2", "李丽华", "科员", "", "13900000000", "weihui2@example.cn"),
]


class UnreadableFile(ValueError):
    """The file cannot be read as a unit list; the message says what to do."""


@dataclass(frozen=True)
class Row:
    number: int  # the row number as shown in Excel (the header is usually row 1)
    values: dict[str, str]


def _cell_text(value) -> str:
    """A cell as text; whole numbers read from Excel lose their “.0” (codes, phone numbers)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\x00", "").strip()


def _header_key(text: str) -> str | None:
    name = "".join(text.split())
    for key, header in COLUMNS.items():
        if name == header:
            return key
    return ALIASES.get(name.lower()) or ALIASES.get(name)


def _rows_from_grid(grid) -> list[Row]:
    """Find the header row (the first naming 单位名称) and read the rows below it."""
    columns: dict[int, str] | None = None
    rows: list[Row] = []
    for number, cells in enumerate(grid, start=1):
        texts = [_cell_text(c) for c in cells]
        if columns is None:
            found = {i: _header_key(t) for i, t in enumerate(texts) if t}
            if "name" in found.values():
                columns = {i: k for i, k in found.items() if k}
            elif number >= 20:
                break
            continue
        values = {key: texts[i] if i < len(texts) else "" for i, key in columns.items()}
        if any(values.values()):
            rows.append(Row(number, values))
    if columns is None:
        raise UnreadableFile("文件中找不到表头“单位名称”。请使用导入模板，第一行为列名（单位名称、上级单位、联系人……）。")
    return rows


def decode_csv(raw: bytes) -> str:
    """CSV text from UTF-8 (with or without BOM) or GB18030, as Chinese Excel saves it."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise UnreadableFile("无法识别 CSV 文件的编码。请另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新上传。") from None


def read_rows(filename: str, raw: bytes) -> list[Row]:
    """The data rows of an uploaded .xlsx or .csv unit list."""
    lower = (filename or "").lower()
    if lower.endswith(".csv"):
        try:
            text = decode_csv(raw)
        except UnicodeDecodeError:
            raise UnreadableFile("CSV 文件的编码有误，请另存为“CSV UTF-8（逗号分隔）”后重新上传。") from None
        return _rows_from_grid(csv.reader(io.StringIO(text, newline="")))
    if lower.endswith(".xlsx"):
        try:
            check_package(raw, kind="xlsx")  # size, ratio, macros, DTDs: refused before openpyxl parses anything
        except DocumentRefused as exc:
            raise UnreadableFile(str(exc)) from None
        try:
            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
            raise UnreadableFile("无法读取该 Excel 文件，请确认是 .xlsx 格式（可用 Excel 或 WPS “另存为” .xlsx）。") from None
        try:
            return _rows_from_grid(book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()
    if lower.endswith(".xls"):
        raise UnreadableFile("不支持旧版 .xls 文件，请在 Excel 或 WPS 中“另存为” .xlsx 后重新上传。")
    raise UnreadableFile("请上传 .xlsx 或 .csv 文件（可先下载导入模板填写）。")


def template_xlsx() -> bytes:
    """The blank import template: the 单位名单 sheet to fill in, and 填写说明 with examples."""
    book = Workbook()
    sheet = book.active
    sheet.title = "单位名单"
    sheet.append(list(COLUMNS.values()))
    widths = [30, 14, 14, 24, 8, 12, 14, 16, 16, 28]
    for index, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[cell.column_letter].width = width
        # Codes and phone numbers are text, so Excel keeps leading zeros.
        for row in range(2, 502):
            sheet.cell(row=row, column=index).number_format = "@" if index != 5 else "General"
    sheet.freeze_panes = "A2"
    guide = book.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "说明"])
    for row in HELP:
        guide.append(list(row))
    guide.append([])
    guide.append(["示例（请在“单位名单”工作表中填写，本表不会被导入）："])
    guide.append(list(COLUMNS.values()))
    for row in EXAMPLES:
        guide.append(list(row))
    for cell in guide[1]:
        cell.font = Font(bold=True)
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 12
    guide.column_dimensions["C"].width = 80
    for row in guide.iter_rows(min_row=2, max_row=len(HELP) + 1):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
