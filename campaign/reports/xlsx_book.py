"""XlsxWriter plumbing for the 汇总表: the cell formats, rows written strictly in order, merges, row
heights, page breaks and print setup.

The workbook is written in XlsxWriter's constant_memory mode: each row goes to a temporary file as
soon as the next one starts, so memory stays flat however many units report. That mode has rules
this module keeps: rows are written in order, a row's height is set before the next row starts, and
a merge is recorded without writing its cells again (XlsxWriter's merge_range writes every covered
cell, which would reach back to rows already on disk; our builders write the covered cells as
blank cells with the area's format themselves).

Merges go through the worksheet's own list (`merge`), which XlsxWriter has no public call for.
Rows are serialised here, straight to the sheet's row file, as the XML XlsxWriter's own cell writer
produces for the same cells (the same escapes, quote-prefix formats, whitespace and UTF-16 length
rules; tests compare the two byte for byte): its writer builds a tuple and an attribute list per
cell, which costs more than the whole layout of the table. setup.cfg keeps XlsxWriter below 4 and
constraints.txt pins the version the tests pass with.
"""
from __future__ import annotations

import re
from array import array
from typing import BinaryIO, Iterable

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from .text import FORMULA_STARTS

MAX_CELL_CHARS = 32767  # Excel's limit
LINE_PT = 15.0  # one wrapped line of 10.5 pt text, with the taller CJK line box of WPS/LibreOffice
# Excel keeps at most 1,023 manual page breaks in a sheet (XlsxWriter drops the rest). After the
# 1,023rd, the printed pages break where the spreadsheet program puts them: every slice of a long
# unit still names it （续）, but a page may then start inside a slice.
MAX_PAGE_BREAKS = 1023
# What XlsxWriter's inline-string writer changes in a text: control characters and the non-characters
# U+FFFE/U+FFFF become _xHHHH_, a literal _xHHHH_ gets its underscore escaped, and & < > are entities.
# A text with none of these is written as it is.
_ESCAPED = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff&<>]|_x[0-9a-fA-F]{4}_")

_FONTS = {
    "rollup_title": ("方正小标宋简体", 18),
    "rollup_note": ("宋体", 11),
    "rollup_head": ("黑体", 11),
    "rollup_label": ("黑体", 12),
    "rollup_text": ("宋体", 10.5),
    "rollup_center": ("宋体", 10.5),
}
_CENTRED = {"rollup_title", "rollup_head", "rollup_center"}
_UNBORDERED = {"rollup_title", "rollup_note", "rollup_label"}


def style_properties(name: str, quoted: bool = False) -> dict:
    """XlsxWriter format properties of a named style; `quoted` adds Excel's quote prefix, which keeps
    a text that starts like a formula a text when the cell is edited."""
    font, size = _FONTS[name]
    props = {"font_name": font, "font_size": size, "text_wrap": True,
             "align": "center" if name in _CENTRED else "left",
             # Long text reads from the top of its cell; titles, headers and short values are centred.
             "valign": "top" if name == "rollup_text" else "vcenter"}
    if name not in _UNBORDERED:
        props.update(border=1, border_color="#000000")
    if quoted:
        props["quote_prefix"] = True
    return props


def new_workbook(out: BinaryIO) -> xlsxwriter.Workbook:
    """A constant-memory workbook that writes every string as text (never a formula, number or link)."""
    return xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})


class Formats:
    """One XlsxWriter format per (style, quoted), made on first use and shared by every sheet."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self._made: dict[tuple[str, bool], Format] = {}

    def __call__(self, name: str, quoted: bool = False) -> Format:
        found = self._made.get((name, quoted))
        if found is None:
            found = self._made[(name, quoted)] = self.book.add_format(style_properties(name, quoted))
        return found


class Merges:
    """The sheet's merged areas, 4 ints each in one array (16 bytes a merge, where a list of 4 ints
    takes over 100): XlsxWriter writes them after every row, so they are kept to the end. It reads
    them back as the sequence of (first_row, first_col, last_row, last_col) its own list holds."""

    def __init__(self):
        self.cells = array("l")

    def append(self, area) -> None:
        self.cells.extend(area)

    def __len__(self) -> int:
        return len(self.cells) // 4

    def __iter__(self):
        cells = self.cells
        return ((cells[i], cells[i + 1], cells[i + 2], cells[i + 3]) for i in range(0, len(cells), 4))


class SheetWriter:
    """Writes styled rows to a constant-memory sheet in order, keeping count, heights, merges and
    page breaks. Rows are numbered from 1 as Excel shows them; columns from 0."""

    def __init__(self, ws: Worksheet, formats: Formats, widths: list[float]):
        if not ws.constant_memory:  # rows go straight to the sheet's row file, which only that mode has
            raise ValueError("SheetWriter needs a constant_memory workbook (new_workbook)")
        self.ws = ws
        self.formats = formats
        self.widths = widths
        self.row = 0
        self.height = 0.0  # of the rows written so far, in points
        self.breaks: list[int] = []
        self._rows: dict = {}
        self._attributes: dict = {}
        self._letters = [xl_col_to_name(c) for c in range(max(len(widths), 16))]
        # The 2010 format's extra row attribute, when the workbook was made for it.
        self._row_tail = ' x14ac:dyDescent="0.25"' if ws.excel_version == 2010 else ""
        ws.merge = Merges()
        for index, width in enumerate(widths):
            # In pixels (7 per digit width), so the file carries exactly `width` as its column width;
            # set_column would add Excel's 5-pixel cell padding on top.
            ws.set_column_pixels(index, index, width * 7)

    def row_formats(self, styles: list[str] | str) -> tuple[list[Format], list[Format]]:
        """Each column's format for a row in `styles` (one name, or one per column), plain and with
        the quote prefix; made once per kind of row."""
        key = styles if isinstance(styles, str) else tuple(styles)
        found = self._rows.get(key)
        if found is None:
            names = [styles] * len(self.widths) if isinstance(styles, str) else list(styles)
            found = self._rows[key] = ([self.formats(n) for n in names], [self.formats(n, True) for n in names])
        return found

    def append(self, values: Iterable, styles: list[str] | str, height: float | None = None) -> int:
        """Write the next row: None and "" are blank cells with the style, ints numbers, anything
        else text (cut to what a cell holds, with the quote prefix when it starts like a formula)."""
        ws = self.ws
        row = self.row  # 0-based index of the row being written
        self.row += 1
        number = str(row + 1)
        if height is not None:
            self.height += height
            pixels = int(round(height, 1) * 4.0 / 3.0 + 0.5)  # in pixels, as set_row keeps it
            if pixels != ws.default_row_height:
                xml = [f'<row r="{number}" ht="{pixels * 0.75:.16g}" customHeight="1"{self._row_tail}>']
            else:
                xml = [f'<row r="{number}"{self._row_tail}>']
        else:
            self.height += LINE_PT
            xml = [f'<row r="{number}"{self._row_tail}>']
        attributes = self.row_attributes(styles)
        plain = attributes[0]
        letters, add = self._letters, xml.append
        col = -1
        for col, value in enumerate(values):
            if value is None or value == "" or isinstance(value, int):
                attribute = plain[col] or self._attribute(styles, False, col)
                if isinstance(value, int):
                    add(f'<c r="{letters[col]}{number}"{attribute}><v>{value:.16G}</v></c>')
                else:
                    add(f'<c r="{letters[col]}{number}"{attribute}/>')
            else:
                text = value[:MAX_CELL_CHARS]
                if len(text) > MAX_CELL_CHARS // 2 and _utf16_len(text) > MAX_CELL_CHARS:
                    text = _utf16_truncate(text, MAX_CELL_CHARS)
                quote = text.startswith(FORMULA_STARTS)
                attribute = attributes[quote][col] or self._attribute(styles, quote, col)
                if _ESCAPED.search(text):
                    text = ws._escape_data(ws._escape_control_characters(text))
                space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
                add(f'<c r="{letters[col]}{number}"{attribute} t="inlineStr"><is><t{space}>{text}</t></is></c>')
        # The sheet's used range, as XlsxWriter's cell writers (and set_row) keep it.
        ws._check_dimensions(row, 0)
        if col >= 0:
            ws._check_dimensions(row, col)
            add("</row>")
            ws.fh.write("".join(xml))
        elif height is not None:  # a row of no cells: its height only
            ws.fh.write(xml[0][:-1] + "/>")
        return self.row

    def row_attributes(self, styles: list[str] | str) -> tuple[list[str], list[str]]:
        """Each column's style attribute (` s="n"`) for a row in `styles`, plain and with the quote
        prefix; "" until a cell of that column is first written in that style (`_attribute`)."""
        key = styles if isinstance(styles, str) else tuple(styles)
        found = self._attributes.get(key)
        if found is None:
            found = self._attributes[key] = ([""] * len(self.widths), [""] * len(self.widths))
        return found

    def _attribute(self, styles: list[str] | str, quoted: bool, col: int) -> str:
        """A format's index is given when a cell is first written with it, in the order XlsxWriter
        gives them, so the file's style list is the one XlsxWriter would write."""
        fmt = self.row_formats(styles)[quoted][col]
        found = self.row_attributes(styles)[quoted][col] = f' s="{fmt._get_xf_index()}"'
        return found

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        """Merge an area given in sheet rows (from 1) and 0-based columns; its cells are written
        already (or about to be) as blanks with the area's style. Our merges never overlap."""
        if (r0, c0) != (r1, c1):
            self.ws.merge.append((r0 - 1, c0, r1 - 1, c1))

    def page_break(self, after_row: int) -> None:
        """A manual page break after the given sheet row (from 1), up to Excel's limit."""
        if len(self.breaks) < MAX_PAGE_BREAKS:
            self.breaks.append(after_row)

    def finish(self) -> None:
        if self.breaks:
            self.ws.set_h_pagebreaks(self.breaks)


def set_up_page(ws: Worksheet, header_first: int, header_last: int) -> None:
    """A4 landscape, scaled to the table's width, centred, header rows repeated, page numbers below."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.repeat_rows(header_first - 1, header_last - 1)
    ws.set_footer("&C&10第 &P 页，共 &N 页")
    ws.freeze_panes(header_last, 0)
