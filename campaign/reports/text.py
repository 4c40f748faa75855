"""What every builder does to user text: drop what XML cannot hold, keep everything else.

Also the measure of wrapped text that row heights are computed from (Excel, WPS and LibreOffice
do not reliably auto-fit wrapped rows in generated files).
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..xmltext import ILLEGAL as _ILLEGAL, clean  # noqa: F401 - clean is used through this module

# Characters drawn about twice as wide as a Latin digit: CJK, full-width forms, hangul, kana.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3"
    "\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd"
    "\u201c\u201d\u2018\u2019\u2014\u2026]"
)
# A spreadsheet reads these first characters as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Cleaner:
    """Cleans text unit by unit and remembers which units had characters removed."""

    def __init__(self):
        self.units: list[str] = []
        self._seen: set[str] = set()

    def __call__(self, text, unit_name: str) -> str:
        if not text:
            return ""
        text = str(text)
        if _ILLEGAL.search(text) is None:
            return text
        if unit_name not in self._seen:
            self._seen.add(unit_name)
            self.units.append(unit_name)
        return _ILLEGAL.sub("", text)

    @property
    def message(self) -> str:
        """What to tell the coordinator, or '' when nothing was removed."""
        if not self.units:
            return ""
        return ("以下单位的填报内容含有 Word/Excel 无法保存的控制字符，已在汇总文件中删除（其余内容未改动）："
                + "、".join(self.units))


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def display_width(text: str) -> int:
    """Width in Latin-digit units: wide characters count 2."""
    return len(text) + len(text) - len(_WIDE.sub("", text))


def print_width(text: str) -> float:
    """Width as printed, in Latin-digit units: wide characters count 2, and Word and LibreOffice
    put a little space (a quarter of a character) where Chinese meets Latin letters or digits."""
    width, previous = 0.0, None
    for char in text:
        wide = bool(_WIDE.match(char))
        width += 2 if wide else 1
        if previous is not None and wide != previous and not char.isspace():
            width += 0.5
        previous = None if char.isspace() else wide
    return width


# A paragraph as runs measured alike: wide characters that are not spaces, narrow ones that are
# not spaces, and single spaces.
# The ideographic space U+3000 is the one space among the wide characters; it is left out of the
# wide runs (a plain character class, much faster than checking each character for a space).
_WIDE_SOLID = _WIDE.pattern[1:-1].replace("\u2e80-\u303e", "\u2e80-\u2fff\u3001-\u303e")
_RUNS = re.compile("([" + _WIDE_SOLID + "]+)|([^\\s" + _WIDE.pattern[1:-1] + "]+)|(\\s)")


def wrap(text: str, width: float) -> tuple[str, ...]:
    """The text cut into the lines a cell `width` half-characters (Latin-digit units) wide shows,
    keeping a little of the width spare for the renderer's rounding. Joined, the lines give back
    the text exactly: each line that ends a paragraph keeps its "\n", a blank line is a line.

    Character by character: a wide character takes 2, a narrow one 1, and half a unit more where
    it follows a character of the other kind (not a space); a line breaks before the character
    that would overflow it. Measured a run of like characters at a time, which gives the same
    lines as counting each character, many times faster (the 汇总表 measures every cell). The
    last few texts measured are remembered: the layout measures a cell more than once."""
    if "\n" not in text:
        # A line is never wider than 2 a character: wide ones take 2, and each half unit between
        # kinds sits next to a narrow one, which takes 1. Latin text is exactly 1 a character.
        usable = max(width - 0.3, 2.0)
        if len(text) * (1 if text.isascii() else 2) <= usable:
            return (text,) if text else ()
    return _wrap(text, width)


@lru_cache(maxsize=256)
def _wrap(text: str, width: float) -> tuple[str, ...]:
    usable = max(width - 0.3, 2.0)
    lines = []
    paragraphs = (text or "").split("\n")
    last = len(paragraphs) - 1
    for index, paragraph in enumerate(paragraphs):
        end = "\n" if index < last else ""
        if not paragraph and not end:
            break
        start, used, previous = 0, 0.0, None
        for run in _RUNS.finditer(paragraph):
            wide_run, narrow_run, space = run.groups()
            i, stop = run.span()
            if space is not None:
                wide = bool(_WIDE.match(space))
                w = (2 if wide else 1) + (0.5 if previous is not None and wide != previous else 0)
                if used + w > usable and i > start:
                    lines.append(paragraph[start:i])
                    start, used, w = i, 0.0, 2 if wide else 1
                used += w
                previous = None
                continue
            wide = wide_run is not None
            cost = 2 if wide else 1
            # The run's first character, which may follow a character of the other kind.
            w = cost + (0.5 if previous is not None and wide != previous else 0)
            if used + w > usable and i > start:
                lines.append(paragraph[start:i])
                start, used, w = i, 0.0, cost
            used += w
            i += 1
            # The rest of the run: what still fits on this line, then whole lines.
            fit = int((usable - used) // cost)
            while fit > 0 and used + fit * cost > usable:
                fit -= 1
            while used + (fit + 1) * cost <= usable:
                fit += 1
            if stop - i <= fit:
                used += (stop - i) * cost
            else:
                i += fit
                lines.append(paragraph[start:i])
                step = _per_line(usable, cost)
                closed = (stop - i - 1) // step
                if closed:
                    lines += [paragraph[j:j + step] for j in range(i, i + closed * step, step)]
                start = i + closed * step
                used = float((stop - start) * cost)
            previous = wide
        lines.append(paragraph[start:] + end)
    return tuple(lines)


@lru_cache(maxsize=64)
def _per_line(usable: float, cost: int) -> int:
    """How many characters of one cost fill a line."""
    count = max(int(usable // cost), 1)
    while count > 1 and count * cost > usable:
        count -= 1
    while (count + 1) * cost <= usable:
        count += 1
    return count


def wrapped_lines(text: str, width: float) -> int:
    """Lines the text takes when wrapped in a column `width` digit-units wide (at least one)."""
    return max(1, len(wrap(text, width))) if text else 1
