"""Where the parts of a portrait compilation fall on its pages, so the 目录 carries page numbers in
the file as delivered (viewers that do not update fields print what is stored).

Layout decisions: every style has an exact line height (word.STYLES), widow and orphan control
is off, headings keep with the next line and a picture with its caption, and each unit starts a
page. A line of the body holds 27 characters of 3号 (GB/T 9704's 28 with Word's character grid;
without it, 156 mm holds 27), and a page 22 lines. Text is counted in half-characters (a Latin
letter or digit is half a Chinese character), so the count matches the print for Chinese prose;
the print-proof tests compare it with LibreOffice's own pages.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .text import print_width
from .word import KEEP_WITH_NEXT, STYLES

MM_PT = 72 / 25.4
PAGE_PT = (297 - 37 - 35) * MM_PT
TEXT_PT = (210 - 28 - 26) * MM_PT


@dataclass
class Part:
    """One paragraph of a compilation: text in a style, or a ready paragraph (`xml`, a picture)
    of a known height."""

    style: str
    text: str = ""
    bookmark: int | None = None
    xml: str = ""
    height: float = 0.0

    @property
    def line_pt(self) -> float:
        return STYLES[self.style][5] or STYLES[self.style][1] * 1.3

    def lines(self) -> int:
        """Lines the paragraph wraps into."""
        if self.xml:
            return 1
        size, indent = STYLES[self.style][1], STYLES[self.style][4]
        per_line = math.floor(TEXT_PT / (size / 2)) - 1  # half-characters, one spare for line-start rules
        return max(1, math.ceil((print_width(self.text) + 4 * indent) / per_line))


class PageCount:
    """Follows parts down the pages: `page` is the page the next line goes on."""

    def __init__(self, page: int = 1):
        self.page = page
        self.used = 0.0

    def new_page(self) -> None:
        if self.used:
            self.page += 1
            self.used = 0.0

    def _line(self, height: float) -> None:
        if self.used and self.used + height > PAGE_PT:
            self.page += 1
            self.used = 0.0
        self.used += height

    def add(self, parts: list[Part]) -> None:
        for i, part in enumerate(parts):
            height = part.height if part.xml else part.line_pt
            count = part.lines()
            if part.style in KEEP_WITH_NEXT and i + 1 < len(parts):
                after = parts[i + 1]
                need = count * height + (after.height if after.xml else after.line_pt)
                if self.used and self.used + need > PAGE_PT:
                    self.new_page()
            for _ in range(count):
                self._line(height)

    def pages_for(self, parts: list[Part]) -> int:
        """Pages the parts take when they start a page (a unit), leaving the count after them."""
        self.new_page()
        first = self.page
        self.add(parts)
        return self.page - first + 1
