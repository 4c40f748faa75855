"""Reading a Word summary (.docx) into an outline form's sections by its headings, as people type them.

A heading may be a Word heading style, a bold line, or a plain line starting "一、" "一." "（一）"; its
text may be abridged or carry extra spaces and full- or half-width punctuation, and the section's text may
follow it on the same line after a colon, a full stop or spaces ("一、学习开展情况：我局于…"). What stands before the
first heading is the title. An unknown heading, a missing section, a table or a picture is reported by
name and position; the text of unknown headings and tables is kept in the section it falls in.
"""
from __future__ import annotations

import io
import re
import unicodedata
from difflib import SequenceMatcher

import docx
from docx.text.paragraph import Paragraph
from docx.oxml.ns import qn

from ..xmltext import ILLEGAL, clean
from .safety import DocumentRefused, check_package
from .xlsx_reader import Reading

NUMERAL = "一二三四五六七八九十"
TOP_NUMBER = re.compile(rf"^\s*[{NUMERAL}]+\s*[、.．,，]")
SUB_NUMBER = re.compile(rf"^\s*[（(]\s*[{NUMERAL}]+\s*[）)]|^\s*\d+\s*[、.．]")
ANY_NUMBER = re.compile(rf"^\s*(?:[{NUMERAL}]+\s*[、.．,，]|[（(]\s*[{NUMERAL}\d]+\s*[）)]|\d+\s*[、.．])\s*")
HEADING_MAX = 60  # a heading is a short line


def core(text: str) -> str:
    """A heading as compared: no numbering, no spaces or punctuation, width-folded."""
    text = ANY_NUMBER.sub("", unicodedata.normalize("NFKC", text or ""), count=1)
    return "".join(ch for ch in text if ch.isalnum())


def number(text: str) -> int | None:
    """The heading's number: 三、 (三) （三） 3. → 3; None without one."""
    match = ANY_NUMBER.match(unicodedata.normalize("NFKC", text or ""))
    if not match:
        return None
    digits = "".join(ch for ch in match.group(0) if ch.isdigit())
    if digits:
        return int(digits)
    numeral = "".join(ch for ch in match.group(0) if ch in NUMERAL)
    if numeral == "十":
        return 10
    if numeral.startswith("十"):
        return 10 + NUMERAL.index(numeral[1]) + 1
    return NUMERAL.index(numeral[0]) + 1 if len(numeral) == 1 else None


def _score(text: str, label: str) -> float:
    a, b = core(text), core(label)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if len(a) >= 4 and (b.startswith(a) or a.startswith(b)):
        return 0.9  # abridged, or with words added at the end
    if len(a) >= 4 and a in b:
        return 0.85  # the heading's words, shortened at the front
    ratio = SequenceMatcher(None, a, b).ratio()
    if ratio >= 0.45 and number(text) is not None and number(text) == number(label):
        return max(ratio, 0.75)  # the same number and much the same words
    return ratio


def _is_bold(paragraph) -> bool:
    runs = [r for r in paragraph.runs if r.text.strip()]
    return bool(runs) and all(r.bold or (r.style is not None and r.style.font.bold) for r in runs)


def _heading_level(paragraph, text: str) -> int:
    """1 for a top-level heading, 2 for a sub-heading, 0 for body text."""
    if len(text) > HEADING_MAX:
        return 0
    style = (paragraph.style.name or "") if paragraph.style is not None else ""
    if style.startswith(("Heading 1", "标题 1")):
        return 1
    if style.startswith(("Heading", "标题")) and style not in ("Title", "标题"):
        return 2
    if TOP_NUMBER.match(text):
        return 1
    if SUB_NUMBER.match(text):
        return 2
    if _is_bold(paragraph) and not text.endswith(("。", ".", "；", ";")):
        return 1
    return 0


# Where a heading typed on the same line as its text ends: a colon, a full stop, or a run of spaces.
HEADING_END = re.compile(r"\s*[：:。]\s*|\s{2,}|[\u3000\t]+\s*")


def _bold_prefix(paragraph, length: int) -> bool:
    """The paragraph's first `length` characters (after leading spaces) are in bold runs."""
    seen, bold = 0, True
    text = paragraph.text
    skip = len(text) - len(text.lstrip())
    for run in paragraph.runs:
        start, seen = seen, seen + len(run.text)
        if seen <= skip or not run.text.strip():
            continue
        if start >= skip + length:
            break
        bold &= bool(run.bold or (run.style is not None and run.style.font.bold))
    return bold and seen >= skip + length


def _split_heading(paragraph, text: str, unused: list[dict]) -> tuple[float, dict, str] | None:
    """(how close, section, its text) for a paragraph that starts with a section's heading followed by its text on the
    same line ("一、学习开展情况：我局于…"): the heading numbered, bold or in a heading style and close to the
    section's words, or exactly its words; None for anything else."""
    style = (paragraph.style.name or "") if paragraph.style is not None else ""
    best: tuple[float, dict, str] | None = None
    for end in HEADING_END.finditer(text, 0, HEADING_MAX + 4):
        head, body = text[:end.start()].strip(), text[end.end():].strip()
        if not head or not body or len(head) > HEADING_MAX:
            continue
        # "一、" a heading style or bold: as for a heading line; "（一）" "1." start list items too, so closer words.
        if TOP_NUMBER.match(head) or style.startswith(("Heading", "标题")) or _bold_prefix(paragraph, len(head)):
            needed = 0.72
        else:
            needed = 0.85 if number(head) is not None else 0.99
        for spec in unused:
            score = _score(head, spec["label"])
            if score >= needed:
                if best is None or score > best[0]:
                    best = (score, spec, body)
    return best


def _has_picture(element) -> bool:
    return bool(element.findall(".//" + qn("w:drawing")) or element.findall(".//" + qn("w:pict")))


def read_outline(raw: bytes, form: dict) -> Reading:
    """The outline form's data from a Word summary: the title and each section's text."""
    check_package(raw, kind="docx")
    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds for a damaged package
        raise DocumentRefused("文件已损坏，无法读取。请用 Word 或 WPS 打开后另存为 .docx 再上传。") from None
    sections = [spec for spec in form["fields"] if spec["type"] == "section"]
    title_key = next((spec["key"] for spec in form["fields"] if spec["type"] == "text"), None)
    reading = Reading()
    texts: dict[str, list[str]] = {spec["key"]: [] for spec in sections}
    before: list[str] = []
    title = ""
    current: dict | None = None
    paragraph_no = table_no = 0
    controls = False
    matched: set[str] = set()
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:tbl"):
            table_no += 1
            lines = []
            for row in element.iter(qn("w:tr")):
                cells = ["".join(t.text or "" for t in cell.iter(qn("w:t"))).strip() for cell in row.iter(qn("w:tc"))]
                if any(cells):
                    lines.append("　".join(cells))
            where = f"“{current['label']}”部分" if current else "第一个小标题之前"
            reading.problems.append(f"第 {table_no} 个表格（在{where}）已按行转为文字，请核对。")
            (texts[current["key"]] if current else before).extend(lines)
            continue
        if element.tag != qn("w:p"):
            continue
        paragraph = Paragraph(element, document._body)
        text = paragraph.text
        if ILLEGAL.search(text):
            controls, text = True, clean(text)
        text = text.strip()
        if _has_picture(element):
            reading.problems.append(f"第 {paragraph_no + 1} 段有图片，图片未导入。")
        if not text:
            continue
        paragraph_no += 1
        level = _heading_level(paragraph, text)
        unused = [s for s in sections if s["key"] not in matched]
        best = max(unused, key=lambda s: _score(text, s["label"]), default=None)
        score = _score(text, best["label"]) if best is not None else 0.0
        # A heading with its text on the same line, unless the whole line is closer to a heading's words.
        # A heading as typed; an unmarked short line only when it is the heading's very words. Or a heading with
        # its text on the same line, unless the whole line is closer to a heading's words.
        whole = (level and score >= 0.72) or (len(text) <= 30 and score >= 0.9)
        split = _split_heading(paragraph, text, unused)
        if split and (split[0] >= score or not whole):
            _closeness, current, body = split
            matched.add(current["key"])
            texts[current["key"]].append(body)
            continue
        if whole:
            current = best
            matched.add(best["key"])
            continue
        if level:
            if level == 1 and (current is not None or title):
                reading.problems.append(f"第 {paragraph_no} 段“{text[:30]}”不是提纲中的标题，"
                                        f"已作为正文保留在{'“' + current['label'] + '”' if current else '标题之后'}。")
        if current is None:
            if not title and title_key:
                title = text
            else:
                before.append(text)
            continue
        texts[current["key"]].append(text)
    if not title and not any(texts.values()):
        raise DocumentRefused("文件中没有读到文字。请确认上传的是工作总结的 Word 文件。")
    if title_key:
        reading.data[title_key] = title
    if before:
        first = sections[0] if sections else None
        reading.problems.append(f"标题之后、第一个小标题之前有 {len(before)} 段文字，已放在"
                                f"“{first['label']}”的开头，请核对。" if first else "标题之后的文字未能归入任何部分。")
        if first:
            texts[first["key"]] = before + texts[first["key"]]
    for spec in sections:
        reading.data[spec["key"]] = "\n".join(texts[spec["key"]])
        if spec["key"] not in matched and not texts[spec["key"]]:
            reading.problems.append(f"没有找到“{spec['label']}”部分，请核对小标题，或在网页上填写。")
    if controls:
        reading.problems.append("文件中有无法保存的控制字符，已删除。")
    return reading
