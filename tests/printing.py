"""Print rollups as a receiving office would: LibreOffice to PDF, read back page by page with poppler."""
from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
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


def pages(pdf: Path) -> list[str]:
    """Each page's text, squeezed."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [squeeze(page) for page in text.split("\f")][:page_count(pdf)]


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def words(pdf: Path) -> list[list[Word]]:
    """Every page's words with their boxes (points from the top left)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    result = []
    for page in re.findall(r"<page [^>]*>(.*?)</page>", out, re.S):
        result.append([Word(html.unescape(m.group(5)), *map(float, m.group(1, 2, 3, 4))) for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page)])
    return result


def column_text(page: list[Word], left: float, right: float, below: float) -> str:
    """What a table column between x = left and right shows under y = below, top to bottom."""
    inside = [w for w in page if w.x0 >= left - 1 and w.x1 <= right + 1 and w.y0 > below]
    return "".join(w.text for w in sorted(inside, key=lambda w: (round(w.y0), w.x0)))
