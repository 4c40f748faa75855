"""Print proof: every rollup kind printed through LibreOffice to PDF and read back page by page, as the
receiving office would see it. The Word 附件1 table with a 10,000-字 cell and a unit with 20
documents carries the whole cell and names the unit on every page; the 汇编's 目录 names the units
with the pages they start on; no page is blank; no caption is parted from its photo."""
import re
import subprocess
import zipfile

import pytest
from PIL import Image

from campaign.reports.compile import build_compilation_docx, build_study_docx, build_unit_docx
from campaign.reports.docx_table import build_table_docx
from campaign.reports.xlsx import build_summary_xlsx
from tests.printing import page_count, pages, squeeze, to_pdf
from tests.rollup_data import annex1_data, annex2_data, entry, form, rollup, text_of

pytestmark = pytest.mark.office

END = "以上为本单位全部批示内容完"
UNIT = re.compile(r"第\d+单位市场监督管理局")


def annex1_rollup():
    long = annex1_data(1, 300, 20) | {"leader_instructions": text_of(10000, 1) + END}
    return rollup(form("samr_2023_9", "annex1"),
                  [entry(1, long)] + [entry(i, annex1_data(i, 300, i % 3)) for i in range(2, 7)])


def annex2_rollup(missing=()):
    sizes = [3000, 6200, 1200, 9000, 2500]
    return rollup(form("samr_2023_9", "annex2"), [entry(i, annex2_data(i, size)) for i, size in enumerate(sizes, 1)],
                  short="附件2", title="《质量强国建设纲要》学习宣传贯彻工作总结提纲", missing=missing)


def study_rollup(tmp_path):
    for i, size in enumerate([(1600, 1200), (900, 1200), (1600, 900), (1200, 1200)]):
        Image.new("RGB", size, (40 * i, 120, 200)).save(tmp_path / f"p{i}.jpg")
    data = {"report_title": "卫辉市水利局学习活动情况汇报", "report_text": text_of(1450, 3),
            "photos": [{"id": f"p{i}", "caption": f"集中学习第{i + 1}场"} for i in range(4)]}
    return rollup(form("xinxiang_water_2023", "study_report"), [entry(1, data)], key="study_report",
                  short="学习活动情况", title="《质量强国建设纲要》学习活动情况",
                  photo_file=lambda pid: str(tmp_path / f"{pid}.jpg"))


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Every file written once and printed in one LibreOffice run."""
    tmp = tmp_path_factory.mktemp("print")
    a1, a2 = annex1_rollup(), annex2_rollup(missing=[f"第{i}县市场监督管理局" for i in range(100, 400)])
    builders = {
        "table.docx": lambda o: build_table_docx(a1, o),
        "sheet.xlsx": lambda o: build_summary_xlsx(a1, o),
        "stamp.docx": lambda o: build_table_docx(a1, o, unit=next(iter(a1.reported()))),
        "compilation.docx": lambda o: build_compilation_docx(a2, o),
        "unit_summary.docx": lambda o: build_unit_docx(a2, next(iter(a2.reported())), o),
        "study.docx": lambda o: build_study_docx(study_rollup(tmp), o),
    }
    files = []
    for name, write in builders.items():
        with open(tmp / name, "wb") as out:
            write(out)
        files.append(tmp / name)
    return {"dir": tmp, **{name: pdf for name, pdf in to_pdf(files, tmp / "pdf").items()}}


def test_the_word_table_carries_the_whole_long_cell_and_names_the_unit_on_every_page(printed):
    pdf = printed["table.docx"]
    texts = pages(pdf)
    assert END in "".join(texts)
    for number, shown in enumerate(pages(pdf, raw=True), start=1):
        assert UNIT.search(shown), f"page {number} carries rows without naming their unit: {shown!r}"
    continued = [shown for shown in pages(pdf, raw=True) if "第1单位市场监督管理局（续）" in shown]
    assert continued, "the long unit continues with （续）"
    # Measured on the same data before columns were sized and blocks sliced: 68 pages.
    assert page_count(pdf) <= 34


def test_no_page_is_blank(printed):
    for name in ("table.docx", "sheet.xlsx", "stamp.docx", "compilation.docx", "unit_summary.docx", "study.docx"):
        for number, text in enumerate(pages(printed[name]), start=1):
            body = re.sub(r"[—\-\d第页共，]", "", text)
            assert body, f"{name}: page {number} is blank"


def test_the_excel_table_names_the_unit_on_every_printed_page(printed):
    pdf = printed["sheet.xlsx"]
    for number, shown in enumerate(pages(pdf, raw=True), start=1):
        assert UNIT.search(shown), f"page {number} of the 汇总表 has rows without their unit: {shown!r}"
    assert END in "".join(pages(pdf))


def test_a_units_own_table_starts_filling_its_first_page(printed):
    first = pages(printed["stamp.docx"], raw=True)[0]
    assert "填报单位（盖章）" in first
    assert squeeze(text_of(10000, 1))[:40] in first  # not pushed whole to page 2 with empty cells above


def stored_page_numbers(docx_path) -> dict[str, int]:
    xml = zipfile.ZipFile(docx_path).read("word/document.xml").decode()
    return {anchor: int(number) for anchor, number in re.findall(
        r"PAGEREF (_Toc_unit\d+) \\h </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>"
        r"<w:r><w:t>(\d+)</w:t>", xml)}


def test_the_compilation_contents_name_each_unit_with_the_page_it_starts_on(printed):
    pdf = printed["compilation.docx"]
    texts = pages(pdf)
    assert texts[1].startswith("目录"), "the cover, however many units are missing, is one page"
    stored = stored_page_numbers(printed["dir"] / "compilation.docx")
    assert len(stored) == 5
    for number in range(1, 6):
        title = f"第{number}单位学习宣传贯彻《质量强国建设纲要》工作总结"
        entry_line = re.search(re.escape(title) + r"（第" + str(number) + r"单位市场监督管理局）\.+(\d+)", texts[1])
        assert entry_line, f"the 目录 lists {title} with its unit and a page number"
        printed_at = next(i for i, text in enumerate(texts, start=1) if i > 2 and text.startswith(title))
        assert int(entry_line.group(1)) == printed_at
        assert stored[f"_Toc_unit{number}"] == printed_at, "the number stored in the file is the printed page"


def test_every_photo_caption_is_on_its_photos_page(printed):
    pdf = printed["study.docx"]
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    image_pages = [int(line.split()[0]) for line in listing.splitlines()[2:] if line.split()]
    texts = pages(pdf, raw=True)
    caption_pages = [next(i for i, t in enumerate(texts, start=1) if f"图{n}集中学习第{n}场" in t) for n in range(1, 5)]
    assert caption_pages == image_pages
    stored = stored_page_numbers(printed["dir"] / "study.docx")
    assert stored == {"_Toc_unit1": next(i for i, t in enumerate(texts, start=1) if i > 2 and "卫辉市水利局学习活动情况汇报" in t)}


def test_the_table_stays_inside_the_printable_area(printed, tmp_path):
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(printed["table.docx"]),
                    str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    width, height = image.size
    band = image.crop((0, height // 3, width, 2 * height // 3))
    pixels = band.load()
    dark = [x for x in range(width) if any(pixels[x, y] < 128 for y in range(band.height))]
    right_margin = width * 26 / 297
    assert dark and max(dark) <= width - right_margin + 2


def test_a_unit_filing_through_the_form_prints_whole_in_the_coordinators_word_table(
        client, make_unit, make_user, make_campaign, tmp_path):
    from campaign.extensions import db
    from campaign.forms.submission import data_to_multidict
    from campaign.models import Role
    from tests.conftest import login

    unit = make_unit("河南省市场监督管理局")
    campaign = make_campaign(units=[unit, make_unit("湖北省市场监督管理局")])
    annex1 = campaign.deliverables[0]
    coordinator = campaign.coordinators[0]
    login(client, make_user(Role.reporter, unit=unit))
    data = annex1_data(1, 300, 20) | {"leader_instructions": text_of(10000, 1) + END}
    body = data_to_multidict(data, annex1.form)
    body["action"] = "submit"
    assert client.post(f"/unit/deliverables/{annex1.id}", data=body).status_code == 302
    client.post("/auth/logout")
    db.session.expire_all()
    login(client, coordinator)
    response = client.get(f"/reports/campaigns/{campaign.id}/deliverables/{annex1.id}/docx")
    assert response.status_code == 200
    (tmp_path / "table.docx").write_bytes(response.get_data())
    pdf = to_pdf([tmp_path / "table.docx"], tmp_path / "pdf")["table.docx"]
    assert END in "".join(pages(pdf))
    for number, shown in enumerate(pages(pdf, raw=True), start=1):
        assert "河南省市场监督管理局" in shown, f"page {number} does not name the unit"
    assert page_count(pdf) <= 30
