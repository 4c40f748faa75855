"""The wrapped-line measure the 汇总表's row heights and page slices are computed from: the fast
run-at-a-time wrap gives exactly the lines of the character-by-character definition."""
from hypothesis import given, settings, strategies as st

from campaign.reports.text import _WIDE, _WIDE_SOLID, wrap

# Wide and narrow characters, spaces of both kinds, line breaks, characters outside the BMP.
ALPHABET = list("质量强国建设纲要，。、《》“”—…") + list("abcXYZ019-_/:.%") + [
    " ", "\u3000", "\t", "\n", "\u00a0", "\uff21", "\U00020001", "é"]
WIDTHS = [0.5, 2, 2.3, 4.5, 5.5, 8, 11, 14, 18, 27.7, 28, 40.3]



def _wrap_by_character(text: str, width: float) -> list[str]:
    """wrap(), one character at a time: the definition the fast version is checked against (kept here, as
    only the tests need it)."""
    usable = max(width - 0.3, 2.0)
    lines = []
    paragraphs = (text or "").split("\n")
    for index, paragraph in enumerate(paragraphs):
        end = "\n" if index < len(paragraphs) - 1 else ""
        if not paragraph and not end:
            break
        start, used, previous = 0, 0.0, None
        for i, char in enumerate(paragraph):
            wide = bool(_WIDE.match(char))
            w = (2 if wide else 1) + (0.5 if previous is not None and wide != previous else 0)
            if used + w > usable and i > start:
                lines.append(paragraph[start:i])
                start, used, w = i, 0.0, 2 if wide else 1
            used += w
            previous = None if char.isspace() else wide
        lines.append(paragraph[start:] + end)
    return lines


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(ALPHABET), max_size=120), st.sampled_from(WIDTHS))
def test_fast_wrap_gives_the_lines_of_the_character_by_character_wrap(text, width):
    lines = wrap(text, width)
    assert list(lines) == _wrap_by_character(text, width)
    assert "".join(lines) == text


def test_the_ideographic_space_is_the_only_space_among_wide_characters():
    spaces = [c for c in map(chr, range(0x110000)) if c.isspace()]
    assert [c for c in spaces if _WIDE.match(c)] == ["\u3000"]
    assert "\u3000" not in _WIDE_SOLID


def test_a_long_chinese_paragraph_wraps_at_the_columns_width():
    text = "质量强国建设纲要" * 40  # 320 wide characters, 2 units each
    lines = wrap(text, 28)
    assert all(len(line) == 13 for line in lines[:-1]) and "".join(lines) == text
