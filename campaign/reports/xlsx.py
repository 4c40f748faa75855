"""附件1 汇总表 (.xlsx), streamed row by row with XlsxWriter's constant-memory mode (xlsx_book.py).

Every cell is written as a string (a leading =, +, -, @ stays text, shown with Excel's quote
prefix so editing the cell keeps it text); row heights are computed from the wrapped text
because no spreadsheet program auto-fits wrapped rows, let alone merged cells.
"""
from __future__ import annotations

from typing import BinaryIO

import xlsxwriter

from .data import Rollup, UnitEntry, summary_title
from .layout import Block, Column, contact_groups, header_rows, table_columns, unit_block
from .paging import Pager, Slice, slice_block
from .text import Cleaner, wrapped_lines
from .xlsx_book import LINE_PT, MAX_CELL_CHARS, Formats, SheetWriter, new_workbook, set_up_page

PAD_PT = 6.0
MAX_ROW_PT = 409.0  # Excel's limit
HEADER_ROW_PT = 22


def note(sheet: SheetWriter, text: str, style: str = "rollup_note", height: float | None = None) -> None:
    """A line across the whole table width."""
    span = len(sheet.widths)
    if height is None:
        height = wrapped_lines(text, sum(sheet.widths)) * (LINE_PT + 1) + PAD_PT
    row = sheet.append([text] + [None] * (span - 1), style, min(height, MAX_ROW_PT))
    sheet.merge(row, 0, row, span - 1)


def _need(text, width: float) -> float:
    return _lines(text, width) * LINE_PT + PAD_PT


def _lines(text, width: float) -> int:
    """Lines a cell's value takes (at least one; a number one)."""
    if text is None or isinstance(text, int):
        return 1
    return wrapped_lines(text, width)


def block_heights(block: Block, widths: list[float], cell_lines: list[list[int]] | None = None) -> list[float]:
    """Row heights that show every cell of the block; rows beyond the grid are padding.
    `cell_lines` are the cells' wrapped lines when slicing measured them already."""
    grid, unit_cols = block.grid, set(block.unit_columns)
    if cell_lines is None:
        cell_lines = [[_lines(v, widths[c]) for c, v in enumerate(row)] for row in grid]
    others = [c for c in range(len(grid[0])) if c not in unit_cols]
    heights = [min(max(max(row[c] for c in others), 1) * LINE_PT + PAD_PT, MAX_ROW_PT) if others
               else LINE_PT + PAD_PT for row in cell_lines]
    total = max(max(cell_lines[0][c], 1) * LINE_PT + PAD_PT for c in unit_cols) if unit_cols else 0
    deficit = total - sum(heights)
    if deficit <= 0:
        return heights
    # Spread what the merged cells need over the rows, then add padding rows beyond Excel's limit.
    share = deficit / len(heights)
    heights = [h + share for h in heights]
    overflow = sum(max(0.0, h - MAX_ROW_PT) for h in heights)
    heights = [min(h, MAX_ROW_PT) for h in heights]
    while overflow > 0:
        heights.append(min(overflow, MAX_ROW_PT))
        overflow -= MAX_ROW_PT
    return heights


def block_merges(block: Block, rows: int) -> list[tuple[int, int, int, int]]:
    """The block's merges once it spans `rows` rows: unit cells cover every row, and the last
    entry's cells extend over padding rows."""
    last_grid, last = len(block.grid) - 1, rows - 1
    unit_cols = set(block.unit_columns)
    merges = [(0, c, last, c) for c in block.unit_columns]
    for r0, c0, r1, c1 in block.merges:
        if c0 not in unit_cols:
            merges.append((r0, c0, last if r1 == last_grid else r1, c1))
    if rows > len(block.grid):
        spanned = {c for r0, c0, r1, c1 in block.merges if c0 not in unit_cols and r0 <= last_grid <= r1
                   for c in range(c0, c1 + 1)}
        merges += [(last_grid, c, last, c) for c in range(len(block.grid[0]))
                   if c not in unit_cols and c not in spanned]
    return merges


def cell_length(text: str) -> int:
    """Length as Excel counts it: in UTF-16 units, so a character beyond the BMP (many rare CJK
    characters, emoji) counts 2."""
    if len(text) <= MAX_CELL_CHARS // 2 or text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters from the start of `text` a cell of `limit` UTF-16 units holds."""
    cut = min(len(text), limit)
    while (over := cell_length(text[:cut]) - limit) > 0:
        cut -= over  # each character dropped frees 1 or 2 units
    return cut


def chunks(text: str, limit: int = MAX_CELL_CHARS) -> list[str]:
    """Text cut into pieces a cell can hold, after a line break where possible; joined they give
    back the text exactly."""
    parts = []
    while cell_length(text) > limit:
        fits = _fitting(text, limit)
        cut = text.rfind("\n", 0, fits) + 1 or fits
        parts.append(text[:cut])
        text = text[cut:]
    return parts + [text]


def split_long_text(block: Block) -> Block:
    """A unit's text longer than a cell holds continues in the cells below, one piece per row,
    instead of one merged cell (which would cut it off)."""
    long = {c: chunks(block.grid[0][c]) for c in block.unit_columns
            if isinstance(block.grid[0][c], str) and cell_length(block.grid[0][c]) > MAX_CELL_CHARS}
    if not long:
        return block
    width = len(block.grid[0])
    rows = max(len(block.grid), *(len(p) for p in long.values()))
    grid = [list(row) for row in block.grid] + [[None] * width for _ in range(rows - len(block.grid))]
    for c, parts in long.items():
        for r, part in enumerate(parts):
            grid[r][c] = part
    merges = [m for m in block.merges if m[1] not in long]
    return Block(grid, merges, tuple(c for c in block.unit_columns if c not in long))


def _styles(columns: list[Column]) -> list[str]:
    return ["rollup_center" if col.kind in ("number", "submitted", "late") else "rollup_text" for col in columns]


def write_slice(sheet: SheetWriter, piece: Slice, unit_columns: tuple[int, ...], columns: list[Column]) -> None:
    """A slice of a unit's block; one that runs long texts on across empty columns is one row."""
    spans = {c0: c1 for r0, c0, r1, c1 in piece.merges if c1 > c0 and c0 in unit_columns}
    if not spans:
        write_block(sheet, Block(piece.grid, piece.merges, unit_columns), columns, piece.cell_lines)
        return
    values = piece.grid[0]
    if piece.cell_lines is None:
        height = max(_need(v, sum(sheet.widths[c:spans.get(c, c) + 1])) for c, v in enumerate(values) if v is not None)
    else:
        lines = piece.cell_lines[0]
        height = max(max(lines[c], 1) * LINE_PT + PAD_PT for c, v in enumerate(values) if v is not None)
    styles = _styles(columns)
    row = sheet.append(values, styles, min(height, MAX_ROW_PT))
    for c0, c1 in spans.items():
        sheet.merge(row, c0, row, c1)


def write_block(sheet: SheetWriter, block: Block, columns: list[Column], cell_lines: list[list[int]] | None = None) -> None:
    """The block's rows; `cell_lines` as slicing measured them (measured again when a text longer
    than a cell holds is split over rows)."""
    split = split_long_text(block)
    if split is not block:
        block, cell_lines = split, None
    heights = block_heights(block, sheet.widths, cell_lines)
    first = sheet.row + 1
    styles = _styles(columns)
    for r, height in enumerate(heights):
        values = block.grid[r] if r < len(block.grid) else [None] * len(columns)
        sheet.append(values, styles, height)
    for r0, c0, r1, c1 in block_merges(block, len(heights)):
        sheet.merge(first + r0, c0, first + r1, c1)


# The printed page (landscape A4 with the margins below, scaled to the table's width), in points.
PRINT_WIDTH_PT = (297 - 2 * 12.7) / 25.4 * 72
PRINT_HEIGHT_PT = (210 - 2 * 15.24) / 25.4 * 72
PAGE_MARGIN = 0.95


def page_lines(widths: list[float], header_pt: float) -> int:
    """Lines (of LINE_PT) a printed page holds under the repeated header, at the scale that fits
    the table's width (Excel: a column of width w is about 7w + 5 pixels, at 0.75 pt each)."""
    table_pt = sum(7 * w + 5 for w in widths) * 0.75
    scale = min(1.0, PRINT_WIDTH_PT / table_pt)
    return int((PRINT_HEIGHT_PT / scale - header_pt) * PAGE_MARGIN / LINE_PT)


def build_summary_xlsx(rollup: Rollup, out: BinaryIO, *, unit: UnitEntry | None = None) -> Cleaner:
    """Write the 汇总表 (or, given `unit`, that unit's own table) to `out`; return the cleaner,
    which names the units whose text had characters removed."""
    cleaner = Cleaner()
    wb = new_workbook(out)
    formats = Formats(wb)
    per_unit = unit is not None
    columns = table_columns(rollup.form, per_unit=per_unit)
    ws = wb.add_worksheet(rollup.short_title or "汇总表" if per_unit else "汇总表")
    sheet = SheetWriter(ws, formats, [c.width for c in columns])
    # Header position must be known before the first row is written (freeze panes, print titles).
    intro = _intro_lines(rollup, unit, cleaner)
    header_first = len(intro) + 2 + (1 if per_unit else 0)
    set_up_page(ws, header_first, header_first + 1)

    title = rollup.deliverable_title if per_unit else summary_title(rollup.deliverable_title)
    if per_unit:
        note(sheet, rollup.short_title, "rollup_label", 24)
    note(sheet, title, "rollup_title", 36)
    for line in intro:
        note(sheet, line)
    top, bottom, merges = header_rows(columns)
    sheet.append(top, "rollup_head", HEADER_ROW_PT)
    sheet.append(bottom, "rollup_head", HEADER_ROW_PT)
    for r0, c0, r1, c1 in merges:
        sheet.merge(header_first + r0, c0, header_first + r1, c1)

    # Each unit's block is cut into page-sized slices: a page break before each page's first
    # slice, and every continued slice names the unit （续）.
    pager = Pager(page_lines(sheet.widths, 2 * HEADER_ROW_PT))
    pager.used = int((sheet.height - 2 * HEADER_ROW_PT) / LINE_PT) + 1
    entries = [unit] if per_unit else rollup.reported()
    for number, entry in enumerate(entries, start=1):
        block = unit_block(entry, columns, number, rollup, cleaner)
        name = cleaner(entry.unit_name, entry.unit_name)
        for piece in slice_block(block, columns, sheet.widths, pager, f"{name}（续）", PAD_PT / LINE_PT,
                                 row_lines=int((MAX_ROW_PT - PAD_PT) / LINE_PT)):
            if piece.starts_page and sheet.row > header_first + 1:
                sheet.page_break(sheet.row)
            write_slice(sheet, piece, block.unit_columns, columns)
    if per_unit:
        for label, keys in contact_groups(rollup.form):
            value = " ".join(str(unit.data.get(k) or "").strip() for k in keys).strip()
            note(sheet, f"{label}：{cleaner(value, unit.unit_name)}")
    sheet.finish()
    if not per_unit:
        _status_sheet(wb, formats, rollup, cleaner)
    wb.close()
    return cleaner


def _intro_lines(rollup: Rollup, unit: UnitEntry | None, cleaner: Cleaner) -> list[str]:
    if unit is not None:
        return [f"填报单位（盖章）：{cleaner(unit.unit_name, unit.unit_name)}"]
    lines = [rollup.head_line]
    if rollup.missing:
        lines.append(rollup.missing_line() + "（详见“报送情况”工作表）")
    return lines


STATUS_COLUMNS = [("序号", 5.5), ("单位", 24), ("状态", 8), ("报送时间", 16.5), ("逾期", 16),
                  ("回执编号", 22), ("联系人", 24), ("电子邮箱", 24), ("已催报次数", 11), ("备注", 30)]


def _status_sheet(wb: xlsxwriter.Workbook, formats: Formats, rollup: Rollup, cleaner: Cleaner) -> None:
    """报送情况: every recipient unit, reported or not (written after the table, so it can name
    the units whose text had characters removed)."""
    ws = wb.add_worksheet("报送情况")
    sheet = SheetWriter(ws, formats, [w for _, w in STATUS_COLUMNS])
    set_up_page(ws, 3, 3)
    note(sheet, "报送情况", "rollup_title", 30)
    note(sheet, rollup.head_line)
    sheet.append([label for label, _ in STATUS_COLUMNS], "rollup_head", 22)
    removed = set(cleaner.units)
    styles = ["rollup_center" if c in (0, 2, 3, 8) else "rollup_text" for c in range(len(STATUS_COLUMNS))]
    one_line = [width - 0.3 for _, width in STATUS_COLUMNS]  # as wrap() keeps a little spare
    for number, entry in enumerate(rollup.entries(), start=1):
        name = entry.unit_name
        values = [number, cleaner(name, name), entry.state_label, rollup.short_time(entry.submitted_at),
                  entry.standing.late_text, entry.receipt_no or "", cleaner(entry.contact, name),
                  cleaner(entry.email, name), entry.reminders,
                  "填报内容中无法保存的控制字符已删除" if name in removed else ""]
        # Most values fit one line at a glance (no line break, at most 2 a character): only the rest are wrapped.
        height = max([_need(v, STATUS_COLUMNS[c][1]) for c, v in enumerate(values)
                      if isinstance(v, str) and ("\n" in v or len(v) * 2 > one_line[c])] + [LINE_PT + PAD_PT])
        sheet.append(values, styles, height)
    if cleaner.message:
        note(sheet, cleaner.message)
