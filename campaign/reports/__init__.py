"""Rollups: collect.py reads the database, the builders turn a Rollup into a file.

`kinds(form)` says which files a deliverable offers; `build` writes one of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO

from ..timefmt import local
from .compile import (build_compilation_docx, build_essays_docx, build_study_docx, build_unit_docx, essay_fields,
                      essays_title)
from .data import Rollup, UnitEntry, compilation_title, summary_title
from .docx_table import build_table_docx
from .photos import build_photos_zip
from .text import Cleaner
from .xlsx import build_summary_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"


@dataclass(frozen=True)
class Kind:
    key: str  # in URLs and the CLI: xlsx | docx | essays | zip
    label: str
    extension: str
    mimetype: str


def _has(form: dict, kind: str) -> bool:
    return any(f["type"] == kind for f in form["fields"])


def kinds(form: dict) -> list[Kind]:
    """The rollup files a deliverable offers, from the shape of its form."""
    if _has(form, "photos"):
        found = [Kind("docx", "学习情况汇编", ".docx", DOCX)]
        if essay_fields(form):
            found.append(Kind("essays", essays_title(form), ".docx", DOCX))
        return found + [Kind("zip", "全部照片", ".zip", ZIP)]
    if _has(form, "section"):
        return [Kind("docx", "工作总结汇编", ".docx", DOCX)]
    return [Kind("xlsx", "汇总表（Excel）", ".xlsx", XLSX), Kind("docx", "汇总表（Word）", ".docx", DOCX)]


def unit_kinds(form: dict) -> list[Kind]:
    """The files a unit gets of its own submission, to print and stamp."""
    if _has(form, "photos") or _has(form, "section"):
        return [Kind("docx", "Word", ".docx", DOCX)]
    return [Kind("docx", "Word", ".docx", DOCX), Kind("xlsx", "Excel", ".xlsx", XLSX)]


def _labelled(short_title: str, what: str) -> str:
    """附件1 + title, but a short title the title already says is not said twice."""
    return what if not short_title or short_title in what else f"{short_title}{what}"


def built_by_worker(form: dict, kind: Kind, units: int, inline_units: int) -> bool:
    """Whether a campaign-wide file is long work: it carries photos, or covers many units."""
    return (_has(form, "photos") and kind.key in ("docx", "zip")) or units > inline_units


def file_name(rollup: Rollup, kind: Kind, unit: UnitEntry | None = None) -> str:
    """A Chinese file name saying what the file is (and when it was compiled)."""
    if unit is not None:
        return f"{unit.unit_name}_{_labelled(rollup.short_title, rollup.deliverable_title)}{kind.extension}"
    if kind.key == "xlsx" or (kind.key == "docx" and kind.label.startswith("汇总表")):
        what = summary_title(rollup.deliverable_title)
    elif kind.key == "docx":
        what = compilation_title(rollup.deliverable_title)
    else:
        what = kind.label
    return f"{_labelled(rollup.short_title, what)}_{_stamp(rollup)}{kind.extension}"


def _stamp(rollup: Rollup) -> str:
    return local(rollup.generated_at, rollup.zone).strftime("%Y%m%d%H%M")


ASCII_WHAT = {"xlsx": "summary", "docx": "compilation", "essays": "essays", "zip": "photos"}


def ascii_name(rollup: Rollup, kind: Kind, unit: UnitEntry | None = None) -> str:
    """The plain-ASCII name for clients that cannot read the Chinese one: still what and when,
    e.g. annex1-summary-202304021000.xlsx or unit-12-annex1.docx."""
    key = re.sub(r"[^A-Za-z0-9_-]+", "", rollup.deliverable_key) or "rollup"
    if unit is not None:
        return f"unit-{unit.unit_id}-{key}{kind.extension}"
    what = "table" if kind.key == "docx" and kind.label.startswith("汇总表") else ASCII_WHAT.get(kind.key, kind.key)
    return f"{key}-{what}-{_stamp(rollup)}{kind.extension}"


def build(rollup: Rollup, kind: Kind, out: BinaryIO) -> Cleaner:
    """Write the campaign-wide file of this kind."""
    form = rollup.form
    if kind.key == "xlsx":
        return build_summary_xlsx(rollup, out)
    if kind.key == "zip":
        return build_photos_zip(rollup, out)
    if kind.key == "essays":
        return build_essays_docx(rollup, out)
    if _has(form, "photos"):
        return build_study_docx(rollup, out)
    if _has(form, "section"):
        return build_compilation_docx(rollup, out)
    return build_table_docx(rollup, out)


def build_unit(rollup: Rollup, entry: UnitEntry, kind: Kind, out: BinaryIO) -> Cleaner:
    """Write one unit's own file of this kind."""
    if kind.key == "xlsx":
        return build_summary_xlsx(rollup, out, unit=entry)
    if _has(rollup.form, "photos") or _has(rollup.form, "section"):
        return build_unit_docx(rollup, entry, out)
    return build_table_docx(rollup, out, unit=entry)


def find_kind(options: list[Kind], key: str) -> Kind | None:
    return next((k for k in options if k.key == key), None)
