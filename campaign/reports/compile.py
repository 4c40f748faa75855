"""The Word compilations (汇编): 附件2 工作总结汇编, 学习情况汇编 with photos, 优秀学习体会汇编,
and a unit's own 附件2 to print and stamp."""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import BinaryIO

from docx.oxml.shape import CT_Inline
from docx.shared import Mm
from lxml import etree

from .data import Rollup, UnitEntry, compilation_title
from .pages import MM_PT, PAGE_PT, PageCount, Part
from .photos import photo_items, print_copy
from .text import Cleaner
from .word import Media, new_document, para, save_streamed, toc

_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）")
PICTURE_WIDTH_MM = 140  # a landscape photo across most of the 156 mm text width
PICTURE_HEIGHT_MM = 105  # a portrait photo's height, so it and its caption fit a page
PICTURE_LINE_EXTRA_PT = 6  # the picture's line adds a little below the image


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


def text_parts(text: str) -> list[Part]:
    """Body text; a short line opening with （一） is a second-level heading (楷体)."""
    return [Part("Heading 2" if _SUBHEADING.match(line.strip()) and len(line) <= 40 else "Normal", line)
            for line in (text or "").split("\n") if line.strip()]


def render(parts: list[Part]) -> str:
    return "".join(part.xml or para(part.text, None if part.style == "Normal" else part.style,
                                    bookmark=f"_Toc_unit{part.bookmark}" if part.bookmark else None,
                                    bookmark_id=part.bookmark or 0)
                   for part in parts)


def _title(entry: UnitEntry, key: str | None, cleaner: Cleaner) -> str:
    value = str(entry.data.get(key) or "").strip() if key else ""
    return cleaner(value, entry.unit_name) or entry.unit_name


def _cover(rollup: Rollup, title: str) -> str:
    """The title page; the list of units still missing is cut to what the page holds."""
    parts = [Part("Plain") for _ in range(5)] + [Part("Cover Title", title), Part("Plain")]
    if rollup.doc_number:
        parts.append(Part("Cover Line", f"（{rollup.doc_number}）"))
    parts += [Part("Cover Line", rollup.compiler), Part("Cover Line", rollup.generated_label), Part("Plain"),
              Part("Cover Line", rollup.counts.line)]
    if rollup.missing:
        used = sum(p.lines() * p.line_pt for p in parts)
        room = int((PAGE_PT - used) // Part("Plain").line_pt) - 1
        limit = len(rollup.missing)
        while limit > 1 and Part("Plain", rollup.missing_line(limit)).lines() > room:
            limit = max(1, min(limit - 1, int(limit * 0.8)))
        parts.append(Part("Plain", rollup.missing_line(limit)))
    return render(parts)


def _contents(rollup: Rollup, units: list[tuple[str, list[Part]]]) -> str:
    """The 目录: one entry per unit (its title, naming the unit) with the page it starts on."""
    toc_parts = [Part("TOC Title"), Part("Plain")] + [Part("TOC 1", text + "……000") for text, _ in units]
    counter = PageCount(page=2)
    counter.add(toc_parts)
    page = counter.page + 1
    entries = []
    for number, (text, parts) in enumerate(units, start=1):
        entries.append((f"_Toc_unit{number}", text, page))
        page += PageCount().pages_for(parts)
    return toc(entries)


def _entry_text(title: str, unit_name: str) -> str:
    return title if unit_name in title else f"{title}（{unit_name}）"


def _unit_heading(text: str, unit_name: str, number: int, cleaner: Cleaner) -> list[Part]:
    parts = [Part("Unit Title", text, bookmark=number)]
    if unit_name not in text:
        parts.append(Part("Unit Name", cleaner(unit_name, unit_name)))
    return parts


def _outline_parts(rollup: Rollup, entry: UnitEntry, number: int, cleaner: Cleaner) -> list[Part]:
    key = title_key(rollup.form)
    parts = _unit_heading(_title(entry, key, cleaner), entry.unit_name, number, cleaner)
    for spec in body_fields(rollup.form):
        parts.append(Part("Heading 1", spec["label"]))
        parts += text_parts(cleaner(str(entry.data.get(spec["key"]) or ""), entry.unit_name))
    return parts


def _outline_body(rollup: Rollup, cleaner: Cleaner) -> Iterator[str]:
    key = title_key(rollup.form)
    yield _cover(rollup, compilation_title(rollup.deliverable_title))
    # A first pass counts each unit's pages for the 目录 (one unit at a time), a second writes them.
    yield _contents(rollup, [(_entry_text(_title(e, key, Cleaner()), e.unit_name), _outline_parts(rollup, e, n, Cleaner()))
                             for n, e in enumerate(rollup.reported(), start=1)])
    for number, entry in enumerate(rollup.reported(), start=1):
        yield render(_outline_parts(rollup, entry, number, cleaner))


def build_compilation_docx(rollup: Rollup, out: BinaryIO) -> Cleaner:
    """附件2 工作总结汇编: title page, table of contents, each unit's summary from a new page."""
    cleaner = Cleaner()
    save_streamed(new_document(cover=True), _outline_body(rollup, cleaner), out)
    return cleaner


def _stamp_lines(entry: UnitEntry, cleaner: Cleaner) -> list[Part]:
    name = cleaner(entry.unit_name, entry.unit_name)
    return [Part("Plain"), Part("Plain", f"填报单位（盖章）：{name}"),
            Part("Plain", f"联系人及联系方式：{cleaner(entry.contact_line(), name)}")]


def build_unit_docx(rollup: Rollup, entry: UnitEntry, out: BinaryIO) -> Cleaner:
    """A unit's own filled form (e.g. 附件2) in the form's order, with the stamp and contact lines."""
    cleaner = Cleaner()
    key = title_key(rollup.form)
    doc = new_document()
    parts = [Part("Annex Label", rollup.short_title), Part("Title", _title(entry, key, cleaner))]
    if entry.unit_name not in _title(entry, key, Cleaner()):
        parts.append(Part("Unit Name", cleaner(entry.unit_name, entry.unit_name)))
    ids = itertools.count(1)
    media = Media()
    for spec in rollup.form["fields"]:
        if spec["type"] in ("section", "textarea"):
            if spec["type"] == "section":
                parts.append(Part("Heading 1", spec["label"]))
            parts += text_parts(cleaner(str(entry.data.get(spec["key"]) or ""), entry.unit_name))
        elif spec in essay_fields(rollup.form):
            parts += _essays(entry, spec, cleaner)
        elif spec["type"] == "photos":
            parts += _pictures(media, rollup, entry, spec, cleaner, ids)
    parts += _stamp_lines(entry, cleaner)
    try:
        save_streamed(doc, [render(parts)], out, media)
    finally:
        media.close()
    return cleaner


def _essays(entry: UnitEntry, spec: dict, cleaner: Cleaner) -> list[Part]:
    parts = []
    for index, row in enumerate(entry.data.get(spec["key"]) or [], start=1):
        if not isinstance(row, dict):
            continue
        title, byline, text = _essay_parts(spec, row)
        parts.append(Part("Heading 1", f"{spec['label']}{index}：{cleaner(title, entry.unit_name)}"))
        parts.append(Part("Unit Name", cleaner(byline, entry.unit_name)))
        parts += text_parts(cleaner(text, entry.unit_name))
    return parts


def _essay_parts(spec: dict, row: dict) -> tuple[str, str, str]:
    columns = spec["columns"]
    text_col = next(c for c in columns if c.get("type") == "textarea")
    title_col = columns[0]
    rest = [str(row.get(c["key"]) or "").strip() for c in columns if c not in (text_col, title_col)]
    return str(row.get(title_col["key"]) or ""), "　".join(r for r in rest if r), str(row.get(text_col["key"]) or "")


def _picture(media: Media, path: str | None, ids) -> Part:
    """A picture paragraph (the print copy kept in `media` until the file is written), or a note when
    the file is unusable."""
    copy = print_copy(path) if path else None
    if copy is None:
        return Part("Caption Line", "（照片文件缺失或无法读取）")
    stream, width, height = copy
    wide = width >= height
    shown_w, shown_h = ((PICTURE_WIDTH_MM, PICTURE_WIDTH_MM * height / width) if wide
                        else (PICTURE_HEIGHT_MM * width / height, PICTURE_HEIGHT_MM))
    rid, name = media.add(stream)
    number = next(ids)  # each drawing numbered: Word requires distinct ids
    inline = CT_Inline.new_pic_inline(number, rid, name, Mm(shown_w), Mm(shown_h))
    inline.docPr.name = f"图片 {number}"
    xml = etree.tostring(inline, encoding="unicode")
    return Part("Picture", xml=f'<w:p><w:pPr><w:pStyle w:val="Picture"/></w:pPr><w:r><w:drawing>{xml}</w:drawing>'
                               '</w:r></w:p>', height=shown_h * MM_PT + PICTURE_LINE_EXTRA_PT)


def _pictures(media: Media, rollup: Rollup, entry: UnitEntry, spec: dict, cleaner: Cleaner, ids) -> list[Part]:
    """The photos of one photos field, each kept with its caption under the field's label."""
    parts = []
    photos = [(i, c) for i, c in photo_items(entry, {"fields": [spec]})]
    for index, (photo_id, caption) in enumerate(photos, start=1):
        if index == 1:
            parts.append(Part("Heading 1", spec["label"]))
        parts.append(_picture(media, rollup.photo_file(photo_id), ids))
        parts.append(Part("Caption Line", f"图{index}　{cleaner(caption, entry.unit_name)}"))
    return parts


def build_study_docx(rollup: Rollup, out: BinaryIO) -> Cleaner:
    """学习情况汇编: each unit's report with its photos and captions, from a new page. The print copies
    of the photos wait in files (Media) until the document is written, so memory stays flat."""
    cleaner = Cleaner()
    doc = new_document(cover=True)
    key = title_key(rollup.form)
    texts = body_fields(rollup.form)
    ids = itertools.count(1)
    media = Media()
    units = []
    for number, entry in enumerate(rollup.reported(), start=1):
        title = _title(entry, key, cleaner)
        parts = _unit_heading(title, entry.unit_name, number, cleaner)
        for spec in rollup.form["fields"]:
            if spec in texts:
                if len(texts) > 1 or spec["type"] == "section":
                    parts.append(Part("Heading 1", spec["label"]))
                parts += text_parts(cleaner(str(entry.data.get(spec["key"]) or ""), entry.unit_name))
            elif spec["type"] == "photos":
                parts += _pictures(media, rollup, entry, spec, cleaner, ids)
        units.append((_entry_text(title, entry.unit_name), parts))
    body = [_cover(rollup, compilation_title(rollup.deliverable_title)), _contents(rollup, units)]
    try:
        save_streamed(doc, body + [render(parts) for _, parts in units], out, media)
    finally:
        media.close()
    return cleaner


def _essays_body(rollup: Rollup, cleaner: Cleaner) -> Iterator[str]:
    fields = essay_fields(rollup.form)
    yield _cover(rollup, essays_title(rollup.form))

    def essays(clean: Cleaner):
        number = 0
        for entry in rollup.reported():
            for spec in fields:
                for row in entry.data.get(spec["key"]) or []:
                    if isinstance(row, dict):
                        number += 1
                        title, byline, text = _essay_parts(spec, row)
                        name = entry.unit_name
                        title = clean(title, name) or "（无题）"
                        yield _entry_text(title, name), [
                            Part("Unit Title", title, bookmark=number), Part("Unit Name", clean(byline, name)),
                            Part("Unit Name", clean(name, name)), Part("Plain"), *text_parts(clean(text, name))]

    yield _contents(rollup, list(essays(Cleaner())))
    for _, parts in essays(cleaner):
        yield render(parts)


def build_essays_docx(rollup: Rollup, out: BinaryIO) -> Cleaner:
    """优秀学习体会汇编: every essay from a new page, with its author, post and unit."""
    cleaner = Cleaner()
    save_streamed(new_document(cover=True), _essays_body(rollup, cleaner), out)
    return cleaner
