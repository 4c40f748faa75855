"""A notice as lines for the proposer: a Word file (.docx, or .doc/.wps through LibreOffice) or text.

A paragraph is a line; a table row is a line of its cells joined by tabs, a cell spanning several
columns followed by empty cells, a cell merged with the one above it empty — the same lines a notice
copied out of Word as text gives. Files pass the same checks as any uploaded office file.
"""
from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn

from .convert import to_docx
from .safety import MAX_FILE_BYTES, DocumentRefused, check_package, is_ole

EXTENSIONS = ("docx", "doc", "wps", "txt")
MAX_LINES = 20_000


def decode_text(raw: bytes) -> str | None:
    """Plain text: UTF-8 (with or without BOM), else GB18030; None if it is not text."""
    if b"\x00" in raw:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def text_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:MAX_LINES]


def notice_lines(filename: str, raw: bytes) -> list[str]:
    """The notice's lines; DocumentRefused says why a file cannot be read and what to do."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise DocumentRefused("请上传通知的 Word 文件（.docx，或 .doc、.wps），或粘贴通知全文。")
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentRefused(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请删除其中的图片后再上传，或粘贴通知全文。")
    if extension == "txt":
        text = decode_text(raw)
        if text is None:
            raise DocumentRefused("该文件不是文本文件。请上传通知的 Word 文件，或粘贴通知全文。")
        return text_lines(text)
    if extension in ("doc", "wps") or is_ole(raw):
        if extension == "docx":
            raise DocumentRefused("该文件是加密文件或旧版格式，无法读取。请取消密码，另存为 .docx 后再上传。")
        raw = to_docx(raw, extension)
    check_package(raw, kind="docx")
    return docx_lines(raw)


def docx_lines(raw: bytes) -> list[str]:
    try:
        document = Document(io.BytesIO(raw))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds for a damaged package
        raise DocumentRefused("文件已损坏，无法读取。请用 Word 或 WPS 打开后另存为 .docx 再上传，或粘贴通知全文。") from None
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(_text(child))
        elif child.tag == qn("w:tbl"):
            lines.extend(_table_lines(child))
        if len(lines) > MAX_LINES:
            break
    return lines


def _text(element) -> str:
    """The text of a paragraph or cell (its paragraphs run together, tabs and breaks as spaces)."""
    parts = []
    for node in element.iter(qn("w:t"), qn("w:tab"), qn("w:br")):
        parts.append(node.text or "" if node.tag == qn("w:t") else " ")
    return "".join(parts).strip()


def _table_lines(table) -> list[str]:
    lines = []
    for row in table.iter(qn("w:tr")):
        cells: list[str] = []
        for tc in row.iterchildren(qn("w:tc")):
            properties = tc.find(qn("w:tcPr"))
            span, continued = 1, False
            if properties is not None:
                grid_span = properties.find(qn("w:gridSpan"))
                if grid_span is not None and (grid_span.get(qn("w:val")) or "1").isdigit():
                    span = min(int(grid_span.get(qn("w:val"))), 50)
                merge = properties.find(qn("w:vMerge"))
                continued = merge is not None and merge.get(qn("w:val")) in (None, "continue")
            cells.append("" if continued else _text(tc).replace("\t", " "))
            cells.extend([""] * (span - 1))
        lines.append("\t".join(cells))
    return lines
