"""Characters XML 1.0 cannot hold: dropped from whatever goes into an Office file or comes out of one."""
from __future__ import annotations

import re

# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates and U+FFFE/U+FFFF.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """The text without the characters XML cannot hold; nothing else changes."""
    return ILLEGAL.sub("", text)


# Office Open XML escapes a character in a cell's string as _xHHHH_ (ST_Xstring); an underscore that starts
# such a sequence literally is written _x005F_. openpyxl leaves both as they are, in and out.
_OOXML_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
_OOXML_START = re.compile("_(?=x[0-9A-Fa-f]{4}_)")  # every underscore that would start one, overlaps included


def ooxml_unescape(text: str) -> str:
    """A cell's string as Excel shows it: _x000D_ → carriage return, _x005F_x0041_ → "_x0041_"."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def ooxml_escape(text: str) -> str:
    """A string for a cell that Excel shows as typed: a literal _xHHHH_ gets its underscore escaped."""
    if "_x" not in text:
        return text
    return _OOXML_START.sub("_x005F_", text)
