"""Files in on the form page: the template goes out, comes back filled, is compared with the draft and put
into it only on 确认导入; other units' files, old templates, over-long summaries and hostile files are
refused with the reason and nothing of theirs is stored."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from urllib.parse import quote

import docx
import openpyxl
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.forms.wordcount import count_words
from campaign.models import Role, Submission, SubmissionState, UploadedFile
from campaign.reports.template import TABLE_SHEET
from campaign.services.submissions import get_submission, save_draft
from tests.conftest import login
from tests.rollup_data import annex1_data


@pytest.fixture
def filing(make_unit, make_user, make_campaign):
    beijing, tianjin = make_unit("北京市市场监督管理局"), make_unit("天津市市场监督管理委员会")
    campaign = make_campaign(units=[beijing, tianjin])
    return dict(campaign=campaign, annex1=campaign.deliverables[0], annex2=campaign.deliverables[1],
                beijing=beijing, tianjin=tianjin, reporter=make_user(Role.reporter, unit=beijing),
                other=make_user(Role.reporter, unit=tianjin))


def filled_template(client, deliverable_id: int, study: str, documents: list[tuple[str, str, str]]) -> bytes:
    response = client.get(f"/unit/deliverables/{deliverable_id}/template.xlsx")
    assert response.status_code == 200 and quote("填报模板") in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    ws = book[TABLE_SHEET]
    h = next(r for r in range(1, 12) if ws.cell(r, 4).value == "文件名称")
    ws.cell(h + 1, 3).value = study
    for i, row in enumerate(documents):
        for c, value in enumerate(row, start=4):
            ws.cell(h + 1 + i, c).value = value
    for row in ws.iter_rows(min_row=h + 1):
        for cell in row:
            if cell.value == "联系人":
                ws.cell(cell.row, 2).value = "王建国"
            elif cell.value == "联系电话":
                ws.cell(cell.row, 2).value = "010-12345678"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, deliverable_id: int, content: bytes, name: str):
    return client.post(f"/unit/deliverables/{deliverable_id}/upload",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def stored(deliverable, unit) -> Submission:
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission).filter_by(deliverable_id=deliverable.id, unit_id=unit.id))


def test_template_filled_uploaded_compared_and_confirmed_into_the_draft(client, filing):
    annex1 = filing["annex1"]
    login(client, filing["reporter"])
    save_draft(get_submission(annex1, filing["beijing"]), {"leader_instructions": "已批示。"}, base_version=None,
               user=filing["reporter"])
    db.session.commit()
    content = filled_template(client, annex1.id, "召开党组会专题学习。", [("实施方案", "市政府", "已印发")])
    response = upload(client, annex1.id, content, "北京附件1.xlsx")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "核对导入：北京附件1.xlsx" in page and "召开党组会专题学习。" in page and "确认导入" in page
    assert "领导同志批示情况 <small class=\"unchanged\">相同</small>" in page  # the template carried the draft
    assert stored(annex1, filing["beijing"]).data.get("study", "") == ""  # nothing changed before 确认导入
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    response = client.post(response.headers["Location"], data={"version": version})
    assert response.status_code == 302
    submission = stored(annex1, filing["beijing"])
    assert submission.state is SubmissionState.draft  # never submitted by itself
    assert submission.data["study"] == "召开党组会专题学习。" and submission.data["leader_instructions"] == "已批示。"
    assert submission.data["documents"] == [{"name": "实施方案", "issuer": "市政府", "progress": "已印发"}]
    kept = db.session.scalar(sa.select(UploadedFile).filter_by(submission_id=submission.id))
    assert kept.applied_at is not None and kept.filename == "北京附件1.xlsx"
    form = client.get(f"/unit/deliverables/{annex1.id}").get_data(as_text=True)
    assert "北京附件1.xlsx" in form and "已导入草稿" in form
    assert client.get(f"/uploads/{kept.id}").data == content


def test_another_units_template_is_refused_and_nothing_is_kept(client, filing):
    annex1 = filing["annex1"]
    login(client, filing["other"])
    content = filled_template(client, annex1.id, "天津的学习情况。", [])
    client.post("/auth/logout")
    login(client, filing["reporter"])
    response = upload(client, annex1.id, content, "天津附件1.xlsx")
    assert response.status_code == 400
    assert "这是天津市市场监督管理委员会的填报模板，不能用于北京市市场监督管理局" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UploadedFile)) == 0


def test_a_template_of_an_older_form_is_refused(client, filing):
    annex1 = filing["annex1"]
    login(client, filing["reporter"])
    content = filled_template(client, annex1.id, "学习。", [])
    annex1.form = {**annex1.form, "fields": [*annex1.form["fields"]]}
    annex1.form["fields"][0] = {**annex1.form["fields"][0], "label": "领导批示情况"}
    db.session.commit()
    response = upload(client, annex1.id, content, "附件1.xlsx")
    assert response.status_code == 400 and "旧版模板" in response.get_data(as_text=True)


def summary_docx(sections: list[str], title: str = "北京市市场监督管理局工作总结") -> bytes:
    document = docx.Document()
    document.add_paragraph(title)
    for heading, body in zip(["一、学习《纲要》有关情况", "二、出台《纲要》贯彻落实文件情况",
                              "三、开展的重要学习宣传贯彻活动情况和取得的成效", "四、学习宣传贯彻工作中好的经验、做法",
                              "五、涌现出的先进典型和示范案例"], sections):
        document.add_paragraph(heading)  # typed as body text, as clerks do
        document.add_paragraph(body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_summary_with_headings_as_body_text_goes_into_the_five_sections(client, filing):
    annex2 = filing["annex2"]
    login(client, filing["reporter"])
    bodies = ["党组会传达学习。", "印发实施方案。", "开展宣传月活动。", "清单化推进。", "培育示范项目。"]
    response = upload(client, annex2.id, summary_docx(bodies), "工作总结.docx")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    client.post(response.headers["Location"], data={"version": version})
    data = stored(annex2, filing["beijing"]).data
    assert [data[k] for k in ("learning", "documents", "activities", "experience", "exemplars")] == bodies
    assert data["title"] == "北京市市场监督管理局工作总结"


def test_a_summary_over_3000_zi_is_refused_with_the_count(client, filing):
    annex2 = filing["annex2"]
    login(client, filing["reporter"])
    bodies = ["学" * 1000, "学" * 1000, "学" * 1001, "", ""]
    response = upload(client, annex2.id, summary_docx(bodies), "超长总结.docx")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "工作总结共 3001 字，超过 3000 字的限制，还需删减 1 字" in page and "确认导入" not in page
    assert "文件中工作总结字数：3001 / 3000" in page
    response = client.post(response.headers["Location"], data={"version": "1"})
    assert response.status_code == 400
    assert not (stored(annex2, filing["beijing"]).data or {}).get("learning")
    assert count_words("学" * 1001) == 1001


@pytest.mark.parametrize("name,content,reason", [
    ("宏.xlsm", b"PK\x03\x04whatever", "宏"),
    ("附件1.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "加密"),
    ("附件1.xlsx", b"PK\x03\x04 broken", "损坏"),
    ("附件1.docx", b"PK\x03\x04 broken", "Excel"),
])
def test_hostile_or_wrong_files_are_refused_and_nothing_is_stored(client, filing, name, content, reason):
    login(client, filing["reporter"])
    response = upload(client, filing["annex1"].id, content, name)
    assert response.status_code == 400 and reason in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UploadedFile)) == 0


@pytest.mark.office
@pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("CI"), reason="LibreOffice not installed")
def test_a_doc_file_is_converted_by_libreoffice_and_read(client, filing, tmp_path):
    source = tmp_path / "总结.docx"
    source.write_bytes(summary_docx(["甲。", "乙。", "丙。", "丁。", "戊。"]))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(source)], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    login(client, filing["reporter"])
    response = upload(client, filing["annex2"].id, (tmp_path / "总结.doc").read_bytes(), "总结.doc")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "丙。" in page and "没有找到" not in page


def _none_cell(ws):
    label = next(c for row in ws.iter_rows() for c in row if c.value == "暂未出台贯彻落实《纲要》文件")
    return ws.cell(label.row, next(c for c in range(label.column + 1, ws.max_column + 1)
                                   if type(ws.cell(label.row, c)).__name__ == "Cell"))


def test_the_none_tick_round_trips_through_the_downloaded_template(client, filing):
    annex1, beijing = filing["annex1"], filing["beijing"]
    login(client, filing["reporter"])
    draft = annex1_data(1, cell_chars=30, documents=0)
    assert draft["documents_none"] is True
    save_draft(get_submission(annex1, beijing), draft, base_version=None, user=filing["reporter"])
    db.session.commit()
    untouched = client.get(f"/unit/deliverables/{annex1.id}/template.xlsx").data
    assert _none_cell(openpyxl.load_workbook(io.BytesIO(untouched))[TABLE_SHEET]).value == "是"
    response = upload(client, annex1.id, untouched, "附件1.xlsx")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "文件内容与草稿相同。" in page
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    assert client.post(response.headers["Location"], data={"version": version}).status_code == 302
    assert stored(annex1, beijing).data == draft  # nothing changed

    # Unticked on the web; ticked in Excel.
    save_draft(get_submission(annex1, beijing), {**draft, "documents_none": False}, base_version=None,
               user=filing["reporter"])
    db.session.commit()
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/unit/deliverables/{annex1.id}/template.xlsx").data))
    assert _none_cell(book[TABLE_SHEET]).value == "否"
    _none_cell(book[TABLE_SHEET]).value = "是"
    out = io.BytesIO()
    book.save(out)
    response = upload(client, annex1.id, out.getvalue(), "附件1（勾选）.xlsx")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "文件内容与草稿相同。" not in page and "☑ 暂未出台贯彻落实《纲要》文件" in page
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    client.post(response.headers["Location"], data={"version": version})
    assert stored(annex1, beijing).data["documents_none"] is True


def test_a_template_of_another_deliverable_is_refused_naming_the_deliverable(client, filing, make_campaign):
    annex1, annex2, beijing = filing["annex1"], filing["annex2"], filing["beijing"]
    login(client, filing["reporter"])
    content = filled_template(client, annex1.id, "学习。", [])
    response = upload(client, annex2.id, content, "附件1.xlsx")
    assert response.status_code == 400
    assert f"这是“{annex1.label}”的模板，请在该事项的页面上传。" in response.get_data(as_text=True)
    later = make_campaign(units=[beijing, filing["tianjin"]])
    later.title = "关于开展2024年质量月活动的通知"
    db.session.commit()
    response = upload(client, later.deliverables[0].id, content, "附件1.xlsx")
    assert response.status_code == 400
    assert (f"这是通知“{filing['campaign'].title}”中“{annex1.label}”的模板，请在该事项的页面上传。"
            in response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UploadedFile)) == 0
