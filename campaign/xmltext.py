"""Characters XML 1.0 cannot hold: dropped from whatever goes into an Office file or comes out of one."""
from __future__ import annotations

import re

# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates and U+FFFE/U+FFFF.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """The text without the characters XML cannot hold; nothing else changes."""
    return ILLEGAL.sub("", text)
