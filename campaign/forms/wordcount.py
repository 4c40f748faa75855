"""The 字数 rule of spec §4, counted the way Microsoft Word's 字数 counts.

字数 = (East Asian characters) + (runs of other non-space characters), and
字符数（不计空格）= code points that are neither whitespace nor ignored.

The browser counter in ``campaign/static/js/wordcount.js`` implements the same
rule; both are checked against ``tests/data/wordcount_vectors.json``, so any
change here must be made there too.

Every code point falls into exactly one class:

* **ignored** -- U+200B ZERO WIDTH SPACE, U+FEFF (BOM / ZWNBSP) and the
  variation selectors U+FE00–FE0F and U+E0100–E01EF. They neither count nor
  separate: ``"ab\\u200bcd"`` is one run of 4 characters. Nothing else is
  ignored: U+200C ZWNJ, U+200D ZWJ, U+2060 WORD JOINER, U+00AD SOFT HYPHEN,
  the Mongolian selectors U+180B–180F and the emoji tag characters are
  ordinary run characters.
* **whitespace** -- exactly the Unicode ``White_Space`` property: U+0009–000D,
  U+0020, U+0085, U+00A0, U+1680, U+2000–200A, U+2028, U+2029, U+202F, U+205F
  and U+3000 IDEOGRAPHIC SPACE. Whitespace ends a run and is not counted.
  (``str.isspace`` is deliberately not used: it also accepts U+001C–001F,
  which are not ``White_Space`` and therefore count as run characters here.)
* **East Asian** -- see ``EAST_ASIAN_RANGES``. Each one counts 1 and ends any
  run of other characters, so ``"5G网络"`` is 3 and ``"A股"`` is 2.
* **other** -- everything else (Latin letters, digits, half-width punctuation,
  emoji, ZWJ, combining marks, symbols). A maximal sequence of them, not
  interrupted by whitespace or an East Asian character, counts 1. Hence an
  emoji ZWJ sequence such as 👨‍👩‍👧 (5 code points) is one run, a flag 🇨🇳
  or a skin-toned 👍🏽 is one run, and ``"OK👍"`` is one run too.

The curly quotes, dashes, ellipsis and middle dot listed in §4 are East Asian
wherever they appear, so the English ``don’t`` (with U+2019) counts 3:
``don`` + ``’`` + ``t``. The East Asian set is §4's list taken literally, so
blocks it does not name are "other": small form variants U+FE50–FE6F (﹐),
Yi, Tangut, the Yijing hexagrams and the enclosed ideographic supplement
(🈶 U+1F236). A ZWJ or combining mark standing next to a Han character forms
a run of its own: ``"中\u200d文"`` is 3.

字符数 counts code points, not user-perceived characters: 👨‍👩‍👧 is 5
characters, 👍🏽 is 2, ❤️ (U+2764 U+FE0F) is 1 because the selector is ignored.

Counting always starts from ``normalize(text)``: CRLF and lone CR become LF,
then NFC is applied. NFC changes counts in a few places, all intended:
``e`` + U+0301 becomes ``é`` (1 character, not 2); Hangul jamo ᄀ + ᅡ compose
to 가 (1 字, not 2); か + U+3099 composes to が; U+2329/232A become the CJK
angle brackets 〈〉 (East Asian); U+0387 GREEK ANO TELEIA becomes U+00B7 ·
(East Asian). Ignored code points are dropped only *after* NFC, so they still
block composition as they do in the stored text: ``e`` U+200B U+0301 stays 2
characters. CR/LF normalisation never changes a count (all line breaks are
whitespace); it exists so the stored text is what was counted.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

__all__ = [
    "EAST_ASIAN_RANGES",
    "count_chars",
    "count_words",
    "is_east_asian",
    "normalize",
]

#: Inclusive code point ranges counted one each. Sorted, non-overlapping.
#: U+2E80–33FF is one stretch of CJK radicals, ideographic description
#: characters, CJK punctuation, kana, bopomofo, compatibility jamo, kanbun,
#: strokes, enclosed CJK (㈱) and CJK compatibility (㎡), with a hole at its
#: only whitespace, U+3000 IDEOGRAPHIC SPACE.
#: Planes 2 and 3 (U+20000–3FFFF) hold only Han ideographs (Extensions B–I
#: and the compatibility supplement), so they are taken whole, including code
#: points not yet assigned.
EAST_ASIAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x00B7, 0x00B7),    # · MIDDLE DOT
    (0x1100, 0x11FF),    # Hangul Jamo
    (0x2014, 0x2015),    # — EM DASH, ― HORIZONTAL BAR
    (0x2018, 0x2019),    # ‘ ’
    (0x201C, 0x201D),    # “ ”
    (0x2026, 0x2026),    # … HORIZONTAL ELLIPSIS
    (0x203B, 0x203B),    # ※ REFERENCE MARK
    (0x2103, 0x2103),    # ℃ DEGREE CELSIUS
    (0x2116, 0x2116),    # № NUMERO SIGN
    (0x25A1, 0x25A1),    # □ WHITE SQUARE
    (0x25B3, 0x25B3),    # △ WHITE UP-POINTING TRIANGLE
    (0x25C7, 0x25C7),    # ◇ WHITE DIAMOND
    (0x25CB, 0x25CB),    # ○ WHITE CIRCLE
    (0x2606, 0x2606),    # ☆ WHITE STAR
    (0x2E80, 0x2FFF),    # CJK radicals, Kangxi radicals, ideographic description
    (0x3001, 0x33FF),    # CJK punctuation … CJK compatibility (see above)
    (0x3400, 0x4DBF),    # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),    # CJK Unified Ideographs
    (0xA960, 0xA97F),    # Hangul Jamo Extended-A
    (0xAC00, 0xD7FF),    # Hangul Syllables, Hangul Jamo Extended-B
    (0xF900, 0xFAFF),    # CJK Compatibility Ideographs
    (0xFE10, 0xFE1F),    # Vertical Forms
    (0xFE30, 0xFE4F),    # CJK Compatibility Forms
    (0xFF01, 0xFFEF),    # Halfwidth and Fullwidth Forms (incl. ｶ and ﾡ)
    (0x1AFF0, 0x1B16F),  # Kana Extended-B, Kana Supplement, Kana Extended-A, Small Kana Extension
    (0x20000, 0x3FFFF),  # Han: Extensions B–I, Compatibility Ideographs Supplement
)

_EA_STARTS = [start for start, _ in EAST_ASIAN_RANGES]

_WHITESPACE = (
    "\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_IGNORED = "\u200b\ufeff\ufe00-\ufe0f\U000e0100-\U000e01ef"


def _class_body(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in ranges
    )


_EAST_ASIAN = _class_body(EAST_ASIAN_RANGES)

# One match per counted unit: a single East Asian character, or a maximal run
# of characters that are neither East Asian nor whitespace. Ignored code points
# are removed before matching, so they can neither split nor form a run.
_WORD_RE = re.compile(f"[{_EAST_ASIAN}]|[^{_EAST_ASIAN}{_WHITESPACE}]+")
_IGNORED_RE = re.compile(f"[{_IGNORED}]+")
_SKIPPED_RE = re.compile(f"[{_IGNORED}{_WHITESPACE}]+")


def normalize(text: str) -> str:
    """Return ``text`` as it is stored and counted: CRLF and CR become LF, then NFC.

    Nothing is removed: ignored code points (U+200B, U+FEFF, variation
    selectors) and whitespace are kept, only the count skips them.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def count_words(text: str) -> int:
    """Return the 字数 of ``text`` (normalised first), per spec §4.

    Each East Asian character counts 1; each maximal run of other
    non-whitespace characters counts 1; whitespace (including U+3000) only
    separates; U+200B, U+FEFF and variation selectors are dropped before
    counting, so ``"ab\\u200bcd"`` is 1 and ``"中\\u200b文"`` is 2.
    """
    text = _IGNORED_RE.sub("", normalize(text))
    return sum(1 for _ in _WORD_RE.finditer(text))


def count_chars(text: str) -> int:
    """Return the 字符数（不计空格）of ``text`` (normalised first).

    That is the number of code points that are neither whitespace nor
    ignored, counted after NFC: ``"e\\u0301"`` is 1, 👨‍👩‍👧 is 5.
    """
    text = normalize(text)
    return len(text) - sum(len(m) for m in _SKIPPED_RE.findall(text))


def is_east_asian(ch: str) -> bool:
    """Return whether the single code point ``ch`` counts as East Asian.

    The test is on the code point as given, without normalisation, and
    U+3000 is whitespace, not East Asian. Raises ``ValueError`` unless ``ch``
    is exactly one code point.
    """
    if len(ch) != 1:
        raise ValueError(f"expected one code point, got {len(ch)}")
    cp = ord(ch)
    i = bisect.bisect_right(_EA_STARTS, cp) - 1
    return i >= 0 and cp <= EAST_ASIAN_RANGES[i][1]
