"""Regenerate the printed samples in docs/samples/: each rollup kind printed through LibreOffice and
rendered page by page, so a reviewer sees the output without running anything.

    .venv/bin/python scripts/print_samples.py

Needs LibreOffice (soffice) and poppler-utils (pdftoppm), as the print-proof tests do.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from campaign.reports.compile import build_compilation_docx, build_study_docx  # noqa: E402
from campaign.reports.docx_table import build_table_docx  # noqa: E402
from campaign.reports.xlsx import build_summary_xlsx  # noqa: E402
from tests.rollup_data import annex1_data, annex2_data, entry, form, rollup, text_of  # noqa: E402

OUT = ROOT / "docs" / "samples"
DPI = "60"


def rollups(tmp: Path):
    long = annex1_data(1, 300, 20) | {"leader_instructions": text_of(10000, 1)}
    a1 = rollup(form("samr_2023_9", "annex1"), [entry(1, long)] + [entry(i, annex1_data(i, 300, i % 3))
                                                                  for i in range(2, 7)])
    a2 = rollup(form("samr_2023_9", "annex2"), [entry(i, annex2_data(i, size)) for i, size in
                                                enumerate([3000, 6200, 1200, 9000, 2500], 1)],
                short="附件2", title="《质量强国建设纲要》学习宣传贯彻工作总结提纲")
    colours = [(70, 110, 160), (160, 90, 60), (60, 140, 90)]
    for i, colour in enumerate(colours):
        Image.new("RGB", (1600, 1200), colour).save(tmp / f"p{i}.jpg")
    study = rollup(form("xinxiang_water_2023", "study_report"),
                   [entry(1, {"report_title": "卫辉市水利局学习活动情况汇报", "report_text": text_of(1200, 3),
                              "photos": [{"id": f"p{i}", "caption": f"集中学习第{i + 1}场"} for i in range(3)]})],
                   key="study_report", short="学习活动情况", title="《质量强国建设纲要》学习活动情况",
                   photo_file=lambda pid: str(tmp / f"{pid}.jpg"))
    return {
        "annex1_word.docx": lambda o: build_table_docx(a1, o),
        "annex1_excel.xlsx": lambda o: build_summary_xlsx(a1, o),
        "annex2_compilation.docx": lambda o: build_compilation_docx(a2, o),
        "study_compilation.docx": lambda o: build_study_docx(study, o),
    }


# (file, page, sample name): page 1 and a continued page of each table, the 目录, a photo page.
PAGES = [
    ("annex1_word", 1, "annex1_word_page1"), ("annex1_word", 2, "annex1_word_continued"),
    ("annex1_excel", 1, "annex1_excel_page1"), ("annex1_excel", 2, "annex1_excel_continued"),
    ("annex2_compilation", 2, "annex2_contents"), ("study_compilation", 2, "study_contents"),
    ("study_compilation", None, "study_photos"),  # the first page with a photo
]


def first_picture_page(pdf: Path) -> int:
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(listing.splitlines()[2].split()[0])


def main() -> None:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        files = []
        for file_name, write in rollups(tmp).items():
            with open(tmp / file_name, "wb") as out:
                write(out)
            files.append(str(tmp / file_name))
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "pdf",
                        "--outdir", str(tmp), *files], check=True, capture_output=True, timeout=300)
        for stem, page, sample in PAGES:
            page = page or first_picture_page(tmp / f"{stem}.pdf")
            subprocess.run(["pdftoppm", "-r", DPI, "-png", "-singlefile", "-f", str(page), "-l", str(page),
                            str(tmp / f"{stem}.pdf"), str(OUT / sample)], check=True)
            print(OUT / f"{sample}.png")


if __name__ == "__main__":
    main()
