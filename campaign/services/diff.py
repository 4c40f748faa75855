"""Differences between two revisions of a submission, field by field, for the coordinator to read.

Pure functions over stored data and the form definition. Chinese text has no spaces between
words, so text is compared character by character (difflib), after splitting into lines so a
changed paragraph does not drag unrelated ones into the difference.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    text: str
    changed: bool


@dataclass(frozen=True)
class FieldDiff:
    key: str
    label: str
    old: list[Piece]  # the older text, with removed parts marked
    new: list[Piece]  # the newer text, with added parts marked

    @property
    def changed(self) -> bool:
        return any(p.changed for p in self.old) or any(p.changed for p in self.new)


def field_text(spec: dict, data: dict) -> str:
    """One field of stored data as the plain text a reader sees."""
    value = data.get(spec["key"])
    kind = spec["type"]
    if kind in ("text", "textarea", "section"):
        return value or ""
    if kind == "rows":
        lines = []
        if data.get(spec["key"] + "_none"):
            lines.append(f"☑ {spec.get('none_label', '')}")
        for number, row in enumerate(value or [], start=1):
            lines.append(f"第 {number} 项")
            lines.extend(f"{col['label']}：{row.get(col['key'], '')}" for col in spec["columns"])
        return "\n".join(lines)
    if kind == "photos":
        return "\n".join(f"照片 {n}：{p.get('caption', '')}" for n, p in enumerate(value or [], start=1))
    return ""


def _merge(pieces: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for piece in pieces:
        if not piece.text:
            continue
        if merged and merged[-1].changed == piece.changed:
            merged[-1] = Piece(merged[-1].text + piece.text, piece.changed)
        else:
            merged.append(piece)
    return merged


def diff_text(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    """Both texts cut into unchanged and changed pieces: by line first, then by character."""
    old_lines, new_lines = old.split("\n") if old else [], new.split("\n") if new else []
    a: list[Piece] = []
    b: list[Piece] = []
    started = {id(a): False, id(b): False}

    def add(side: list[Piece], lines: int, pieces: list[Piece]) -> None:
        if not lines:
            return
        if started[id(side)]:
            side.append(Piece("\n", False))  # the line break between blocks is never the change
        started[id(side)] = True
        side.extend(pieces)

    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = "\n".join(old_lines[i1:i2]), "\n".join(new_lines[j1:j2])
        if op == "equal":
            add(a, i2 - i1, [Piece(left, False)])
            add(b, j2 - j1, [Piece(right, False)])
        elif op == "replace":
            opcodes = difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes()
            add(a, i2 - i1, [Piece(left[c1:c2], cop != "equal") for cop, c1, c2, _, _ in opcodes])
            add(b, j2 - j1, [Piece(right[d1:d2], cop != "equal") for cop, _, _, d1, d2 in opcodes])
        else:
            add(a, i2 - i1, [Piece(left, True)])
            add(b, j2 - j1, [Piece(right, True)])
    return _merge(a), _merge(b)


def diff_revisions(old: dict | None, new: dict, form: dict) -> list[FieldDiff]:
    """Per-field differences from `old` (None: nothing before) to `new`, in form order."""
    diffs = []
    for spec in form["fields"]:
        before = field_text(spec, old or {})
        after = field_text(spec, new)
        a, b = diff_text(before, after)
        diffs.append(FieldDiff(key=spec["key"], label=spec["label"], old=a, new=b))
    return diffs
