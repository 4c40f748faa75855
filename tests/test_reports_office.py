"""Every kind of rollup opens in LibreOffice: each converts to PDF without error."""
import os
import subprocess

import pytest
from PIL import Image

from campaign.reports.compile import build_compilation_docx, build_essays_docx, build_study_docx, build_unit_docx
from campaign.reports.docx_table import build_table_docx
from campaign.reports.xlsx import build_summary_xlsx
from tests.rollup_data import annex1_data, annex2_data, entry, form, rollup, text_of

pytestmark = pytest.mark.office


def test_libreoffice_converts_every_kind_to_pdf(tmp_path):
    Image.new("RGB", (800, 600), "red").save(tmp_path / "a.jpg")
    a1 = rollup(form("samr_2023_9", "annex1"), [entry(i, annex1_data(i, 300, i % 3) | {"study": "=1+1"})
                                               for i in range(1, 4)] + [entry(9, {}, "draft")])
    a2 = rollup(form("samr_2023_9", "annex2"), [entry(i, annex2_data(i)) for i in range(1, 3)], short="附件2",
                title="《质量强国建设纲要》学习宣传贯彻工作总结提纲")
    study_data = {"report_title": "卫辉市水利局学习活动情况汇报", "report_text": text_of(500),
                  "photos": [{"id": "a", "caption": "集中学习"}],
                  "essays": [{"title": "体会一", "author": "王五", "post": "股长", "text": text_of(300)}] * 2}
    study = rollup(form("xinxiang_water_2023", "study_report"), [entry(1, study_data)], short="学习活动情况",
                   title="《质量强国建设纲要》学习活动情况", photo_file={"a": str(tmp_path / "a.jpg")}.get)
    outputs = {
        "summary.xlsx": lambda o: build_summary_xlsx(a1, o),
        "unit.xlsx": lambda o: build_summary_xlsx(a1, o, unit=entry(1, annex1_data(1))),
        "summary.docx": lambda o: build_table_docx(a1, o),
        "unit_table.docx": lambda o: build_table_docx(a1, o, unit=entry(1, annex1_data(1))),
        "compilation.docx": lambda o: build_compilation_docx(a2, o),
        "unit_summary.docx": lambda o: build_unit_docx(a2, entry(1, annex2_data(1)), o),
        "study.docx": lambda o: build_study_docx(study, o),
        "essays.docx": lambda o: build_essays_docx(study, o),
    }
    for name, write in outputs.items():
        with open(tmp_path / name, "wb") as out:
            write(out)
    profile = f"file://{tmp_path}/lo-profile"
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "pdf"), *[str(tmp_path / n) for n in outputs]],
        capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    for name in outputs:
        pdf = tmp_path / "pdf" / (os.path.splitext(name)[0] + ".pdf")
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), f"{name} did not convert: {result.stdout}"
