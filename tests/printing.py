"""Print rollups as a receiving office would: LibreOffice to PDF, read back page by page with poppler."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path


def to_pdf(files: list[Path], outdir: Path) -> dict[str, Path]:
    """Convert the files to PDF in one LibreOffice run; {file name: pdf path}."""
    outdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{outdir}/lo-profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(outdir), *map(str, files)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    pdfs = {f.name: outdir / (f.stem + ".pdf") for f in files}
    for name, pdf in pdfs.items():
        assert pdf.exists(), f"{name} did not print: {result.stdout} {result.stderr}"
    return pdfs


def squeeze(text: str) -> str:
    """Text without the spaces and line breaks the PDF reader puts between characters."""
    return re.sub(r"\s+", "", text)


def pages(pdf: Path, *, raw: bool = False) -> list[str]:
    """Each page's text, squeezed; `raw` keeps the PDF's own order, in which a table cell's lines
    stay together (LibreOffice writes cell by cell)."""
    text = subprocess.run(["pdftotext", *(["-raw"] if raw else []), str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [squeeze(page) for page in text.split("\f")][:page_count(pdf)]


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))
