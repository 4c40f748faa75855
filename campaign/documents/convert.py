"""Legacy Word files (.doc, .wps) to .docx through LibreOffice, in a separate process with a time limit."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from .safety import MAX_FILE_BYTES, DocumentRefused

TIMEOUT_SECONDS = 60


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(raw: bytes, extension: str, *, timeout: int = TIMEOUT_SECONDS) -> bytes:
    """The .docx LibreOffice makes of a .doc or .wps file; refused with the reason when it cannot."""
    program = soffice()
    if program is None:
        raise DocumentRefused("服务器未安装 LibreOffice，无法读取 .doc 或 .wps 文件。请用 Word 或 WPS 另存为 .docx 后再上传。")
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentRefused(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请删除其中的图片或拆分后再上传。")
    with tempfile.TemporaryDirectory() as work:
        source = os.path.join(work, f"upload.{extension}")
        with open(source, "wb") as fh:
            fh.write(raw)
        profile = "file://" + os.path.join(work, "profile")  # its own profile: no clash with another conversion
        try:
            subprocess.run([program, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                            "--convert-to", "docx:MS Word 2007 XML", "--outdir", work, source],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise DocumentRefused("文件转换超时，无法读取。请用 Word 或 WPS 另存为 .docx 后再上传。") from None
        target = os.path.join(work, "upload.docx")
        if not os.path.isfile(target):
            raise DocumentRefused("无法读取该文件（可能已加密或损坏）。请用 Word 或 WPS 另存为 .docx 后再上传。")
        with open(target, "rb") as fh:
            return fh.read()
