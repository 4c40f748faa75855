"""附件1 as a Word table in a landscape section: the 汇总表, or one unit's own table to stamp."""
from __future__ import annotations

from typing import BinaryIO

import math

from .data import Rollup, UnitEntry, summary_title
from .layout import Block, Column, contact_groups, header_rows, table_columns, unit_block
from .paging import SHORT_KINDS, Pager, line_count, measure, share_widths, slice_block
from .text import Cleaner, display_width
from .word import TABLE_LINE_PT, new_document, para, paragraphs, save_streamed, style_id

# Page geometry of the landscape section (GB/T 9704 margins), in twips (1/1440 inch, 1/20 pt).
TEXT_TWIPS = int((297 - 28 - 26) / 25.4 * 1440)
TEXT_HEIGHT_TWIPS = int((210 - 37 - 35) / 25.4 * 1440)
HALF_CHAR_TWIPS = 105  # half of a 10.5 pt character
CELL_MARGIN_TWIPS = 120  # left and right cell margins together
LINE_TWIPS = TABLE_LINE_PT * 20  # the table styles' exact line height
ROW_PAD = 0.15  # lines a row's borders take
PAGE_MARGIN = 0.93  # the share of a page the estimate may fill, for the renderer's own line breaks


# An empty paragraph of 1 pt that starts a page (a table cannot break a page between its rows).
PAGE_BREAK = ('<w:p><w:pPr><w:pageBreakBefore/><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
              '<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr></w:pPr></w:p>')


def _widths(columns: list[Column], blocks) -> list[float]:
    """Column widths in half-character units, from the content to be printed."""
    total = (TEXT_TWIPS - CELL_MARGIN_TWIPS * len(columns)) / HALF_CHAR_TWIPS
    return share_widths(measure(columns, blocks), total)


def _twips(widths: list[float]) -> list[int]:
    return [int(w * HALF_CHAR_TWIPS) + CELL_MARGIN_TWIPS for w in widths]


def _lines(text: str, chars_per_line: int, line_pt: float) -> float:
    """Lines of the table's height a paragraph in another style takes."""
    count = sum(max(1, math.ceil(display_width(p) / (2 * chars_per_line))) for p in text.split("\n") if p.strip())
    return count * line_pt / TABLE_LINE_PT


def _cell(text, width: int, style: str, span: int = 1, vmerge: str | None = None) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        props += "<w:vMerge/>"
    # Long text reads from the top of its cell; short values sit in the middle.
    props += f'<w:vAlign w:val="{"top" if style == "Table Text" else "center"}"/>'
    content = "" if text is None or vmerge == "continue" else str(text)
    if content:
        body = paragraphs(content, style)
    else:  # a cell must hold a paragraph, even an empty one
        body = f'<w:p><w:pPr><w:pStyle w:val="{style_id(style)}"/></w:pPr></w:p>'
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>"


def grid_rows(grid: list[list], merges, widths: list[int], styles: list[str], header: bool = False,
              split: bool = False) -> str:
    """Table rows for a grid with merges: gridSpan across, vMerge down."""
    anchor = {}
    covered = {}
    for r0, c0, r1, c1 in merges:
        anchor[(r0, c0)] = (r1, c1)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered[(r, c)] = (r0, c0, r1, c1)
    out = []
    for r, row in enumerate(grid):
        cells = []
        c = 0
        while c < len(row):
            if (r, c) in anchor:
                r1, c1 = anchor[(r, c)]
                span = c1 - c + 1
                cells.append(_cell(row[c], sum(widths[c:c1 + 1]), styles[c], span, "restart" if r1 > r else None))
                c += span
            elif (r, c) in covered:
                r0, c0, r1, c1 = covered[(r, c)]
                span = c1 - c0 + 1
                cells.append(_cell(None, sum(widths[c0:c1 + 1]), styles[c0], span, "continue"))
                c += span
            else:
                cells.append(_cell(row[c], widths[c], styles[c]))
                c += 1
        # Header rows repeat on every page; other rows are sized to their page and kept whole,
        # except one taller than a page, which must break rather than lose its end.
        trpr = "<w:trPr><w:tblHeader/></w:trPr>" if header else ("" if split else "<w:trPr><w:cantSplit/></w:trPr>")
        out.append(f"<w:tr>{trpr}{''.join(cells)}</w:tr>")
    return "".join(out)


def table_start(widths: list[int]) -> str:
    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return (f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
            f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            '<w:tblCellMar><w:left w:w="60" w:type="dxa"/><w:right w:w="60" w:type="dxa"/></w:tblCellMar>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>")


def _header_lines(top, bottom, merges, widths: list[float]) -> float:
    spans = {(r0, c0): c1 for r0, c0, r1, c1 in merges}
    lines = []
    for r, row in enumerate((top, bottom)):
        lines.append(max([line_count(v, sum(widths[c:spans.get((r, c), c) + 1])) for c, v in enumerate(row) if v]
                         + [0]))
    return sum(lines) + 2 * ROW_PAD


def _body(rollup: Rollup, columns: list[Column], entries, cleaner: Cleaner, unit: UnitEntry | None):
    # A first pass measures what will be printed (one unit at a time), a second writes it.
    widths = _widths(columns, (unit_block(entry, columns, number, rollup, Cleaner())
                               for number, entry in enumerate(entries(), start=1)))
    twips = _twips(widths)
    if unit is None:
        intro = [(summary_title(rollup.deliverable_title), "Title"), (rollup.head_line, "Plain")]
        if rollup.missing:
            intro.append((rollup.missing_line(), "Plain"))
    else:
        intro = [(rollup.short_title, "Annex Label"), (rollup.deliverable_title, "Title"),
                 (f"填报单位（盖章）：{cleaner(unit.unit_name, unit.unit_name)}", "Plain")]
    for text, style in intro:
        yield para(text, style)
    top, bottom, merges = header_rows(columns)
    page_lines = int((TEXT_HEIGHT_TWIPS / LINE_TWIPS - _header_lines(top, bottom, merges, widths)) * PAGE_MARGIN)
    pager = Pager(page_lines)
    pager.used = math.ceil(sum(_lines(t, 31 if s == "Title" else 43, 36 if s == "Title" else 28) for t, s in intro))
    head = table_start(twips) + grid_rows([top, bottom], merges, twips, ["Table Head"] * len(columns), header=True)
    yield head
    styles = ["Table Center" if col.kind in SHORT_KINDS or col.kind == "unit" else "Table Text" for col in columns]
    started = False
    for number, entry in enumerate(entries(), start=1):
        block: Block = unit_block(entry, columns, number, rollup, cleaner)
        name = cleaner(entry.unit_name, entry.unit_name)
        for piece in slice_block(block, columns, widths, pager, f"{name}（续）", ROW_PAD,
                                 CELL_MARGIN_TWIPS / HALF_CHAR_TWIPS):
            if piece.starts_page and started:
                # A page starts where the slices say, not where the renderer would run out of room:
                # the table goes on after a page break, its header first.
                yield "</w:tbl>" + PAGE_BREAK + head
            yield grid_rows(piece.grid, piece.merges, twips, styles, split=piece.split)
            started = True
    yield "</w:tbl>"
    if unit is not None:
        for label, keys in contact_groups(rollup.form):
            value = " ".join(str(unit.data.get(k) or "").strip() for k in keys).strip()
            yield para(f"{label}：{cleaner(value, unit.unit_name)}", "Plain")


def build_table_docx(rollup: Rollup, out: BinaryIO, *, unit: UnitEntry | None = None) -> Cleaner:
    """附件1 as a landscape Word table: every reported unit, or only `unit` with its stamp lines."""
    cleaner = Cleaner()
    columns = table_columns(rollup.form, per_unit=unit is not None)
    entries = (lambda: [unit]) if unit is not None else rollup.reported
    save_streamed(new_document(landscape=True), _body(rollup, columns, entries, cleaner, unit), out)
    return cleaner
