"""Notices as a coordinator holds them: the seed texts, and Word files made from them with real tables
(a header cell spanning the columns of its group, the cells beside it merged with the row below)."""
import io
import os

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

SEEDS = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "shared", "seeds")
SAMR = "004_39957566268b2706.txt"
XINXIANG = "002_a095563d9a1bfe59.txt"


def seed_text(name: str) -> str:
    with open(os.path.join(SEEDS, name), encoding="utf-8") as fh:
        return fh.read()


def docx_from_text(text: str) -> bytes:
    """A Word file of the notice: a paragraph per line; consecutive tab-separated lines become one table
    with its header merged as Word merges it."""
    document = Document()
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if "\t" in lines[index]:
            block = []
            while index < len(lines) and "\t" in lines[index]:
                block.append(lines[index].split("\t"))
                index += 1
            _table(document, block)
            continue
        document.add_paragraph(lines[index])
        index += 1
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _table(document, rows: list[list[str]]) -> None:
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    table = document.add_table(rows=len(rows) + 1, cols=width)  # and one empty row to fill in
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    if len(rows) >= 2:
        header, sub = rows[0], rows[1]
        c = 0
        while c < width:
            if header[c] and sub[c]:  # a group: merge the header across the columns of its sub-headers
                end = c + 1
                while end < width and not header[end] and sub[end]:
                    end += 1
                if end - c > 1:
                    table.cell(0, c).merge(table.cell(0, end - 1))
                c = end
            elif header[c]:  # a single column: its header takes both header rows
                _vmerge(table.cell(0, c)._tc, "restart")
                _vmerge(table.cell(1, c)._tc, None)
                c += 1
            else:
                c += 1


def _vmerge(tc, value: str | None) -> None:
    properties = tc.get_or_add_tcPr()
    merge = OxmlElement("w:vMerge")
    if value:
        merge.set(qn("w:val"), value)
    properties.append(merge)


def without_keys_form(spec: dict) -> dict:
    """A form with every key replaced by its position (keys are the one thing a notice does not say)."""
    keys = {f["key"]: i for i, f in enumerate(spec["fields"])}
    fields = []
    for f in spec["fields"]:
        f = {**f, "key": None}
        if f.get("columns"):
            f["columns"] = [{**c, "key": None} for c in f["columns"]]
        fields.append(f)
    limits = [{**lim, "fields": [keys[k] for k in lim["fields"]]} for lim in spec["limits"]]
    return {"title": spec["title"], "fields": fields, "limits": limits}


def without_keys(preset) -> dict:
    """A preset as data, without its keys."""
    form = without_keys_form
    return {
        "title": preset.title, "doc_number": preset.doc_number, "issuer": preset.issuer,
        "issued_on": preset.issued_on, "contact": {k: str(v) for k, v in preset.contact.items()},
        "timezone": preset.timezone, "office_hours_end": preset.office_hours_end, "late_policy": preset.late_policy,
        "deliverables": [(d.short_title, d.title, d.deadline, form(d.form)) for d in preset.deliverables],
    }
