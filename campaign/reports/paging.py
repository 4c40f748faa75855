"""How a printed table is laid out: column widths from the content, and each unit's block cut
into page-sized slices that each name the unit.

Layout decisions (the Word 附件1 table; see docx_table.py for the page geometry):

- Widths are measured in half-character units (a Chinese character is 2, a Latin digit 1, as
  `display_width` counts). Each column gets bounds: at least its longest unbreakable value
  (序号, 报送时间, a phone number, up to a cap) and enough for its header in three lines; at most
  its longest line. The text width left over is shared in proportion to how much text each
  column holds, so the row heights even out, and no column grows past its longest line.
- A unit's rows continue on the next page as a new slice whose 填报单位 cell reads
  "单位名称（续）"; its long texts are cut at a line so each slice holds what fits on its page,
  and a slice never starts in the last few lines of a page. Rows are sized by an estimate of
  their wrapped lines at an exact line height, with a margin, so the renderer's breaks fall
  where the slices do; a row taller than a page may still split rather than be clipped.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .layout import Block, Column
from .text import display_width, wrap

WORD_CAP = 24  # an unbreakable run longer than this (a URL) may wrap rather than widen its column
HEADER_LINES = 3
# The narrowest a column is made when its content is wider (half-characters): a name of four
# characters, a document title of six, a short status of three.
KIND_LEAST = {"number": 4, "unit": 8, "text": 8, "group": 8, "submitted": 4, "late": 4, "row": 6}
FIRST_ROW_LEAST = 12
# Short values kept whole and centred.
SHORT_KINDS = ("number", "submitted", "late", "group")
_TOKENS = re.compile(r"[\x21-\x7e]+")


@dataclass
class ColumnFit:
    least: float
    most: float


@dataclass
class Measure:
    """What the columns must hold: each column's bounds, and per block the text each column holds
    (in half-characters), from which the widths are shared out."""

    fits: list[ColumnFit]
    profiles: list[list[float]]


def measure(columns: list[Column], blocks) -> Measure:
    """Bounds and text of each column over the blocks that will be printed (read once, in order)."""
    fits, floors = [], []
    for c, col in enumerate(columns):
        head = display_width(col.label)
        fits.append(ColumnFit(least=max(4, math.ceil(head / HEADER_LINES / 2) * 2), most=4))
        first_of_group = col.kind == "row" and (c == 0 or columns[c - 1].rows_key != col.rows_key)
        floors.append(FIRST_ROW_LEAST if first_of_group else KIND_LEAST.get(col.kind, 4))
    fits_kinds = [col.kind for col in columns]
    profiles = []
    for block in blocks:
        profile = [0.0] * len(columns)
        for row in block.grid:
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                text = str(value)
                fit = fits[c]
                lines = [display_width(line) for line in text.split("\n") if line.strip()] or [0]
                if fits_kinds[c] in SHORT_KINDS:
                    words = [display_width(t) for t in text.split()]
                else:
                    words = [display_width(t) for t in _TOKENS.findall(text)]
                fit.least = max(fit.least, min(max(words, default=0), WORD_CAP))
                fit.most = max(fit.most, max(lines))
                profile[c] += sum(lines)
        profiles.append(profile)
    for fit, floor in zip(fits, floors):
        fit.least = max(fit.least, min(floor, fit.most))
        fit.most = max(fit.most, fit.least)
    return Measure(fits, profiles)


def share_widths(measured: Measure, total: float, rounds: int = 200) -> list[float]:
    """Widths (half-character units) adding up to `total`, each within its column's bounds, that
    keep the printed table short: start from widths in proportion to the text each column holds,
    then move width, a step at a time, from the column that costs least height to lose it to the
    one whose text makes the most blocks tall."""
    fits = measured.fits
    widths = [f.least for f in fits]
    if sum(widths) >= total:
        scale = total / sum(widths)
        return [w * scale for w in widths]
    volume = [sum(p[c] for p in measured.profiles) for c in range(len(fits))]
    growing = [i for i, f in enumerate(fits) if f.most > f.least]
    while growing:
        spare = total - sum(widths)
        weight = sum(max(volume[i], 1.0) for i in growing)
        share = {i: spare * max(volume[i], 1.0) / weight for i in growing}
        capped = [i for i in growing if widths[i] + share[i] >= fits[i].most]
        if not capped:
            for i in growing:
                widths[i] += share[i]
            break
        for i in capped:
            widths[i] = fits[i].most
        growing = [i for i in growing if i not in capped]
    else:
        spare = total - sum(widths)
        return [w + spare * w / sum(widths) for w in widths]
    step = total / 150
    for _ in range(rounds):
        gain = [0.0] * len(fits)
        for profile in measured.profiles:
            tallest = max(range(len(fits)), key=lambda c: profile[c] / widths[c])
            gain[tallest] += profile[tallest] / (widths[tallest] * widths[tallest])
        takers = [c for c in range(len(fits)) if widths[c] + step <= fits[c].most]
        givers = [c for c in range(len(fits)) if widths[c] - step >= fits[c].least]
        if not takers or not givers:
            break
        taker = max(takers, key=lambda c: gain[c])
        giver = min((c for c in givers if c != taker), key=lambda c: gain[c], default=None)
        if giver is None or gain[taker] <= gain[giver] * 1.2:
            break
        widths[taker] += step
        widths[giver] -= step
    return widths


def line_count(text, width: float) -> int:
    if text is None or text == "":
        return 0
    return len(wrap(str(text), width))


@dataclass
class Slice:
    """Part of a unit's block printed on one page: its grid and merges, like a Block."""

    grid: list[list]
    merges: list[tuple[int, int, int, int]]
    lines: int  # its height in lines
    split: bool = False  # taller than a page: let the row break across pages
    starts_page: bool = False
    # Each cell's wrapped lines at its width (across its columns where a text runs on over empty
    # ones), as `line_count` gives them, except that a number is 1: measured once, while slicing.
    cell_lines: list[list[int]] | None = None


@dataclass
class Pager:
    """Fills pages of `page_lines` lines; the first page has `first_used` lines taken already."""

    page_lines: int
    used: int = 0
    min_start: int = 4

    def room(self) -> int:
        return self.page_lines - self.used

    def new_page(self) -> None:
        self.used = 0


def slice_block(block: Block, columns: list[Column], widths: list[float], pager: Pager, continued: str,
                row_pad: float = 0.0, gap: float = 0.0, row_lines: int | None = None) -> list[Slice]:
    """Cut the block into slices that fit the pages as `pager` fills them. `continued` is the 填报单位
    cell of every slice after the first; `row_pad` is the lines a row's borders and margins take,
    `gap` the width (half-characters) a column's margins add when cells are merged across, and
    `row_lines` the most lines one row may hold (Excel's row height limit).

    A block no taller than half a page is not split: it starts the next page instead.

    A slice that only continues long texts lets each of them run on over the empty columns to its
    right, under a line naming the field, so a very long text does not print a few characters a
    line for page after page."""
    unit_cols = set(block.unit_columns)
    width = len(block.grid[0])
    head = block.grid[0]
    rest = {c: str(head[c]) for c in sorted(unit_cols) if columns[c].kind == "text" and isinstance(head[c], str)
            and head[c].strip()}
    counts = [[0 if c in unit_cols else line_count(v, widths[c]) for c, v in enumerate(row)] for row in block.grid]
    row_heights = [max(row + [1]) for row in counts]  # unit columns count 0 here
    head_lines = {c: line_count(head[c], widths[c]) for c in unit_cols}
    rows = list(range(len(block.grid)))
    slices: list[Slice] = []
    whole = max([sum(row_heights) + row_pad * len(rows)] + [head_lines[c] + row_pad for c in unit_cols])
    if pager.used and whole <= pager.page_lines / 2 and whole > pager.room():
        pager.new_page()
    while not slices or rows or any(rest.values()):
        first = not slices
        # The first slice also holds the short unit cells (unit, contact, time): at least their lines.
        least = max([head_lines[c] for c in unit_cols if c not in rest] + [1]) if first else 1
        needed = max(row_heights[rows[0]] if rows else 1, least) + row_pad
        if pager.used and pager.room() < max(pager.min_start, min(needed, pager.page_lines)):
            pager.new_page()
        room = pager.room()
        starts_page = pager.used == 0
        taken, rows_height = [], 0.0
        while rows and (not taken or rows_height + row_heights[rows[0]] + row_pad <= room):
            taken.append(rows.pop(0))
            rows_height += row_heights[taken[-1]] + row_pad
        height = max(least + row_pad, rows_height)
        text_room = max(int(room - row_pad * max(len(taken), 1)), 1)
        if row_lines and not taken:
            text_room = min(text_room, row_lines)
        grid = [list(block.grid[r]) for r in taken] or [[""] * width]
        cell_lines = [list(counts[r]) for r in taken] or [[0] * width]
        merges = []
        spans: dict[int, int] = {}
        covered: set[int] = set()
        if not first and not taken:
            for c in sorted(rest, reverse=True):
                if not rest[c]:
                    continue
                end = c
                while end + 1 < width and not rest.get(end + 1) and columns[end + 1].kind != "unit" \
                        and end + 1 not in spans:
                    end += 1
                spans[c] = end
        for c in sorted(unit_cols):
            if c in rest:
                span = spans.get(c, c)
                label = f"（{columns[c].label}，续）\n" if span > c and rest[c] else ""
                lines = wrap(rest[c], sum(widths[c:span + 1]) + gap * (span - c))
                count = min(len(lines), text_room - (1 if label else 0))
                piece = "".join(lines[:count])
                rest[c] = "".join(lines[count:])
                # The line break where the text is cut is the cut itself; the rest is kept as typed.
                value = label + (piece.removesuffix("\n") if rest[c] else piece)
                # Lines of the value as written: the label's, then the piece's, less a blank line
                # whose line break was the cut.
                cell_lines[0][c] = (len(wrap(label, sum(widths[c:span + 1]) + gap * (span - c))) if label else 0) \
                    + count - (1 if rest[c] and count and lines[count - 1] == "\n" else 0)
                height = max(height, count + (1 if label else 0) + row_pad * max(len(taken), 1))
                if span > c:
                    merges.append((0, c, 0, span))
                    covered.update(range(c + 1, span + 1))
            elif first:
                value = head[c]
                cell_lines[0][c] = 1 if isinstance(value, int) else head_lines[c]
            else:
                value = continued if columns[c].kind == "unit" else ""
                cell_lines[0][c] = line_count(value, widths[c])
            grid[0][c] = value
            for r in range(1, len(grid)):
                grid[r][c] = None
                cell_lines[r][c] = 0
        for c in covered:
            grid[0][c] = None
            cell_lines[0][c] = 0
        index = {r: i for i, r in enumerate(taken)}
        merges += [(0, c, len(grid) - 1, c) for c in sorted(unit_cols) if len(grid) > 1]
        merges += [(index[r0], c0, index[r1], c1) for r0, c0, r1, c1 in block.merges
                   if c0 not in unit_cols and r0 in index and r1 in index]
        lines = max(int(math.ceil(height)), 1)
        slices.append(Slice(grid, merges, lines, split=lines > pager.page_lines, starts_page=starts_page,
                            cell_lines=cell_lines))
        if lines <= pager.room():
            pager.used += lines
        else:  # taller than what was left: it runs on over the next pages
            pager.used = (lines - pager.room()) % pager.page_lines
    return slices
