"""附件1 as a Word table in a landscape section: the 汇总表, or one unit's own table to stamp."""
from __future__ import annotations

from typing import BinaryIO

from .data import Rollup, UnitEntry, summary_title
from .layout import Block, Column, contact_groups, header_rows, table_columns, unit_block
from .text import Cleaner
from .word import new_document, para, paragraphs, save_streamed, style_id

TEXT_TWIPS = int((297 - 28 - 26) / 25.4 * 1440)


MIN_WIDTH = 8.5  # a narrow column still holds a two-character word at 10.5 pt with cell margins


def _widths(columns: list[Column]) -> list[int]:
    """Column widths in twips over the landscape text width, in the proportions of the sheet."""
    widths = [max(c.width, MIN_WIDTH) for c in columns]
    total = sum(widths)
    return [int(TEXT_TWIPS * w / total) for w in widths]


def _cell(text, width: int, style: str, span: int = 1, vmerge: str | None = None) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        props += "<w:vMerge/>"
    props += '<w:vAlign w:val="center"/>'
    content = "" if text is None or vmerge == "continue" else str(text)
    if content:
        body = paragraphs(content, style)
    else:  # a cell must hold a paragraph, even an empty one
        body = f'<w:p><w:pPr><w:pStyle w:val="{style_id(style)}"/></w:pPr></w:p>'
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>"


def grid_rows(grid: list[list], merges, widths: list[int], styles: list[str], header: bool = False) -> str:
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
        # Header rows repeat on every page; a one-row unit is not split across pages.
        trpr = "<w:trPr><w:tblHeader/></w:trPr>" if header else (
            "<w:trPr><w:cantSplit/></w:trPr>" if len(grid) == 1 else "")
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


def _body(rollup: Rollup, columns: list[Column], entries, cleaner: Cleaner, unit: UnitEntry | None):
    widths = _widths(columns)
    if unit is None:
        yield para(summary_title(rollup.deliverable_title), "Title")
        yield para(rollup.head_line, "Plain")
        if rollup.missing:
            yield para(rollup.missing_line(), "Plain")
    else:
        yield para(rollup.short_title, "Annex Label")
        yield para(rollup.deliverable_title, "Title")
        yield para(f"填报单位（盖章）：{cleaner(unit.unit_name, unit.unit_name)}", "Plain")
    top, bottom, merges = header_rows(columns)
    yield table_start(widths)
    yield grid_rows([top, bottom], merges, widths, ["Table Head"] * len(columns), header=True)
    styles = ["Table Text"] * len(columns)
    for number, entry in enumerate(entries, start=1):
        block: Block = unit_block(entry, columns, number, rollup, cleaner)
        yield grid_rows(block.grid, block.merges, widths, styles)
    yield "</w:tbl>"
    if unit is not None:
        for label, keys in contact_groups(rollup.form):
            value = " ".join(str(unit.data.get(k) or "").strip() for k in keys).strip()
            yield para(f"{label}：{cleaner(value, unit.unit_name)}", "Plain")


def build_table_docx(rollup: Rollup, out: BinaryIO, *, unit: UnitEntry | None = None) -> Cleaner:
    """附件1 as a landscape Word table: every reported unit, or only `unit` with its stamp lines."""
    cleaner = Cleaner()
    columns = table_columns(rollup.form, per_unit=unit is not None)
    entries = [unit] if unit is not None else rollup.reported()
    save_streamed(new_document(landscape=True), _body(rollup, columns, entries, cleaner, unit), out)
    return cleaner
