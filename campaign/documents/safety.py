"""What an uploaded office file must be before any parser sees it: small, a plain (not macro-enabled,
not encrypted) Office Open XML package whose parts are bounded in size and ratio and carry no DTD (the whole
prolog of every XML part is read, in whichever encoding it declares)."""
from __future__ import annotations

import io
import zipfile
import zlib
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024  # all parts together
MAX_PART_BYTES = 40 * 1024 * 1024
MAX_RATIO = 120  # unpacked / packed, per part and overall
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.wps, and encrypted OOXML
MACRO_PARTS = ("vbaProject.bin", "vbaData.xml")


class DocumentRefused(ValueError):
    """A file that cannot be read safely; the message says why and what to do, in Chinese."""


def is_ole(raw: bytes) -> bool:
    return raw[:8] == OLE_MAGIC


def check_package(raw: bytes, *, kind: str) -> zipfile.ZipFile:
    """The file as an open zip package, once it passed every check; `kind` is "xlsx" or "docx"."""
    label = {"xlsx": "Excel 文件（.xlsx）", "docx": "Word 文件（.docx）"}[kind]
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentRefused(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请删除其中的图片或拆分后再上传。")
    if is_ole(raw):
        raise DocumentRefused(f"该文件是加密文件或旧版 Office 格式，无法读取。请取消密码，另存为{label}后再上传。")
    if raw[:4] != b"PK\x03\x04":
        raise DocumentRefused(f"该文件不是{label}，或已损坏。请用 Office 或 WPS 打开后另存为{label}再上传。")
    try:
        package = zipfile.ZipFile(io.BytesIO(raw))
        infos = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DocumentRefused(f"文件已损坏，无法读取。请用 Office 或 WPS 打开后另存为{label}再上传。") from None
    names = {info.filename for info in infos}
    if any(name.rsplit("/", 1)[-1] in MACRO_PARTS for name in names):
        raise DocumentRefused("文件含有宏，为安全起见不能上传。请另存为不含宏的文件（.xlsx 或 .docx）后再上传。")
    main = "xl/workbook.xml" if kind == "xlsx" else "word/document.xml"
    if main not in names:
        raise DocumentRefused(f"该文件不是{label}。请用 Office 或 WPS 另存为{label}后再上传。")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART_BYTES or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            raise DocumentRefused("文件内容异常（解压后过大），无法读取。请检查文件后重新保存再上传。")
    if total > MAX_UNPACKED_BYTES or total > MAX_RATIO * max(len(raw), 1024 * 1024):
        raise DocumentRefused("文件内容异常（解压后过大），无法读取。请检查文件后重新保存再上传。")
    damaged = DocumentRefused(f"文件已损坏，无法读取。请用 Office 或 WPS 打开后另存为{label}再上传。")
    try:
        # Every part decompresses and matches its checksum (the sizes are bounded above), so no parser later
        # meets a corrupt stream.
        if package.testzip() is not None:
            raise damaged
        content_types = package.read("[Content_Types].xml")
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        raise damaged from None
    if b"macroEnabled" in content_types:
        raise DocumentRefused("文件含有宏，为安全起见不能上传。请另存为不含宏的文件（.xlsx 或 .docx）后再上传。")
    for info in infos:
        if info.filename.endswith((".xml", ".rels")) and info.file_size:
            with package.open(info) as part:
                _check_prolog(part)
    return package


def _check_prolog(part) -> None:
    """Refuse an XML part with a document type declaration anywhere before its root element, whatever the
    encoding (UTF-8, UTF-16 …): the part is parsed up to the root's start tag by a parser that forbids DTDs."""
    try:
        for _event, _root in iterparse(part, events=("start",), forbid_dtd=True):
            return
    except DefusedXmlException:
        raise DocumentRefused("文件中含有不允许的内容（XML 文档类型声明），无法读取。请重新保存后再上传。") from None
    except (ParseError, ValueError, LookupError):  # malformed, or in an encoding the parser cannot read
        pass
    raise DocumentRefused("文件中有无法读取的内容（已损坏或编码不受支持）。请用 Office 或 WPS 打开后重新保存再上传。")
