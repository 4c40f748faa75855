"""Word documents in the GB/T 9704-2012 layout, with the body streamed as XML.

python-docx makes the package: page, styles, footers. The body is written as WordprocessingML
text straight into word/document.xml while the package is copied to the output, because
python-docx's add_paragraph slows down as a document grows (each call searches the body).
"""
from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from typing import BinaryIO
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from .text import clean

MARKER = "@@campaign-body@@"
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
FOOTER_PT = 14  # 4号
TABLE_LINE_PT = 14  # tables: 10.5 pt text at an exact line height, so their rows can be measured

# style name → (east Asian font, size pt, bold, alignment, first-line indent in characters, line pt)
STYLES = {
    "Normal": ("仿宋_GB2312", BODY_PT, False, "both", 2, 28),
    "Title": ("方正小标宋简体", TITLE_PT, False, "center", 0, 36),
    "Heading 1": ("黑体", BODY_PT, False, "both", 2, 28),
    "Heading 2": ("楷体_GB2312", BODY_PT, False, "both", 2, 28),
    "Unit Title": ("方正小标宋简体", TITLE_PT, False, "center", 0, 36),
    "Unit Name": ("楷体_GB2312", BODY_PT, False, "center", 0, 28),
    "Annex Label": ("黑体", BODY_PT, False, "left", 0, 28),
    "Cover Title": ("方正小标宋简体", 26, False, "center", 0, 40),
    "Cover Line": ("楷体_GB2312", BODY_PT, False, "center", 0, 28),
    "Plain": ("仿宋_GB2312", BODY_PT, False, "left", 0, 28),
    "TOC Title": ("黑体", BODY_PT, False, "center", 0, 28),
    "TOC 1": ("仿宋_GB2312", BODY_PT, False, "left", 0, 28),
    "Table Head": ("黑体", 10.5, False, "center", 0, TABLE_LINE_PT),
    "Table Text": ("仿宋_GB2312", 10.5, False, "both", 0, TABLE_LINE_PT),
    "Table Center": ("仿宋_GB2312", 10.5, False, "center", 0, TABLE_LINE_PT),
    "Caption Line": ("楷体_GB2312", 14, False, "center", 0, 24),
    "Picture": ("仿宋_GB2312", BODY_PT, False, "center", 0, 0),
}
OUTLINE = {"Unit Title": 0, "Heading 1": 1, "Heading 2": 2}
KEEP_WITH_NEXT = {*OUTLINE, "Picture"}  # headings stay with their text, a picture with its caption


def _element(tag: str, **attrs) -> object:
    el = OxmlElement(tag)
    for name, value in attrs.items():
        el.set(qn(f"w:{name}"), str(value))
    return el


def _set_fonts(rpr, east_asia: str, size: float, bold: bool, latin: str = "Times New Roman") -> None:
    """Replace the run properties, children in the schema's order (Word is strict about it)."""
    for child in list(rpr):
        rpr.remove(child)
    rpr.append(_element("w:rFonts", ascii=latin, hAnsi=latin, eastAsia=east_asia, cs=latin))
    if bold:
        rpr.append(_element("w:b"))
    rpr.append(_element("w:color", val="000000"))
    rpr.append(_element("w:sz", val=int(size * 2)))
    rpr.append(_element("w:szCs", val=int(size * 2)))
    rpr.append(_element("w:lang", val="en-US", eastAsia="zh-CN"))


def _set_paragraph(ppr, align: str, indent_chars: int, line_pt: float, outline: int | None, *,
                   keep_next: bool = False, page_break: bool = False, tab_twips: int | None = None) -> None:
    """Replace the paragraph properties (keeping a paragraph's own pStyle), in schema order."""
    for child in list(ppr):
        if child.tag != qn("w:pStyle"):
            ppr.remove(child)
    if keep_next:
        ppr.append(_element("w:keepNext"))
    if page_break:
        ppr.append(_element("w:pageBreakBefore"))
    # No widow or orphan control: lines fill pages exactly, as the 目录's page count expects.
    ppr.append(_element("w:widowControl", val=0))
    if tab_twips:
        tabs = _element("w:tabs")
        tabs.append(_element("w:tab", val="right", leader="dot", pos=tab_twips))
        ppr.append(tabs)
    if line_pt:
        ppr.append(_element("w:spacing", before=0, after=0, line=int(line_pt * 20), lineRule="exact"))
    else:
        ppr.append(_element("w:spacing", before=0, after=0, line=240, lineRule="auto"))
    if indent_chars:
        ppr.append(_element("w:ind", firstLineChars=indent_chars * 100, firstLine=indent_chars * BODY_PT * 20))
    else:
        ppr.append(_element("w:ind", firstLine=0))
    ppr.append(_element("w:jc", val=align))
    if outline is not None:
        ppr.append(_element("w:outlineLvl", val=outline))


def _style_element(doc, name: str):
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.quick_style = True
    return style.element


def _defaults(doc) -> None:
    """Document defaults: Chinese glyphs for East Asian text in Word, WPS and LibreOffice."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, "仿宋_GB2312", BODY_PT, False)


def new_document(*, landscape: bool = False, cover: bool = False):
    """A GB/T 9704 document: A4, margins 37/35/28/26 mm, the styles above, page numbers
    "— 1 —" in 4号 宋体, odd pages right, even pages left; `cover` leaves the first page unnumbered."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    _defaults(doc)
    text_width = (297 - 54) if landscape else (210 - 54)
    for name, (font, size, bold, align, indent, line) in STYLES.items():
        element = _style_element(doc, name)
        _set_fonts(element.get_or_add_rPr(), font, size, bold)
        _set_paragraph(element.get_or_add_pPr(), align, indent, line, OUTLINE.get(name),
                       keep_next=name in KEEP_WITH_NEXT, page_break=name == "Unit Title",
                       tab_twips=int(text_width / 25.4 * 1440) if name == "TOC 1" else None)
    doc.settings.odd_and_even_pages_header_footer = True
    section.different_first_page_header_footer = cover
    _page_number(section.footer, "right")
    _page_number(section.even_page_footer, "left")
    return doc


def _page_number(footer, align: str) -> None:
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p._p.get_or_add_pPr()
    _set_paragraph(p._p.pPr, align, 0, 0, None)
    for text, field in (("— ", None), (None, "PAGE"), (" —", None)):
        if field:
            for kind in ("begin", None, "end"):
                run = p.add_run()
                if kind is None:
                    instr = OxmlElement("w:instrText")
                    instr.set(qn("xml:space"), "preserve")
                    instr.text = f" {field} "
                    run._r.append(instr)
                else:
                    char = OxmlElement("w:fldChar")
                    char.set(qn("w:fldCharType"), kind)
                    run._r.append(char)
                _footer_font(run)
        else:
            _footer_font(p.add_run(text))


def _footer_font(run) -> None:
    _set_fonts(run._r.get_or_add_rPr(), "宋体", FOOTER_PT, False, latin="宋体")


# --- body XML ------------------------------------------------------------------------------

def _runs(text: str) -> str:
    text = escape(clean(text))
    if "\t" in text:
        text = text.replace("\t", '</w:t><w:tab/><w:t xml:space="preserve">')
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def style_id(name: str) -> str:
    return name.replace(" ", "")


def para(text: str = "", style: str | None = None, *, bookmark: str | None = None, bookmark_id: int = 0,
         page_break: bool = False) -> str:
    """One paragraph of text (which must not contain line breaks)."""
    ppr = ""
    if style or page_break:
        ppr = "<w:pPr>" + (f'<w:pStyle w:val="{style_id(style)}"/>' if style else "") + (
            "<w:pageBreakBefore/>" if page_break else "") + "</w:pPr>"
    body = _runs(text) if text else ""
    if bookmark:
        body = (f'<w:bookmarkStart w:id="{bookmark_id}" w:name="{bookmark}"/>{body}'
                f'<w:bookmarkEnd w:id="{bookmark_id}"/>')
    return f"<w:p>{ppr}{body}</w:p>"


def paragraphs(text: str, style: str | None = None) -> str:
    """Text as paragraphs, one per line; blank lines are dropped (the indent marks paragraphs)."""
    lines = [line for line in (text or "").split("\n") if line.strip()]
    return "".join(para(line, style) for line in lines)


def toc(entries: Iterable[tuple[str, str, int]], title: str = "目　　录") -> str:
    """The 目录: a TOC field over the unit titles whose stored result is already filled in, each
    entry a link with its page number as a PAGEREF field holding the computed number (Word and
    LibreOffice refresh it; a viewer that does not shows the number as stored)."""
    parts = [para(title, "TOC Title", page_break=True), para("")]
    items = list(entries)
    begin = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
             ' TOC \\h \\z \\t "Unit Title,1" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>')
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    if not items:
        return "".join(parts) + f'<w:p><w:pPr><w:pStyle w:val="TOC1"/></w:pPr>{begin}{end}</w:p>'
    for index, (anchor, text, page) in enumerate(items):
        number = (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
                  f' PAGEREF {anchor} \\h </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                  f'<w:r><w:t>{page}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')
        link = f'<w:hyperlink w:anchor="{anchor}" w:history="1">{_runs(text)}<w:r><w:tab/></w:r>{number}</w:hyperlink>'
        prefix = begin if index == 0 else ""
        suffix = end if index == len(items) - 1 else ""
        parts.append(f'<w:p><w:pPr><w:pStyle w:val="TOC1"/></w:pPr>{prefix}{link}{suffix}</w:p>')
    return "".join(parts)


IMAGE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
RELS = "word/_rels/document.xml.rels"


class Media:
    """A document's pictures, kept in files until the document is written, so memory stays flat
    however many photos a compilation holds (python-docx would keep every one in memory)."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="campaign-media-")
        self.items: list[tuple[str, str, str]] = []  # (relationship id, name in word/media, file)

    def add(self, stream: BinaryIO, extension: str = "jpeg") -> tuple[str, str]:
        """Keep a picture; returns its relationship id and file name."""
        number = len(self.items) + 1
        name = f"campaign_image{number}.{extension}"
        path = os.path.join(self._dir.name, name)
        with open(path, "wb") as fh:
            shutil.copyfileobj(stream, fh)
        rid = f"rIdCampaignImage{number}"
        self.items.append((rid, name, path))
        return rid, name

    def relationships(self) -> str:
        return "".join(f'<Relationship Id="{rid}" Type="{IMAGE_RELATIONSHIP}" Target="media/{name}"/>'
                       for rid, name, _ in self.items)

    def close(self) -> None:
        self._dir.cleanup()


def save_streamed(doc, body: Iterable[str], out: BinaryIO, media: Media | None = None) -> None:
    """Save `doc` to `out` with `body` (XML fragments) as the content of its body; the pictures the
    body registered in `media` while it was written are added after it, with their relationships."""
    doc.add_paragraph(MARKER)
    package = io.BytesIO()
    doc.save(package)
    package.seek(0)
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        rels = None
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == RELS and media is not None:
                rels = (info, data.decode("utf-8"))  # written last: the body adds to it
                continue
            if info.filename != "word/document.xml":
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            xml = data.decode("utf-8")
            at = xml.index(MARKER)
            start = xml.rindex("<w:p>", 0, at) if "<w:p>" in xml[:at] else xml.rindex("<w:p ", 0, at)
            end = xml.index("</w:p>", at) + len("</w:p>")
            target = zipfile.ZipInfo("word/document.xml", date_time=info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(target, "w", force_zip64=True) as fh:
                fh.write(xml[:start].encode("utf-8"))
                pending: list[str] = []
                size = 0
                for chunk in body:
                    pending.append(chunk)
                    size += len(chunk)
                    if size > 1 << 20:
                        fh.write("".join(pending).encode("utf-8"))
                        pending, size = [], 0
                fh.write("".join(pending).encode("utf-8"))
                fh.write(xml[end:].encode("utf-8"))
        if media is not None:
            for _, name, path in media.items:
                entry = zipfile.ZipInfo(f"word/media/{name}", date_time=(1980, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_STORED  # JPEG is compressed already
                with open(path, "rb") as source, dst.open(entry, "w") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
            info, text = rels
            dst.writestr(info, text.replace("</Relationships>", media.relationships() + "</Relationships>"),
                         compress_type=zipfile.ZIP_DEFLATED)
