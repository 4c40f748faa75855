"""Files in, without the database: the offline template, reading a filled template by its labels, reading
Word summaries by their headings in many shapes, and refusing hostile files."""
from __future__ import annotations

import io
import os
import time
import zipfile

import docx
import openpyxl
import pytest
from docx.shared import Pt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.documents.convert import to_docx
from campaign.documents.docx_reader import read_outline
from campaign.documents.safety import DocumentRefused
from campaign.documents.xlsx_reader import read_table
from campaign.forms.submission import check_data
from campaign.forms.wordcount import count_words
from campaign.reports.template import IDENTITY_SHEET, TABLE_SHEET, build_template
from tests.rollup_data import annex1_data, form

ANNEX1 = form("samr_2023_9", "annex1")
ANNEX2 = form("samr_2023_9", "annex2")
IDENTITY = {"campaign": "7", "deliverable": "12", "unit": "31", "form": "abc123", "signature": "f" * 32}


def template(data: dict | None = None) -> bytes:
    out = io.BytesIO()
    build_template(ANNEX1, title="附件1 《质量强国建设纲要》学习宣传贯彻情况表", unit_name="北京市市场监督管理局",
                   data=data or {}, identity=IDENTITY, out=out)
    return out.getvalue()


def header_row(ws) -> int:
    return next(r for r in range(1, 12) if ws.cell(r, 4).value == "文件名称")


def fill(raw: bytes, edit) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(raw))
    edit(book[TABLE_SHEET])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_template_has_the_notices_header_the_draft_and_its_identity():
    raw = template(annex1_data(1, documents=2))
    book = openpyxl.load_workbook(io.BytesIO(raw))
    ws = book[TABLE_SHEET]
    assert book[IDENTITY_SHEET].sheet_state == "veryHidden" and "填写说明" in book.sheetnames
    h = header_row(ws)
    assert ws.cell(h - 1, 4).value == "出台贯彻落实《纲要》文件情况"
    assert f"D{h - 1}:F{h - 1}" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.cell(h - 1, 2).value == "领导同志批示情况" and ws.cell(h - 1, 2).protection.locked
    assert not ws.cell(h + 1, 2).protection.locked and ws.cell(h + 1, 2).alignment.wrap_text
    assert ws.protection.sheet and not ws.protection.insertRows  # protected, rows may be inserted
    assert ws.cell(h + 2, 4).value == annex1_data(1, documents=2)["documents"][1]["name"]
    assert "填报单位：北京市市场监督管理局" == ws.cell(2, 1).value
    assert read_table(raw, ANNEX1).identity["unit"] == "31"


# What a clerk types into a cell (a leading "=" makes a formula in Excel: formulas are tested apart).
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
               max_size=60).map(str.strip).filter(lambda t: t and not t.startswith("="))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.fixed_dictionaries({k: TEXT for k in ("leader_instructions", "study", "publicity", "experience",
                                                      "contact_name", "contact_phone")}),
       documents=st.lists(st.fixed_dictionaries({"name": TEXT, "issuer": TEXT, "progress": TEXT}), max_size=14))
def test_round_trip_template_filled_by_openpyxl_reads_back_as_typed(texts, documents):
    def edit(ws):
        h = header_row(ws)
        for column, key in ((2, "leader_instructions"), (3, "study"), (7, "publicity"), (8, "experience")):
            ws.cell(h + 1, column).value = texts[key]
        if len(documents) > 11:  # more than the blank rows: the clerk inserts rows
            ws.insert_rows(h + 3, amount=len(documents) - 11)
        for i, doc in enumerate(documents):
            for column, key in ((4, "name"), (5, "issuer"), (6, "progress")):
                ws.cell(h + 1 + i, column).value = doc[key]
        for row in ws.iter_rows(min_row=h + 1):
            for cell in row:
                if cell.value == "联系人":
                    ws.cell(cell.row, 2).value = texts["contact_name"]
                elif cell.value == "联系电话":
                    ws.cell(cell.row, 2).value = texts["contact_phone"]

    reading = read_table(fill(template(), edit), ANNEX1)
    for key, value in texts.items():
        assert reading.data[key] == value
    assert reading.data["documents"] == documents
    assert not reading.problems


def test_table_read_by_labels_wherever_the_table_stands_and_formulas_by_their_value():
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["我局填报情况"])
    ws.append([])
    ws.append(["填报单位：天津市市场监督管理委员会"])
    ws.append(["序号", "组织开展学习情况", "领导同志批示情况", "出台贯彻落实《纲要》文件情况", None, None,
               "好的经验和做法", "开展的重点和特色宣传贯彻工作"])
    ws.append([None, None, None, "文件名称", "发文主体", "当前进展"])
    ws.append([1, "集中学习", "作出批示", "实施方案", "市政府", "=1+1", "清单化", "=A6"])
    ws.append([None, None, None, "工作要点", "市局", "起草中"])
    ws.append(["联系人：张三"])
    ws.append(["联系电话", None, "022-1234"])
    out = io.BytesIO()
    book.save(out)
    reading = read_table(out.getvalue(), ANNEX1)
    assert reading.unit_name == "天津市市场监督管理委员会"
    assert reading.data["study"] == "集中学习" and reading.data["leader_instructions"] == "作出批示"
    assert [d["name"] for d in reading.data["documents"]] == ["实施方案", "工作要点"]
    assert reading.data["contact_name"] == "张三" and reading.data["contact_phone"] == "022-1234"
    # openpyxl writes no cached values: the formulas are refused with their place, never evaluated.
    assert any("F6" in p or "第 6 行 F 列" in p for p in reading.problems)
    assert reading.data["documents"][0]["progress"] == ""


def _summary(paragraphs) -> bytes:
    document = docx.Document()
    for kind, text in paragraphs:
        if kind == "table":
            table = document.add_table(rows=len(text), cols=len(text[0]))
            for r, row in enumerate(text):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
            continue
        if kind.startswith("Heading"):
            document.add_heading(text, level=int(kind[-1]))
            continue
        paragraph = document.add_paragraph(style=None if kind in ("body", "bold") else kind)
        run = paragraph.add_run(text)
        run.bold = kind == "bold"
        run.font.size = Pt(16)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


BODY = ["各处室认真组织学习，召开党组会传达学习《纲要》。", "印发实施方案，明确任务分工。",
        "开展“质量月”系列活动，发布解读文章12篇。", "坚持学用结合，清单化推进。", "培育示范项目5个。"]
SHAPES = {
    "numbered body text": ["一、学习《纲要》有关情况", "二、出台《纲要》贯彻落实文件情况",
                           "三、开展的重要学习宣传贯彻活动情况和取得的成效", "四、学习宣传贯彻工作中好的经验、做法",
                           "五、涌现出的先进典型和示范案例"],
    "half-width and spaces": ["一. 学习 《纲要》 有关情况", "二.出台《纲要》贯彻落实文件情况",
                              "三 、开展的重要学习宣传贯彻活动情况和取得的成效", "四.学习宣传贯彻工作中好的经验,做法",
                              "五. 涌现出的先进典型和示范案例"],
    "parenthesised": ["（一）学习《纲要》有关情况", "（二）出台《纲要》贯彻落实文件情况", "（三）开展的重要学习宣传贯彻活动情况",
                      "(四)学习宣传贯彻工作中好的经验、做法", "(五)涌现出的先进典型和示范案例"],
    "abridged": ["一、学习《纲要》情况", "二、出台贯彻落实文件情况", "三、重要学习宣传贯彻活动及成效",
                 "四、好的经验做法", "五、先进典型和示范案例"],
    "no numbers, bold": ["学习《纲要》有关情况", "出台《纲要》贯彻落实文件情况", "开展的重要学习宣传贯彻活动情况和取得的成效",
                         "学习宣传贯彻工作中好的经验、做法", "涌现出的先进典型和示范案例"],
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("marking", ["body", "bold", "Heading1"])
def test_word_summary_sections_are_found_as_people_type_headings(shape, marking):
    if shape == "no numbers, bold" and marking == "body":
        marking = "bold"  # an unmarked, unnumbered line is body text unless it is the heading's very words
    title = "北京市市场监督管理局学习宣传贯彻《质量强国建设纲要》工作总结"
    paragraphs = [("body", title)]
    for heading, body in zip(SHAPES[shape], BODY):
        paragraphs += [(marking, heading), ("body", body)]
    reading = read_outline(_summary(paragraphs), ANNEX2)
    assert reading.data["title"] == title
    assert [reading.data[k] for k in ("learning", "documents", "activities", "experience", "exemplars")] == BODY
    assert not reading.problems, reading.problems


def test_word_summary_problems_are_named_and_nothing_is_dropped():
    paragraphs = [("body", "工作总结"), ("body", "今年以来，我局高度重视。"),
                  ("body", "一、学习《纲要》有关情况"), ("body", "召开党组会。"),
                  ("table", [["文件名称", "发文主体"], ["实施方案", "省政府"]]),
                  ("body", "二、其他需要说明的事项"), ("body", "无。"),
                  ("body", "三、开展的重要学习宣传贯彻活动情况和取得的成效"), ("body", "开展活动。")]
    reading = read_outline(_summary(paragraphs), ANNEX2)
    problems = "\n".join(reading.problems)
    assert "第一个小标题之前" in problems and "今年以来" in reading.data["learning"]
    assert "第 1 个表格" in problems and "实施方案　省政府" in reading.data["learning"]
    assert "“二、其他需要说明的事项”不是提纲中的标题" in problems and "无。" in reading.data["learning"]
    for missing in ("二、出台《纲要》贯彻落实文件情况", "四、学习宣传贯彻工作中好的经验、做法"):
        assert f"没有找到“{missing}”部分" in problems


def test_word_count_of_a_read_summary_is_the_forms_count():
    long = "学" * 3001
    reading = read_outline(_summary([("body", "总结"), ("body", "一、学习《纲要》有关情况"), ("body", long)]), ANNEX2)
    assert count_words(reading.data["learning"]) == 3001


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in parts.items():
            package.writestr(name, content)
    return out.getvalue()


def test_hostile_files_are_refused_with_a_reason():
    good = template()
    with zipfile.ZipFile(io.BytesIO(good)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    cases = {
        "宏": _zip(parts | {"xl/vbaProject.bin": b"\0" * 10}),
        "文档类型声明": _zip(parts | {"xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'
                                                     + parts["xl/workbook.xml"][38:]}),
        "解压后过大": _zip(parts | {"xl/sharedStrings.xml": b"<a>" + b"A" * (50 * 1024 * 1024) + b"</a>"}),
        "加密": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        "已损坏": good[:200],
        "不是": b"just some text, not a spreadsheet",
        "超过": b"PK\x03\x04" + b"\0" * (11 * 1024 * 1024),
    }
    for reason, raw in cases.items():
        with pytest.raises(DocumentRefused, match=reason):
            read_table(raw, ANNEX1)
    with pytest.raises(DocumentRefused, match="不是Word"):
        read_outline(good, ANNEX2)


def _parts(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as package:
        return {name: package.read(name) for name in package.namelist()}


def _root(part: bytes) -> bytes:
    """A part without its XML declaration, if it has one."""
    return part.split(b"?>", 1)[1].lstrip() if part.startswith(b"<?xml") else part


def test_a_doctype_anywhere_before_the_root_is_refused_in_utf8_and_utf16():
    parts = _parts(template())
    body = _root(parts["xl/workbook.xml"])
    after_long_comment = (b'<?xml version="1.0" encoding="UTF-8"?><!--' + b" padding " * 20000 + b"-->"
                          b'<!DOCTYPE x [<!ENTITY a "b">]>' + body)
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>'
             + body.decode("utf-8")).encode("utf-16")
    for workbook in (after_long_comment, utf16):
        with pytest.raises(DocumentRefused, match="文档类型声明"):
            read_table(_zip(parts | {"xl/workbook.xml": workbook}), ANNEX1)
    # The same parts without a DTD are read: a UTF-16 part and a long comment are no reason to refuse.
    clean_utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + body.decode("utf-8")).encode("utf-16")
    long_comment = b'<?xml version="1.0" encoding="UTF-8"?><!--' + b" padding " * 20000 + b"-->" + body
    for workbook in (clean_utf16, long_comment):
        assert read_table(_zip(parts | {"xl/workbook.xml": workbook}), ANNEX1).identity["unit"] == "31"
    docx_parts = _parts(_summary([("body", "总结"), ("body", "一、学习《纲要》有关情况"), ("body", "学习。")]))
    styles = _root(docx_parts["word/styles.xml"])
    hostile = ('<?xml version="1.0" encoding="UTF-16"?><!-- 注释 --><!DOCTYPE w:styles SYSTEM "file:///etc/passwd">'
               + styles.decode("utf-8")).encode("utf-16-le")
    with pytest.raises(DocumentRefused, match="文档类型声明"):
        read_outline(_zip(docx_parts | {"word/styles.xml": b"\xff\xfe" + hostile}), ANNEX2)
    with pytest.raises(DocumentRefused, match="无法读取的内容"):
        read_table(_zip(parts | {"xl/workbook.xml": b'<?xml version="1.0" encoding="UTF-7"?>' + body}), ANNEX1)


def _gone(pid: int) -> bool:
    """The process has ended (exited, or killed and not yet reaped by whoever adopted it)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_a_hanging_conversion_is_refused_and_no_process_of_it_survives(tmp_path):
    # A stand-in soffice that starts a child (as soffice starts soffice.bin) and never finishes.
    pids = tmp_path / "pids"
    program = tmp_path / "soffice"
    program.write_text(f"#!/bin/sh\nsleep 600 &\necho $! >> {pids}\necho $$ >> {pids}\nwait\n")
    program.chmod(0o755)
    with pytest.raises(DocumentRefused, match="转换超时"):
        to_docx(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "doc", timeout=3, program=str(program))
    started = [int(line) for line in pids.read_text().split()]
    assert len(started) == 2
    deadline = time.monotonic() + 30  # SIGKILL is delivered asynchronously; wait for it, not for a duration
    while not all(_gone(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in started), [open(f"/proc/{p}/stat").read() for p in started if not _gone(p)]


def test_excel_escapes_are_decoded_and_a_typed_underscore_x_survives_the_round_trip():
    typed = {"study": "见文件_x000D_第二项_x005F_x0041_，又及 _x4E2D_", "leader_instructions": "a_x_b_x12_",
             "documents": [{"name": "方案_x0041_", "issuer": "市局", "progress": "已印发"}]}
    raw = template(typed)
    stored = openpyxl.load_workbook(io.BytesIO(raw))[TABLE_SHEET]
    h = header_row(stored)
    assert stored.cell(h + 1, 3).value == "见文件_x005F_x000D_第二项_x005F_x005F_x005F_x0041_，又及 _x005F_x4E2D_"
    reading = read_table(raw, ANNEX1)
    assert reading.data["study"] == typed["study"]
    assert reading.data["leader_instructions"] == "a_x_b_x12_"
    assert reading.data["documents"] == typed["documents"]

    def excel_saved(ws):  # what Excel writes for a cell with line breaks, a tab and a literal "_x0041_"
        ws.cell(h + 1, 2).value = "第一行_x000D_\n第二行_x0009_末尾 _x005F_x0041_"
        ws.cell(h + 1, 7).value = "控制符_x0001_已删"
    reading = read_table(fill(raw, excel_saved), ANNEX1)
    assert reading.data["leader_instructions"] == "第一行\n第二行\t末尾 _x0041_"
    assert reading.data["publicity"] == "控制符已删"
    assert any("控制字符" in p and f"第 {h + 1} 行 G 列" in p for p in reading.problems)


def _tick_cell(ws):
    """The cell beside the 暂未出台… label under the table."""
    label = next(cell for row in ws.iter_rows() for cell in row if cell.value == ANNEX1_NONE)
    return next(ws.cell(label.row, c) for c in range(label.column + 1, ws.max_column + 1)
                if type(ws.cell(label.row, c)).__name__ == "Cell")


ANNEX1_NONE = next(f["none_label"] for f in ANNEX1["fields"] if f.get("none_label"))


@pytest.mark.parametrize("ticked", [True, False])
def test_the_none_tick_is_written_with_the_draft_and_an_untouched_template_reads_back_the_same(app, ticked):
    data = annex1_data(1, cell_chars=40, documents=0 if ticked else 2)
    raw = template(data)
    ws = openpyxl.load_workbook(io.BytesIO(raw))[TABLE_SHEET]
    cell = _tick_cell(ws)
    assert cell.value == ("是" if ticked else "否") and not cell.protection.locked
    assert any(cell.coordinate in str(v.sqref) and v.formula1 == '"是,否"' for v in ws.data_validations.dataValidation)
    guide = openpyxl.load_workbook(io.BytesIO(raw))["填写说明"]
    assert any(ANNEX1_NONE in (row[0] or "") for row in guide.iter_rows(values_only=True))
    reading = read_table(raw, ANNEX1)
    assert reading.data == data and not reading.problems
    stored, problems, limits = check_data(reading.data, ANNEX1)
    assert stored == data and not problems and not limits


def test_ticking_none_in_excel_sets_it_and_a_tick_with_rows_is_refused_by_the_forms_rule(app):
    raw = template(annex1_data(1, cell_chars=40, documents=0) | {"documents_none": False})
    assert read_table(raw, ANNEX1).data["documents_none"] is False

    def tick(ws):
        _tick_cell(ws).value = "是"
    reading = read_table(fill(raw, tick), ANNEX1)
    assert reading.data["documents_none"] is True and reading.data["documents"] == []
    assert check_data(reading.data, ANNEX1)[1] == []

    def tick_and_fill(ws):
        _tick_cell(ws).value = "√"
        ws.cell(header_row(ws) + 1, 4).value = "实施方案"
    _stored, problems, _limits = check_data(read_table(fill(raw, tick_and_fill), ANNEX1).data, ANNEX1)
    assert any(f"已勾选“{ANNEX1_NONE}”" in p for p in problems)

    def nonsense(ws):
        _tick_cell(ws).value = "不清楚"
    reading = read_table(fill(raw, nonsense), ANNEX1)
    assert "documents_none" not in reading.data  # the draft's choice is kept
    assert any("不清楚" in p and "请填“是”或“否”" in p for p in reading.problems)


def test_a_plain_table_with_the_none_label_across_the_group_is_ticked():
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["序号", "领导同志批示情况", "组织开展学习情况", "出台贯彻落实《纲要》文件情况", None, None,
               "开展的重点和特色宣传贯彻工作", "好的经验和做法"])
    ws.append([None, None, None, "文件名称", "发文主体", "当前进展"])
    ws.append([1, "批示。", "学习。", ANNEX1_NONE, None, None, "宣传。", "经验。"])
    ws.merge_cells("D3:F3")
    out = io.BytesIO()
    book.save(out)
    reading = read_table(out.getvalue(), ANNEX1)
    assert reading.data["documents"] == [] and reading.data["documents_none"] is True


SAME_LINE = {
    "full-width colon": ["一、学习《纲要》有关情况：", "二、出台《纲要》贯彻落实文件情况：", "三、开展的重要学习宣传贯彻活动情况和取得的成效：",
                         "四、学习宣传贯彻工作中好的经验、做法：", "五、涌现出的先进典型和示范案例："],
    "half-width colon and spaces": ["一. 学习《纲要》有关情况: ", "二.出台《纲要》贯彻落实文件情况 :", "三、开展的重要学习宣传贯彻活动情况  ",
                                    "(四)学习宣传贯彻工作中好的经验、做法:", "五、涌现出的先进典型和示范案例　"],
    "full stop, abridged": ["一、学习《纲要》情况。", "二、出台贯彻落实文件情况。", "三、重要学习宣传贯彻活动及成效。",
                            "四、好的经验做法。", "五、先进典型和示范案例。"],
    "unnumbered, exact words": ["学习《纲要》有关情况：", "出台《纲要》贯彻落实文件情况：", "开展的重要学习宣传贯彻活动情况和取得的成效：",
                                "学习宣传贯彻工作中好的经验、做法：", "涌现出的先进典型和示范案例："],
}


@pytest.mark.parametrize("shape", sorted(SAME_LINE))
def test_a_heading_with_its_text_on_the_same_line_is_split_into_the_section_and_its_text(shape):
    paragraphs = [("body", "北京市市场监督管理局工作总结")]
    for heading, body in zip(SAME_LINE[shape], BODY):
        paragraphs += [("body", heading + body), ("body", "另起一段。")]
    reading = read_outline(_summary(paragraphs), ANNEX2)
    assert [reading.data[k] for k in ("learning", "documents", "activities", "experience", "exemplars")] == [
        body + "\n另起一段。" for body in BODY]
    assert not reading.problems, reading.problems


def test_a_bold_run_heading_followed_by_plain_text_is_split_and_list_items_are_not():
    document = docx.Document()
    document.add_paragraph("工作总结")
    first = document.add_paragraph()
    first.add_run("学习《纲要》情况").bold = True  # bold and abridged, then the text in the same paragraph
    first.add_run("  我局召开党组会传达学习。")
    document.add_paragraph("1. 组织学习：各处室集中学习。")  # a list item inside the section
    document.add_paragraph("2. 出台文件：印发实施方案。")  # like section 二 in number and words, but a list item
    out = io.BytesIO()
    document.save(out)
    reading = read_outline(out.getvalue(), ANNEX2)
    assert reading.data["learning"] == "我局召开党组会传达学习。\n1. 组织学习：各处室集中学习。\n2. 出台文件：印发实施方案。"
    assert reading.data["documents"] == ""
