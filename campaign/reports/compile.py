"""The Word compilations (汇编): 附件2 工作总结汇编, 学习情况汇编 with photos, 优秀学习体会汇编,
and a unit's own 附件2 to print and stamp."""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import BinaryIO

from docx.shared import Mm
from lxml import etree

from .data import Rollup, UnitEntry, compilation_title
from .photos import photo_items, print_copy
from .text import Cleaner
from .word import new_document, page_break, para, save_streamed, toc, update_fields_on_open

_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）")
PICTURE_WIDTH_MM = 140


def title_key(form: dict) -> str | None:
    """The field holding each unit's title: the text field pre-filled with the unit name."""
    texts = [f for f in form["fields"] if f["type"] == "text"]
    for spec in texts:
        if "{unit}" in (spec.get("default") or ""):
            return spec["key"]
    return texts[0]["key"] if texts else None


def body_fields(form: dict) -> list[dict]:
    return [f for f in form["fields"] if f["type"] in ("section", "textarea")]


def essay_fields(form: dict) -> list[dict]:
    """Repeatable groups with a long-text column: the essays (体会) to compile."""
    return [f for f in form["fields"]
            if f["type"] == "rows" and any(c.get("type") == "textarea" for c in f["columns"])]


def essays_title(form: dict) -> str:
    labels = [f["label"].replace("感想或", "") for f in essay_fields(form)]
    return (labels[0] if labels else "学习体会") + "汇编"


def text_paragraphs(text: str) -> str:
    """Body text; a short line opening with （一） is a second-level heading (楷体)."""
    out = []
    for line in (text or "").split("\n"):
        if not line.strip():
            continue
        style = "Heading 2" if _SUBHEADING.match(line.strip()) and len(line) <= 40 else None
        out.append(para(line, style))
    return "".join(out)


def _title(entry: UnitEntry, key: str | None, cleaner: Cleaner) -> str:
    value = str(entry.data.get(key) or "").strip() if key else ""
    return cleaner(value, entry.unit_name) or entry.unit_name


def _cover(rollup: Rollup, title: str) -> Iterator[str]:
    for _ in range(5):
        yield para("", "Plain")
    yield para(title, "Cover Title")
    yield para("", "Plain")
    if rollup.doc_number:
        yield para(f"（{rollup.doc_number}）", "Cover Line")
    yield para(rollup.compiler, "Cover Line")
    yield para(rollup.generated_label, "Cover Line")
    yield para("", "Plain")
    yield para(rollup.counts.line, "Cover Line")
    if rollup.missing:
        yield para(rollup.missing_line(), "Plain")
    yield page_break()


def _unit_heading(text: str, unit_name: str, number: int, cleaner: Cleaner) -> str:
    out = para(text, "Unit Title", bookmark=f"_Toc_unit{number}", bookmark_id=number)
    if unit_name not in text:
        out += para(cleaner(unit_name, unit_name), "Unit Name")
    return out


def _outline_body(rollup: Rollup, cleaner: Cleaner) -> Iterator[str]:
    key = title_key(rollup.form)
    sections = body_fields(rollup.form)
    yield from _cover(rollup, compilation_title(rollup.deliverable_title))
    yield toc((f"_Toc_unit{n}", _title(e, key, Cleaner()))
              for n, e in enumerate(rollup.reported(), start=1))
    for number, entry in enumerate(rollup.reported(), start=1):
        parts = [_unit_heading(_title(entry, key, cleaner), entry.unit_name, number, cleaner)]
        for spec in sections:
            parts.append(para(spec["label"], "Heading 1"))
            parts.append(text_paragraphs(cleaner(str(entry.data.get(spec["key"]) or ""), entry.unit_name)))
        yield "".join(parts)


def build_compilation_docx(rollup: Rollup, out: BinaryIO) -> Cleaner:
    """附件2 工作总结汇编: title page, table of contents, each unit's summary from a new page."""
    cleaner = Cleaner()
    doc = new_document(cover=True)
    update_fields_on_open(doc)
    save_streamed(doc, _outline_body(rollup, cleaner), out)
    return cleaner


def _stamp_lines(entry: UnitEntry, cleaner: Cleaner) -> str:
    name = cleaner(entry.unit_name, entry.unit_name)
    return (para("", "Plain") + para(f"填报单位（盖章）：{name}", "Plain")
            + para(f"联系人及联系方式：{cleaner(entry.contact_line(), name)}", "Plain"))


def build_unit_docx(rollup: Rollup, entry: UnitEntry, out: BinaryIO) -> Cleaner:
    """A unit's own filled outline (e.g. 附件2) with the stamp and contact lines."""
    cleaner = Cleaner()
    key = title_key(rollup.form)
    doc = new_document()
    parts = [para(rollup.short_title, "Annex Label"), para(_title(entry, key, cleaner), "Title")]
    if entry.unit_name not in _title(entry, key, Cleaner()):
        parts.append(para(cleaner(entry.unit_name, entry.unit_name), "Unit Name"))
    for spec in body_fields(rollup.form):
        if spec["type"] == "section":
            parts.append(para(spec["label"], "Heading 1"))
        parts.append(text_paragraphs(cleaner(str(entry.data.get(spec["key"]) or ""), entry.unit_name)))
    parts += _essays(entry, rollup.form, cleaner)
    parts.append(_stamp_lines(entry, cleaner))
    pictures = _pictures(doc, rollup, entry, cleaner, itertools.count(1))
    save_streamed(doc, parts[:-1] + pictures + parts[-1:], out)
    return cleaner


def _essays(entry: UnitEntry, form: dict, cleaner: Cleaner) -> list[str]:
    parts = []
    for spec in essay_fields(form):
        for index, row in enumerate(entry.data.get(spec["key"]) or [], start=1):
            title, byline, text = _essay_parts(spec, row)
            parts.append(para(f"{spec['label']}{index}：{cleaner(title, entry.unit_name)}", "Heading 1"))
            parts.append(para(cleaner(byline, entry.unit_name), "Unit Name"))
            parts.append(text_paragraphs(cleaner(text, entry.unit_name)))
    return parts


def _essay_parts(spec: dict, row: dict) -> tuple[str, str, str]:
    columns = spec["columns"]
    text_col = next(c for c in columns if c.get("type") == "textarea")
    title_col = columns[0]
    rest = [str(row.get(c["key"]) or "").strip() for c in columns if c not in (text_col, title_col)]
    return str(row.get(title_col["key"]) or ""), "　".join(r for r in rest if r), str(row.get(text_col["key"]) or "")


def _picture(doc, path: str | None, ids) -> str:
    """A picture paragraph (registered in the package), or a note when the file is unusable."""
    copy = print_copy(path) if path else None
    if copy is None:
        return para("（照片文件缺失或无法读取）", "Caption Line")
    stream, width, height = copy
    inline = doc.part.new_pic_inline(stream, Mm(PICTURE_WIDTH_MM) if width >= height else None,
                                     None if width >= height else Mm(PICTURE_WIDTH_MM * 0.75))
    # python-docx numbers drawings from what is in its body, which is empty here: number them.
    number = next(ids)
    inline.docPr.id = number
    inline.docPr.name = f"图片 {number}"
    xml = etree.tostring(inline, encoding="unicode")
    return f'<w:p><w:pPr><w:pStyle w:val="Picture"/></w:pPr><w:r><w:drawing>{xml}</w:drawing></w:r></w:p>'


def _pictures(doc, rollup: Rollup, entry: UnitEntry, cleaner: Cleaner, ids) -> list[str]:
    parts = []
    labels = [f["label"] for f in rollup.form["fields"] if f["type"] == "photos"]
    for index, (photo_id, caption) in enumerate(photo_items(entry, rollup.form), start=1):
        if index == 1:
            parts.append(para(labels[0], "Heading 1"))
        parts.append(_picture(doc, rollup.photo_file(photo_id), ids))
        parts.append(para(f"图{index}　{cleaner(caption, entry.unit_name)}", "Caption Line"))
    return parts


def build_study_docx(rollup: Rollup, out: BinaryIO) -> Cleaner:
    """学习情况汇编: each unit's report with its photos and captions, from a new page.

    Pictures must be in the package before it is saved, so this (unit-sized, not
    national-sized) compilation is assembled before streaming."""
    cleaner = Cleaner()
    doc = new_document(cover=True)
    update_fields_on_open(doc)
    key = title_key(rollup.form)
    texts = body_fields(rollup.form)
    ids = itertools.count(1)
    parts = list(_cover(rollup, compilation_title(rollup.deliverable_title)))
    parts.append(toc((f"_Toc_unit{n}", _title(e, key, Cleaner())) for n, e in enumerate(rollup.reported(), start=1)))
    for number, entry in enumerate(rollup.reported(), start=1):
        parts.append(_unit_heading(_title(entry, key, cleaner), entry.unit_name, number, cleaner))
        for spec in texts:
            if len(texts) > 1 or spec["type"] == "section":
                parts.append(para(spec["label"], "Heading 1"))
            parts.append(text_paragraphs(cleaner(str(entry.data.get(spec["key"]) or ""), entry.unit_name)))
        parts += _pictures(doc, rollup, entry, cleaner, ids)
    save_streamed(doc, parts, out)
    return cleaner


def _essays_body(rollup: Rollup, cleaner: Cleaner) -> Iterator[str]:
    fields = essay_fields(rollup.form)
    yield from _cover(rollup, essays_title(rollup.form))

    def essays():
        number = 0
        for entry in rollup.reported():
            for spec in fields:
                for row in entry.data.get(spec["key"]) or []:
                    if isinstance(row, dict):
                        number += 1
                        yield number, entry, _essay_parts(spec, row)

    yield toc((f"_Toc_unit{n}", Cleaner()(t, e.unit_name) or "（无题）") for n, e, (t, _, _) in essays())
    for number, entry, (title, byline, text) in essays():
        name = entry.unit_name
        yield (para(cleaner(title, name) or "（无题）", "Unit Title", bookmark=f"_Toc_unit{number}", bookmark_id=number)
               + para(cleaner(byline, name), "Unit Name") + para(cleaner(name, name), "Unit Name")
               + para("", "Plain") + text_paragraphs(cleaner(text, name)))


def build_essays_docx(rollup: Rollup, out: BinaryIO) -> Cleaner:
    """优秀学习体会汇编: every essay from a new page, with its author, post and unit."""
    cleaner = Cleaner()
    doc = new_document(cover=True)
    update_fields_on_open(doc)
    save_streamed(doc, _essays_body(rollup, cleaner), out)
    return cleaner
