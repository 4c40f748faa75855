"""Rollup downloads over HTTP and the CLI, built from the database."""
import io
import re
from urllib.parse import quote

import docx
import openpyxl
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import AuditEntry, Role
from campaign.services.submissions import get_submission, save_draft, submit
from tests.rollup_data import annex1_data
from tests.conftest import login


def _file(response, client=None):
    if client is not None and response.status_code == 302 and "/jobs/" in response.location:
        response = client.get(response.location + "/file")  # built by a worker: fetched from its job
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    data = response.data
    response.close()  # the file was built in a temporary file: close it
    return io.BytesIO(data)


def test_coordinator_downloads_a_partial_summary_listing_missing_units(app, client, make_unit, make_user,
                                                                       make_campaign):
    units = [make_unit("北京市市场监督管理局"), make_unit("天津市市场监督管理委员会"), make_unit("河北省市场监督管理局")]
    campaign = make_campaign(units=units)
    annex1 = campaign.deliverables[0]
    reporter = make_user(Role.reporter, unit=units[0])
    submit(get_submission(annex1, units[0]), annex1_data(1, documents=2) | {"study": "=1+1\x07"},
           base_version=None, user=reporter)
    save_draft(get_submission(annex1, units[1]), annex1_data(2), base_version=None,
               user=make_user(Role.reporter, unit=units[1]))
    db.session.commit()
    login(client, campaign.coordinators[0])
    assert f'href="/reports/campaigns/{campaign.id}"' in client.get("/coordinator/").get_data(as_text=True)
    page = client.get(f"/reports/campaigns/{campaign.id}").get_data(as_text=True)
    assert "应报 3 家　已报 1 家　未报 2 家　逾期 0 家（逾期报送 0 家、逾期未报 0 家）" in page
    assert "天津市市场监督管理委员会、河北省市场监督管理局" in page
    response = client.get(f"/reports/campaigns/{campaign.id}/deliverables/{annex1.id}/xlsx")
    disposition = response.headers["Content-Disposition"]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" + quote("附件1《质量强国建设纲要》学习宣传贯彻情况汇总表") in disposition
    # Clients that only read the plain name get one that still says what and when, not "_.xlsx".
    assert re.search(r'filename="annex1-summary-\d{12}\.xlsx"', disposition)
    wb = openpyxl.load_workbook(_file(response))
    ws = wb["汇总表"]
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "北京市市场监督管理局" in values and "=1+1" in values
    assert any("未报单位（2 家）：天津市市场监督管理委员会、河北省市场监督管理局" in str(v) for v in values)
    states = {r[1]: r[2] for r in wb["报送情况"].iter_rows(values_only=True) if isinstance(r[0], int)}
    assert states == {"北京市市场监督管理局": "已报送", "天津市市场监督管理委员会": "草稿", "河北省市场监督管理局": "未填报"}
    # The coordinator is told which unit's text lost characters, and the export is audited.
    assert "北京市市场监督管理局" in client.get("/coordinator/").get_data(as_text=True)
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "export"))
    assert audit.detail["removed_characters"] == ["北京市市场监督管理局"]
    word = docx.Document(_file(client.get(f"/reports/campaigns/{campaign.id}/deliverables/{annex1.id}/docx")))
    assert word.tables[0].rows[2].cells[1].text == "北京市市场监督管理局"
    assert client.get(f"/reports/campaigns/{campaign.id}/deliverables/{annex1.id}/zip").status_code == 404


def test_unit_downloads_only_its_own_filled_form(app, client, make_unit, make_user, make_campaign):
    own, other = make_unit("北京市市场监督管理局"), make_unit("天津市市场监督管理委员会")
    campaign = make_campaign(units=[own, other])
    annex1, annex2 = campaign.deliverables
    reporter = make_user(Role.reporter, unit=own)
    submit(get_submission(annex1, own), annex1_data(1), base_version=None, user=reporter)
    submit(get_submission(annex1, other), annex1_data(2) | {"study": "天津的内容"}, base_version=None,
           user=make_user(Role.reporter, unit=other))
    db.session.commit()
    login(client, reporter)
    receipt = client.get(f"/unit/deliverables/{annex1.id}/receipt").get_data(as_text=True)
    assert f"/reports/unit/deliverables/{annex1.id}/docx" in receipt
    d = docx.Document(_file(client.get(f"/reports/unit/deliverables/{annex1.id}/docx")))
    texts = [p.text for p in d.paragraphs]
    assert "填报单位（盖章）：北京市市场监督管理局" in texts and "联系人及联系方式：张三 010-82260001" in texts
    assert "天津的内容" not in d.element.xml
    wb = openpyxl.load_workbook(_file(client.get(f"/reports/unit/deliverables/{annex1.id}/xlsx")))
    assert "天津的内容" not in str(list(wb.active.iter_rows(values_only=True)))
    summary = docx.Document(_file(client.get(f"/reports/unit/deliverables/{annex2.id}/docx")))
    assert "附件2" in [p.text for p in summary.paragraphs]
    assert client.get(f"/reports/unit/deliverables/{annex2.id}/xlsx").status_code == 404


def test_unknown_photo_ids_print_as_missing_and_essays_compile(app, client, make_unit, make_user, make_campaign):
    """Photo ids that name no photo of the unit's (or try to leave the upload directory) are not
    kept, so they reach no file. Uploaded photos in the compilation and the zip: tests/test_photos.py."""
    unit = make_unit("卫辉市水利局")
    campaign = make_campaign("xinxiang_water_2023", units=[unit])
    report = campaign.deliverables[0]
    data = {"report_title": "卫辉市水利局学习活动情况汇报", "report_text": "组织集中学习。",
            "photos": [{"id": "999999", "caption": "已删除"}, {"id": "../../etc/passwd", "caption": "越界"}],
            "essays": [{"title": "体会一", "author": "王五", "post": "股长", "text": "正文一"},
                       {"title": "体会二", "author": "赵六", "post": "主任", "text": "正文二"}]}
    submit(get_submission(report, unit), data, base_version=None, user=make_user(Role.reporter, unit=unit))
    db.session.commit()
    assert get_submission(report, unit).data["photos"] == []
    login(client, campaign.coordinators[0])
    base = f"/reports/campaigns/{campaign.id}/deliverables/{report.id}"
    d = docx.Document(_file(client.get(base + "/docx"), client))
    assert len(d.inline_shapes) == 0
    assert not {"已删除", "越界"} & {p.text for p in d.paragraphs}
    import zipfile
    archive = zipfile.ZipFile(_file(client.get(base + "/zip"), client))
    assert not [n for n in archive.namelist() if n.endswith((".jpg", ".png"))]
    essays = docx.Document(_file(client.get(base + "/essays")))
    assert ["体会一", "体会二"] == [p.text for p in essays.paragraphs if p.style.name == "Unit Title"]


def test_rollup_command_writes_the_file(app, runner, make_unit, make_user, make_campaign, tmp_path):
    unit = make_unit("北京市市场监督管理局")
    campaign = make_campaign(units=[unit])
    submit(get_submission(campaign.deliverables[0], unit), annex1_data(1), base_version=None,
           user=make_user(Role.reporter, unit=unit))
    db.session.commit()
    target = tmp_path / "汇总表.xlsx"
    result = runner.invoke(args=["rollup", "--campaign", str(campaign.id), "--deliverable", "annex1",
                                 "--format", "xlsx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "应报 1 家　已报 1 家" in result.output
    assert openpyxl.load_workbook(target)["汇总表"].cell(5, 2).value == "北京市市场监督管理局"
    refused = runner.invoke(args=["rollup", "--campaign", str(campaign.id), "--deliverable", "annex2",
                                  "--format", "xlsx", "-o", str(target)])
    assert refused.exit_code == 1 and "工作总结汇编（--format docx）" in refused.output
