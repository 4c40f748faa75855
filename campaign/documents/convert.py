"""Legacy Word files (.doc, .wps) to .docx through LibreOffice, in a separate process with a time limit: it runs
in a session of its own, and the whole process group is killed when it does not finish in time."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile

from .safety import MAX_FILE_BYTES, DocumentRefused

TIMEOUT_SECONDS = 60


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _kill_group(process: subprocess.Popen) -> None:
    """Kill every process of the conversion's session and reap its leader."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # nothing of it is left
    process.wait()


def to_docx(raw: bytes, extension: str, *, timeout: float = TIMEOUT_SECONDS, program: str | None = None) -> bytes:
    """The .docx LibreOffice makes of a .doc or .wps file; refused with the reason when it cannot.
    `program` is the soffice to run (found on the PATH when not given)."""
    program = program or soffice()
    if program is None:
        raise DocumentRefused("服务器未安装 LibreOffice，无法读取 .doc 或 .wps 文件。请用 Word 或 WPS 另存为 .docx 后再上传。")
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentRefused(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请删除其中的图片或拆分后再上传。")
    with tempfile.TemporaryDirectory() as work:
        source = os.path.join(work, f"upload.{extension}")
        with open(source, "wb") as fh:
            fh.write(raw)
        profile = "file://" + os.path.join(work, "profile")  # its own profile: no clash with another conversion
        # Its own session: on a time-out the whole process group goes (soffice starts soffice.bin and more).
        process = subprocess.Popen([program, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", work, source],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise DocumentRefused("文件转换超时，无法读取。请用 Word 或 WPS 另存为 .docx 后再上传。") from None
        finally:
            _kill_group(process)  # on a time-out, and whatever a finished conversion left running
        target = os.path.join(work, "upload.docx")
        if not os.path.isfile(target):
            raise DocumentRefused("无法读取该文件（可能已加密或损坏）。请用 Word 或 WPS 另存为 .docx 后再上传。")
        with open(target, "rb") as fh:
            return fh.read()
