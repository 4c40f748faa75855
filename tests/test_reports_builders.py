"""Rollup builders, without HTTP or a database: each output is re-read and checked against the notice."""
import dataclasses
import io
import zipfile

import docx
import openpyxl
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given, settings, strategies as st

from campaign.forms.submission import clean_input
from campaign.reports.compile import build_compilation_docx, build_essays_docx, build_study_docx, build_unit_docx
from campaign.reports.docx_table import build_table_docx
from campaign.reports.photos import build_photos_zip
from campaign.reports.text import clean
from campaign.reports.layout import table_columns
from campaign.reports.xlsx import LINE_PT, MAX_ROW_PT, build_summary_xlsx, page_lines
from tests.rollup_data import annex1_data, annex2_data, entry, form, rollup, text_of

ANNEX1 = form("samr_2023_9", "annex1")
ANNEX2 = form("samr_2023_9", "annex2")
STUDY = form("xinxiang_water_2023", "study_report")
HEADER_TOP = ["序号", "填报单位", "领导同志批示情况", "组织开展学习情况", "出台贯彻落实《纲要》文件情况", None, None,
              "开展的重点和特色宣传贯彻工作", "好的经验和做法", "联系人及联系方式", "报送时间", "是否逾期"]
HEADER_BOTTOM = [None] * 4 + ["文件名称", "发文主体", "当前进展"] + [None] * 5
HOSTILE = {"leader_instructions": "=1+1", "study": "+86 010-82262046", "publicity": "-5%", "experience": "@foo"}


def annex1_rollup(entries):
    return rollup(ANNEX1, lambda: list(entries))


def xlsx_of(r, **kw):
    out = io.BytesIO()
    cleaner = build_summary_xlsx(r, out, **kw)
    out.seek(0)
    return openpyxl.load_workbook(out), cleaner


def header_row(ws) -> int:
    return next(r for r in range(1, 10) if ws.cell(r, 1).value == "序号")


def test_summary_header_is_the_notices_two_row_header():
    wb, _ = xlsx_of(annex1_rollup([entry(1, annex1_data(1))]))
    ws = wb["汇总表"]
    h = header_row(ws)
    assert [c.value for c in ws[h]] == HEADER_TOP
    assert [c.value for c in ws[h + 1]] == HEADER_BOTTOM
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert f"E{h}:G{h}" in merged
    for col in "ABCDHIJKL":
        assert f"{col}{h}:{col}{h + 1}" in merged
    assert ws.cell(1, 1).value == "《质量强国建设纲要》学习宣传贯彻情况汇总表"
    assert "汇总单位：国家市场监督管理总局质量发展局" in ws.cell(2, 1).value
    assert "应报 1 家　已报 1 家　未报 0 家　逾期 0 家（逾期报送 0 家、逾期未报 0 家）" in ws.cell(2, 1).value


def test_one_row_per_document_with_unit_cells_merged_down():
    wb, _ = xlsx_of(annex1_rollup([entry(1, annex1_data(1, documents=3)), entry(2, annex1_data(2, documents=1))]))
    ws = wb["汇总表"]
    first = header_row(ws) + 2
    merged = {str(m) for m in ws.merged_cells.ranges}
    for col in "ABCDHIJKL":
        assert f"{col}{first}:{col}{first + 2}" in merged
    assert [ws.cell(first + i, 5).value for i in range(3)] == [
        f"贯彻落实《质量强国建设纲要》实施方案（第{j}号）" for j in (1, 2, 3)]
    assert ws.cell(first + 3, 1).value == 2 and ws.cell(first + 3, 2).value == "第2单位市场监督管理局"
    assert ws.cell(first, 10).value == "张三 010-82260001"
    assert ws.cell(first, 12).value == "否"


def test_none_issued_spans_the_document_columns():
    wb, _ = xlsx_of(annex1_rollup([entry(1, annex1_data(1, documents=0))]))
    ws = wb["汇总表"]
    first = header_row(ws) + 2
    assert ws.cell(first, 5).value == "暂未出台贯彻落实《纲要》文件"
    assert any(str(m).startswith(f"E{first}:G") for m in ws.merged_cells.ranges)


def test_user_text_never_becomes_a_formula():
    data = {**annex1_data(1), **HOSTILE, "contact_name": "#N/A"}
    wb, _ = xlsx_of(annex1_rollup([entry(1, data)]))
    ws = wb["汇总表"]
    row = header_row(ws) + 2
    for col, expected in ((3, "=1+1"), (4, "+86 010-82262046"), (8, "-5%"), (9, "@foo")):
        cell = ws.cell(row, col)
        assert cell.value == expected and cell.data_type == "s"
        assert cell.quotePrefix
    assert ws.cell(row, 10).value.startswith("#N/A") and ws.cell(row, 10).data_type == "s"


def test_characters_xml_cannot_hold_are_removed_and_the_units_named():
    data = annex1_data(1) | {"study": "学习\x01情况\x0b好\ufffe"}
    wb, cleaner = xlsx_of(annex1_rollup([entry(1, data), entry(2, annex1_data(2))]))
    ws = wb["汇总表"]
    assert ws.cell(header_row(ws) + 2, 4).value == "学习情况好"
    assert cleaner.units == ["第1单位市场监督管理局"]
    status = wb["报送情况"]
    notes = [row[-1] for row in status.iter_rows(values_only=True)]
    assert "填报内容中无法保存的控制字符已删除" in notes
    assert any("第1单位市场监督管理局" in str(row[0]) for row in status.iter_rows(values_only=True))
    # Rows are as tall as their text: the 备注 (17 characters in a column 30 wide) and a 回执编号
    # (22 characters, 22 wide) take two lines; a unit that has not reported, with neither, one.
    assert [status.row_dimensions[r].height for r in range(4, 6)] == [2 * LINE_PT + 6] * 2
    short = dataclasses.replace(entry(2, annex1_data(2)), receipt_no="HZ-2")
    other, _ = xlsx_of(annex1_rollup([entry(1, data), short]))
    assert other["报送情况"].cell(5, 6).value == "HZ-2" and other["报送情况"].row_dimensions[5].height == LINE_PT + 6


def test_a_block_taller_than_a_page_continues_in_slices_that_name_the_unit():
    long = annex1_data(2, cell_chars=2000, documents=1)
    wb, _ = xlsx_of(annex1_rollup([entry(1, annex1_data(1, cell_chars=300, documents=1)), entry(2, long)]))
    ws = wb["汇总表"]
    first = header_row(ws) + 2
    assert ws.row_dimensions[first].height >= 12 * LINE_PT  # 300 字 in a 28-wide column wraps to 12+ lines
    rows = range(first + 1, ws.max_row + 1)
    names = [ws.cell(r, 2).value for r in rows if ws.cell(r, 2).value]
    assert names[0] == "第2单位市场监督管理局" and len(names) >= 3
    assert set(names[1:]) == {"第2单位市场监督管理局（续）"}
    # The text is whole across the slices, each slice's piece no taller than a page.
    pieces = [ws.cell(r, 3).value for r in rows if ws.cell(r, 3).value]
    assert "".join(p.removeprefix("（领导同志批示情况，续）\n") for p in pieces).replace("\n", "") == \
        long["leader_instructions"].replace("\n", "")
    page = page_lines([c.width for c in table_columns(form("samr_2023_9", "annex1"))], 44) * LINE_PT
    assert all(ws.row_dimensions[r].height <= MAX_ROW_PT for r in rows)
    # Page breaks where the slices start pages: each printed page opens with a slice naming the
    # unit, and what lies between two breaks fits a page.
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    assert breaks and all(ws.cell(b + 1, 2).value == "第2单位市场监督管理局（续）" for b in breaks)
    for start, end in zip(breaks, breaks[1:] + [ws.max_row]):
        assert sum(ws.row_dimensions[r].height or LINE_PT for r in range(start + 1, end + 1)) <= page


def test_print_setup_for_a4_landscape():
    wb, _ = xlsx_of(annex1_rollup([entry(1, annex1_data(1))]))
    ws = wb["汇总表"]
    h = header_row(ws)
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    # One page wide (an absent fitToWidth is 1, the schema's default), as many pages tall as it takes.
    assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
    assert ws.page_margins.left == ws.page_margins.right == 0.5 and ws.page_margins.top == 0.6
    assert ws.print_options.horizontalCentered
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${h}:${h + 1}" and ws.freeze_panes == f"A{h + 2}"
    assert "&P" in ws.oddFooter.center.text
    assert ws.cell(h + 2, 3).alignment.wrap_text and ws.cell(h + 2, 3).border.left.style == "thin"


def test_status_sheet_lists_every_recipient():
    late = entry(2, annex1_data(2), late=True)
    missing = entry(3, {}, state="draft", reminders=2)
    wb, _ = xlsx_of(annex1_rollup([entry(1, annex1_data(1)), late, missing]))
    rows = [r for r in wb["报送情况"].iter_rows(values_only=True) if isinstance(r[0], int)]
    assert [r[1] for r in rows] == ["第1单位市场监督管理局", "第2单位市场监督管理局", "第3单位市场监督管理局"]
    assert [r[2] for r in rows] == ["已报送", "已报送", "草稿"]
    assert rows[1][4] == "逾期报送 5小时" and rows[2][4].startswith("逾期未报 ")
    assert rows[2][8] == 2 and rows[0][8] == 0
    ws = wb["汇总表"]
    assert "未报单位（1 家）：第3单位市场监督管理局" in ws.cell(3, 1).value


def test_unit_own_xlsx_has_stamp_and_contact_lines():
    e = entry(1, annex1_data(1))
    wb, _ = xlsx_of(annex1_rollup([e]), unit=e)
    values = [c for row in wb.active.iter_rows(values_only=True) for c in row if c]
    assert "填报单位（盖章）：第1单位市场监督管理局" in values
    assert "联系人及联系方式：张三 010-82260001" in values
    assert "填报单位" not in values  # a unit's own table has no unit column


def docx_of(builder, *args, **kw):
    out = io.BytesIO()
    builder(*args, out, **kw)
    out.seek(0)
    return docx.Document(out), out


def test_word_table_has_the_same_header_and_merges():
    d, _ = docx_of(build_table_docx, annex1_rollup([entry(1, annex1_data(1, documents=2))]))
    table = d.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "填报单位", "领导同志批示情况", "组织开展学习情况"] + [
        "出台贯彻落实《纲要》文件情况"] * 3 + HEADER_TOP[7:]
    assert [c.text for c in table.rows[1].cells][4:7] == ["文件名称", "发文主体", "当前进展"]
    assert table.rows[2].cells[2]._tc is table.rows[3].cells[2]._tc  # merged down over the unit's rows
    assert table.rows[3].cells[4].text.endswith("（第2号）")
    assert d.sections[0].orientation == 1  # landscape
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_gbt9704_page_and_fonts():
    d, _ = docx_of(build_compilation_docx, rollup(ANNEX2, [entry(1, annex2_data(1))], key="annex2",
                                                  title="《质量强国建设纲要》学习宣传贯彻工作总结提纲", short="附件2"))
    s = d.sections[0]
    assert [round(x.mm) for x in (s.page_width, s.page_height, s.top_margin, s.bottom_margin, s.left_margin,
                                  s.right_margin)] == [210, 297, 37, 35, 28, 26]
    normal = d.styles["Normal"].element
    assert normal.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert d.styles["Normal"].font.size.pt == 16
    assert d.styles["Normal"].paragraph_format.line_spacing.pt == 28
    assert d.styles["Normal"].element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    assert d.styles["Title"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    assert d.styles["Title"].font.size.pt == 22
    assert d.styles["Heading 1"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    assert d.styles["Heading 2"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "楷体_GB2312"
    assert d.settings.odd_and_even_pages_header_footer
    odd, even = s.footer.paragraphs[0], s.even_page_footer.paragraphs[0]
    assert odd.alignment == 2 and even.alignment == 0  # right, left
    assert "PAGE" in odd._p.xml and odd.text.startswith("— ") and odd.text.endswith(" —")
    assert odd.runs[0].font.size.pt == 14


def test_compilation_has_cover_contents_and_each_unit_from_a_new_page():
    r = rollup(ANNEX2, [entry(1, annex2_data(1)), entry(2, annex2_data(2)), entry(3, {}, state="not_started")],
               key="annex2", title="《质量强国建设纲要》学习宣传贯彻工作总结提纲", short="附件2")
    d, _ = docx_of(build_compilation_docx, r)
    texts = [p.text for p in d.paragraphs]
    assert "《质量强国建设纲要》学习宣传贯彻工作总结汇编" in texts
    assert any("未报单位（1 家）：第3单位市场监督管理局" in t for t in texts)
    assert 'TOC \\h \\z \\t "Unit Title,1"' in d.element.body.xml
    titles = [p for p in d.paragraphs if p.style.name == "Unit Title"]
    assert [p.text for p in titles] == ["第1单位学习宣传贯彻《质量强国建设纲要》工作总结",
                                        "第2单位学习宣传贯彻《质量强国建设纲要》工作总结"]
    assert d.styles["Unit Title"].element.pPr.find(qn("w:pageBreakBefore")) is not None
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert headings[:5] == [f["label"] for f in ANNEX2["fields"] if f["type"] == "section"]
    assert len(headings) == 10


def test_unit_own_summary_has_stamp_lines():
    d, _ = docx_of(build_unit_docx, rollup(ANNEX2, [entry(1, annex2_data(1))], short="附件2"),
                   entry(1, annex2_data(1)))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "附件2"
    assert "填报单位（盖章）：第1单位市场监督管理局" in texts
    assert "联系人及联系方式：联系人1 010-60000001" in texts


def study_data(photo_ids):
    return {"report_title": "卫辉市水利局关于组织开展《质量强国建设纲要》学习活动情况的汇报", "report_text": text_of(400),
            "photos": [{"id": pid, "caption": f"说明{i}"} for i, pid in enumerate(photo_ids, start=1)],
            "essays": [{"title": "以质量强国建设引领水利高质量发展", "author": "王五", "post": "工程股股长", "text": text_of(600)},
                       {"title": "学习《纲要》的几点体会", "author": "赵六", "post": "办公室主任", "text": text_of(300)}]}


def test_study_compilation_embeds_photos_with_captions(tmp_path):
    from PIL import Image

    Image.new("RGB", (1200, 800), "red").save(tmp_path / "a.jpg")
    Image.new("RGBA", (300, 500), (0, 0, 255, 100)).save(tmp_path / "b.png")
    files = {"a": str(tmp_path / "a.jpg"), "b": str(tmp_path / "b.png")}
    r = rollup(STUDY, [entry(1, study_data(["a", "b", "lost"]))], key="study_report",
               title="《质量强国建设纲要》学习活动情况", short="学习活动情况", photo_file=files.get)
    d, _ = docx_of(build_study_docx, r)
    assert len(d.inline_shapes) == 2
    texts = [p.text for p in d.paragraphs]
    assert "图1　说明1" in texts and "图3　说明3" in texts and "（照片文件缺失或无法读取）" in texts
    assert "《质量强国建设纲要》学习活动情况汇编" in texts
    e, _ = docx_of(build_essays_docx, r)
    assert [p.text for p in e.paragraphs if p.style.name == "Unit Title"] == [
        "以质量强国建设引领水利高质量发展", "学习《纲要》的几点体会"]
    assert "王五　工程股股长" in [p.text for p in e.paragraphs]
    out = io.BytesIO()
    build_photos_zip(r, out)
    names = zipfile.ZipFile(out).namelist()
    assert names == ["汇总说明.txt", "01_第1单位市场监督管理局/01_说明1.jpg", "01_第1单位市场监督管理局/02_说明2.png",
                     "01_第1单位市场监督管理局/照片说明.txt"]
    assert "应报 1 家　已报 1 家" in zipfile.ZipFile(out).read("汇总说明.txt").decode("utf-8")


TEXT = st.text(st.characters(codec="utf-8"), max_size=400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, TEXT)
def test_every_submitted_character_arrives(cell, summary):
    cell, summary = clean_input(cell), clean_input(summary)
    wb, _ = xlsx_of(annex1_rollup([entry(1, annex1_data(1) | {"study": cell})]))
    ws = wb["汇总表"]
    assert (ws.cell(header_row(ws) + 2, 4).value or "") == clean(cell)
    data = annex2_data(1) | {"learning": summary}
    d, _ = docx_of(build_compilation_docx, rollup(ANNEX2, [entry(1, data)], short="附件2"))
    paragraphs = [p.text for p in d.paragraphs]
    start = paragraphs.index("一、学习《纲要》有关情况") + 1
    end = paragraphs.index("二、出台《纲要》贯彻落实文件情况")
    expected = [line for line in clean(summary).split("\n") if line.strip()]
    assert paragraphs[start:end] == expected


def test_text_longer_than_an_excel_cell_continues_below_with_nothing_lost():
    long = ("第一段。" * 3000 + "\n") * 4  # 48,004 characters
    wb, _ = xlsx_of(annex1_rollup([entry(1, annex1_data(1, documents=1) | {"study": long}),
                                   entry(2, annex1_data(2))]))
    ws = wb["汇总表"]
    first = header_row(ws) + 2
    numbers = [ws.cell(r, 1).value for r in range(first, ws.max_row + 1)]
    second = first + numbers.index(2)
    pieces = [(ws.cell(r, 4).value or "").removeprefix("（组织开展学习情况，续）\n") for r in range(first, second)]
    assert "".join(pieces).replace("\n", "") == long.replace("\n", "")
    assert all(len(ws.cell(r, 4).value or "") <= 32767 for r in range(first, second))
    names = {ws.cell(r, 2).value for r in range(first + 1, second)} - {None}
    assert names == {"第1单位市场监督管理局（续）"}


def test_every_picture_has_its_own_drawing_id(tmp_path):
    from PIL import Image

    for name in "abc":
        Image.new("RGB", (200 + ord(name), 100), "red").save(tmp_path / f"{name}.jpg")
    r = rollup(STUDY, [entry(1, study_data(["a", "b", "c"]))], key="study_report", short="学习活动情况",
               title="《质量强国建设纲要》学习活动情况", photo_file=lambda pid: str(tmp_path / f"{pid}.jpg"))
    d, _ = docx_of(build_study_docx, r)
    ids = [el.get("id") for el in d.element.body.iter("{*}docPr")]
    assert len(ids) == 3 and len(set(ids)) == 3


def overlapping(ranges) -> list:
    cells = {}
    clashes = []
    for m in ranges:
        for row in range(m.min_row, m.max_row + 1):
            for col in range(m.min_col, m.max_col + 1):
                if (row, col) in cells:
                    clashes.append((str(m), cells[(row, col)]))
                cells[(row, col)] = str(m)
    return clashes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([0, 50, 300, 1500, 5000, 40000])), min_size=1,
                max_size=4))
def test_merges_never_overlap_and_long_text_is_whole(units):
    entries = []
    for i, (documents, chars) in enumerate(units, start=1):
        entries.append(entry(i, annex1_data(i, documents=documents) | {"publicity": text_of(chars, i)}))
    wb, _ = xlsx_of(annex1_rollup(entries))
    ws = wb["汇总表"]
    assert not overlapping(ws.merged_cells.ranges)
    first = header_row(ws) + 2
    starts = [r for r in range(first, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)] + [ws.max_row + 1]
    for i, (documents, chars) in enumerate(units):
        rows = range(starts[i], starts[i + 1])
        label = "（开展的重点和特色宣传贯彻工作，续）\n"
        text = "".join((ws.cell(r, 8).value or "").removeprefix(label) for r in rows)
        assert text.replace("\n", "") == text_of(chars, i + 1).replace("\n", "")
        names = [ws.cell(r, 5).value for r in rows if ws.cell(r, 5).value]
        assert len(names) == max(documents, 1 if documents == 0 else 0)


def test_photo_zip_text_files_open_in_notepad_and_entries_carry_the_campaigns_time(tmp_path):
    from PIL import Image

    Image.new("RGB", (60, 40), "red").save(tmp_path / "a.jpg")
    r = rollup(STUDY, [entry(1, study_data(["a"]))], key="study_report", short="学习活动情况",
               title="《质量强国建设纲要》学习活动情况", photo_file=lambda pid: str(tmp_path / f"{pid}.jpg"))
    out = io.BytesIO()
    build_photos_zip(r, out)
    archive = zipfile.ZipFile(out)
    for name in ("汇总说明.txt", "01_第1单位市场监督管理局/照片说明.txt"):
        data = archive.read(name)
        assert data.startswith("\ufeff".encode("utf-8")) and b"\r\n" in data
    # Compiled at 02:00 UTC = 10:00 in Asia/Shanghai, the campaign's zone.
    assert {info.date_time for info in archive.infolist()} == {(2023, 4, 2, 10, 0, 0)}


def test_file_names_say_each_word_once_and_have_an_ascii_twin():
    from campaign.reports import Kind, ascii_name, file_name

    study = rollup(STUDY, [entry(1, {})], key="study_report", short="学习活动情况", title="《质量强国建设纲要》学习活动情况")
    docx_kind = Kind("docx", "学习情况汇编", ".docx", "")
    assert file_name(study, docx_kind) == "《质量强国建设纲要》学习活动情况汇编_202304021000.docx"
    assert ascii_name(study, docx_kind) == "study_report-compilation-202304021000.docx"
    a1 = annex1_rollup([entry(1, annex1_data(1))])
    assert file_name(a1, Kind("xlsx", "汇总表（Excel）", ".xlsx", "")).startswith("附件1《质量强国建设纲要》")
    assert ascii_name(a1, Kind("docx", "汇总表（Word）", ".docx", ""), next(iter(a1.reported()))) == \
        "unit-1-annex1.docx"


def test_a_units_own_sheet_carries_its_annex_label():
    r = annex1_rollup([entry(1, annex1_data(1))])
    wb = openpyxl.load_workbook(io.BytesIO(_bytes(lambda o: build_summary_xlsx(r, o, unit=next(iter(r.reported()))))))
    ws = wb.active
    assert ws.cell(1, 1).value == "附件1" and ws.cell(2, 1).value == "《质量强国建设纲要》学习宣传贯彻情况表"
    assert ws.print_title_rows == f"${header_row(ws)}:${header_row(ws) + 1}"


def _bytes(write) -> bytes:
    out = io.BytesIO()
    write(out)
    return out.getvalue()


def test_a_units_own_file_follows_the_forms_order(tmp_path):
    from PIL import Image

    Image.new("RGB", (80, 60), "red").save(tmp_path / "a.jpg")
    data = study_data(["a"]) | {"essays": [{"title": "体会一", "author": "王五", "post": "股长", "text": "心得"}]}
    r = rollup(STUDY, [entry(1, data)], key="study_report", short="学习活动情况",
               title="《质量强国建设纲要》学习活动情况", photo_file=lambda pid: str(tmp_path / f"{pid}.jpg"))
    d, _ = docx_of(lambda rr, o: build_unit_docx(rr, next(iter(rr.reported())), o), r)
    texts = [p.text for p in d.paragraphs]
    photos, essays = texts.index("相关信息和照片"), next(i for i, t in enumerate(texts) if t.startswith("优秀学习感想或体会1"))
    assert photos < essays  # 照片 comes before the 体会, as in the form


def test_page_breaks_beyond_excels_limit_are_left_to_the_spreadsheet():
    """Excel keeps at most 1,023 manual page breaks: the first 1,023 are written, every row after
    them still is, and those pages break where the spreadsheet program puts them."""
    from campaign.reports.xlsx_book import MAX_PAGE_BREAKS, Formats, SheetWriter, new_workbook

    out = io.BytesIO()
    wb = new_workbook(out)
    sheet = SheetWriter(wb.add_worksheet("汇总表"), Formats(wb), [5.5, 14])
    for i in range(1, 1101):
        sheet.append([i, f"第{i}单位"], "rollup_text", 21)
        sheet.page_break(sheet.row)
    sheet.finish()
    wb.close()
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["汇总表"]
    assert MAX_PAGE_BREAKS == 1023
    assert sorted(b.id for b in ws.row_breaks.brk) == list(range(1, 1024))
    assert ws.max_row == 1100 and ws.cell(1100, 2).value == "第1100单位" and ws.row_dimensions[1100].height == 21


def test_the_summary_keeps_its_first_breaks_when_there_are_more_than_excel_holds(monkeypatch):
    from campaign.reports import xlsx_book

    r = annex1_rollup([entry(1, annex1_data(1, cell_chars=300, documents=1)),
                       entry(2, annex1_data(2, cell_chars=2000, documents=1))])
    wb, _ = xlsx_of(r)
    breaks = sorted(b.id for b in wb["汇总表"].row_breaks.brk)
    assert len(breaks) >= 3
    monkeypatch.setattr(xlsx_book, "MAX_PAGE_BREAKS", 2)
    limited, _ = xlsx_of(r)
    ws = limited["汇总表"]
    assert sorted(b.id for b in ws.row_breaks.brk) == breaks[:2]
    assert [c.value for c in ws[ws.max_row]] == [c.value for c in wb["汇总表"][wb["汇总表"].max_row]]


def test_text_with_characters_beyond_the_bmp_is_cut_to_what_excel_counts_and_kept_whole():
    """Excel (and XlsxWriter, which would cut the rest off) count a cell in UTF-16 units: 𠀀, a
    rare CJK character beyond the BMP, counts 2."""
    from campaign.reports.xlsx import cell_length, chunks

    long = ("𠀀𠀁学习" * 5000 + "\n") * 2  # 40,002 characters, 60,002 UTF-16 units
    assert all(cell_length(p) <= 32767 for p in chunks(long)) and "".join(chunks(long)) == long
    wb, _ = xlsx_of(annex1_rollup([entry(1, annex1_data(1, documents=1) | {"study": long}), entry(2, annex1_data(2))]))
    ws = wb["汇总表"]
    first = header_row(ws) + 2
    numbers = [ws.cell(r, 1).value for r in range(first, ws.max_row + 1)]
    pieces = [(ws.cell(r, 4).value or "").removeprefix("（组织开展学习情况，续）\n")
              for r in range(first, first + numbers.index(2))]
    assert "".join(pieces).replace("\n", "") == long.replace("\n", "")


def test_rows_are_written_as_xlsxwriter_writes_the_same_cells():
    """The sheet's rows are serialised by SheetWriter itself: the file is byte for byte what
    XlsxWriter's own cell writers make of the same cells, row heights and formats (escapes, control
    characters, a literal _x0041_, whitespace kept, formula-like text quoted, text cut to what a
    cell holds in UTF-16 units)."""
    import pytest
    import xlsxwriter

    from campaign.reports.text import FORMULA_STARTS
    from campaign.reports.xlsx_book import MAX_CELL_CHARS, Formats, SheetWriter, new_workbook

    rows = [
        (["标题", None, ""], "rollup_title", 36),
        ([1, '单位&<>"\'', " lead", "trail ", "=SUM(A1)", "-3", "@x", "\tx", "\rx", "+1"],
         ["rollup_center"] + ["rollup_text"] * 9, 15.04),
        ([2, "_x0041_ and \x01 ctl \ufffe\uffff", "a\nb\n", "\n", "文字" * 20000, "𠀀" * 20000, "\u3000全角\u3000"],
         "rollup_text", 409),
        ([True, 0, -5, 12345678901234567], "rollup_center", 15),
        (["x"], "rollup_note", None),
        ([None, None], "rollup_text", 21.37),
        (["after"], "rollup_text", 15.0),
    ]

    def ours():
        out = io.BytesIO()
        wb = new_workbook(out)
        sheet = SheetWriter(wb.add_worksheet("s"), Formats(wb), [5] * 10)
        for values, styles, height in rows:
            sheet.append(values, styles, height)
        wb.close()
        return out.getvalue()

    def xlsxwriters():
        out = io.BytesIO()
        wb = new_workbook(out)
        formats = Formats(wb)
        ws = wb.add_worksheet("s")
        ws.set_column_pixels(0, 9, 35)
        for r, (values, styles, height) in enumerate(rows):
            if height is not None:
                ws.set_row(r, round(height, 1))
            for c, v in enumerate(values):
                style = styles if isinstance(styles, str) else styles[c]
                if v is None or v == "":
                    ws.write_blank(r, c, None, formats(style))
                elif isinstance(v, int):
                    ws.write_number(r, c, v, formats(style))
                else:
                    ws.write_string(r, c, v[:MAX_CELL_CHARS], formats(style, v.startswith(FORMULA_STARTS)))
        wb.close()
        return out.getvalue()

    mine, theirs = (zipfile.ZipFile(io.BytesIO(data)) for data in (ours(), xlsxwriters()))
    assert sorted(mine.namelist()) == sorted(theirs.namelist())
    for name in theirs.namelist():
        if name != "docProps/core.xml":  # holds the time of writing
            assert mine.read(name) == theirs.read(name), name
    ws = openpyxl.load_workbook(io.BytesIO(ours()))["s"]
    assert ws["B2"].value == '单位&<>"\'' and ws["C2"].value == " lead" and ws["E2"].quotePrefix
    assert ws.row_dimensions[1].height == 36 and ws.row_dimensions[3].height == 408.75  # whole pixels
    # Only a constant-memory sheet has a row file to write to.
    in_memory = xlsxwriter.Workbook(io.BytesIO())
    with pytest.raises(ValueError, match="constant_memory"):
        SheetWriter(in_memory.add_worksheet("s"), Formats(in_memory), [5])
    in_memory.close()


def test_slices_carry_the_lines_of_the_cells_as_written():
    """Row heights come from the line counts slicing measured: they are the lines of each value as
    written (continuation labels, a cut at a blank line, texts run on over empty columns), so the
    rows are as tall as measuring every written cell again would make them."""
    from campaign.reports.layout import unit_block
    from campaign.reports.paging import Pager, line_count, slice_block
    from campaign.reports.text import Cleaner

    blank_lines = "\n\n".join(text_of(120, i) for i in range(40)) + "\n\n"
    r = annex1_rollup([entry(1, annex1_data(1, 300, documents=2)),
                       entry(2, annex1_data(2, 6000, documents=1) | {"study": blank_lines}),
                       entry(3, annex1_data(3, 30000, documents=0)),
                       entry(4, annex1_data(4, 20, documents=30))])
    columns = table_columns(r.form)
    widths = [c.width for c in columns]
    pager = Pager(60)
    checked = 0
    for number, e in enumerate(r.reported(), start=1):
        block = unit_block(e, columns, number, r, Cleaner())
        for piece in slice_block(block, columns, widths, pager, f"{e.unit_name}（续）", 0.4, row_lines=26):
            spans = {c0: c1 for _, c0, _, c1 in piece.merges if c1 > c0 and c0 in block.unit_columns}
            for row, lines in zip(piece.grid, piece.cell_lines):
                for c, value in enumerate(row):
                    expected = 1 if isinstance(value, int) else line_count(value, sum(widths[c:spans.get(c, c) + 1]))
                    assert max(lines[c], 1) == max(expected, 1), (number, c, value)
                    checked += 1
    assert checked > 100
