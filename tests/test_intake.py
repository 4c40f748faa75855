"""The coordinator's intake (代录) of e-mailed files, on the page and from the command line."""
from __future__ import annotations

import io
import os
import time
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.forms.wordcount import count_words
from campaign.jobs.tasks import reminder_pass
from campaign.models import Revision, Role, Submission, SubmissionState, UploadedFile
from campaign.services.intake import batch_dir, keep_batch, purge_batches
from campaign.services.submissions import get_submission
from campaign.services.uploads import template_data
from tests.conftest import login
from tests.document_files import plain_table, template_of
from tests.rollup_data import annex1_data

@pytest.fixture
def mailbox(make_unit, make_user, make_campaign):
    names = ["北京市市场监督管理局", "天津市市场监督管理委员会", "河北省市场监督管理局", "山西省市场监督管理局"]
    units = [make_unit(name) for name in names]
    campaign = make_campaign(units=units)
    annex1 = campaign.deliverables[0]
    beijing, tianjin, hebei, shanxi = units
    files = {
        "北京.xlsx": template_of(annex1, beijing, annex1_data(1)),
        "附件1（修改稿）.xlsx": plain_table("填报单位：天津市市场监督管理委员会", annex1_data(2)),
        "河北省市场监督管理局-附件1.xlsx": plain_table(None, annex1_data(3)),
        "不知道是谁的.xlsx": plain_table(None, annex1_data(4)),
        "坏文件.xlsx": b"PK\x03\x04 not really",
        "山西省市场监督管理局.xlsx": plain_table(None, {"study": "只填了一项"}),
    }
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        for name, content in files.items():
            package.writestr(zipfile.ZipInfo(name.encode("utf-8").decode("utf-8")), content)
    db.session.commit()
    return dict(campaign=campaign, annex1=annex1, units=units, archive=archive.getvalue(), files=files)


def test_a_zip_of_emailed_files_lands_on_the_right_units_or_is_refused_with_the_reason(app, client, mailbox):
    campaign, annex1 = mailbox["campaign"], mailbox["annex1"]
    beijing, tianjin, hebei, shanxi = mailbox["units"]
    login(client, campaign.coordinators[0])
    url = f"/coordinator/campaigns/{campaign.id}/deliverables/{annex1.id}/intake/"
    page = client.post(url, data={"files": [(io.BytesIO(mailbox["archive"]), "邮件附件.zip")]},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "可导入 3 个，不能导入 3 个" in page
    assert "依据：模板标识" in page and "依据：文件中的填报单位" in page and "依据：文件名" in page
    assert "无法确定是哪个单位的材料" in page and "已损坏" in page and "请填写“领导同志批示情况”" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UploadedFile)) == 0  # nothing before confirming
    batch = page.split('name="batch" type="hidden" value="')[1].split('"')[0]
    response = client.post(url + "confirm", data={"batch": batch})
    assert response.status_code == 302
    db.session.expire_all()
    for unit, number in ((beijing, 1), (tianjin, 2), (hebei, 3)):
        submission = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=annex1.id, unit_id=unit.id))
        assert submission.state is SubmissionState.submitted
        assert submission.data["study"] == annex1_data(number)["study"]
        revision = db.session.scalar(sa.select(Revision).filter_by(submission_id=submission.id))
        assert revision.on_behalf and revision.submitted_by_id == campaign.coordinators[0].id
    shanxi_submission = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=annex1.id,
                                                                          unit_id=shanxi.id))
    assert shanxi_submission.state is SubmissionState.not_started  # refused: nothing stored
    kept = db.session.scalars(sa.select(UploadedFile)).all()
    assert sorted(k.filename for k in kept) == sorted(["北京.xlsx", "附件1（修改稿）.xlsx", "河北省市场监督管理局-附件1.xlsx"])
    assert all(k.on_behalf and k.applied_at for k in kept)
    outbox = os.listdir(app.config["MAIL_OUTBOX_DIR"])
    assert len(outbox) == 3  # each unit told once (one contact each)
    again = client.post(url + "confirm", data={"batch": batch})
    assert again.status_code == 400 and "已处理或已过期" in again.get_data(as_text=True)


def test_cli_intake_dry_run_prints_each_file_and_fails_when_one_is_refused(app, runner, mailbox, tmp_path):
    campaign = mailbox["campaign"]
    paths = []
    for name, content in mailbox["files"].items():
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(str(path))
    result = runner.invoke(args=["intake", "--campaign", str(campaign.id), "--deliverable", "annex1", "--dry-run",
                                 *paths])
    assert result.exit_code == 1
    assert "可导入\t北京.xlsx\t北京市市场监督管理局（依据模板标识）" in result.output
    assert "不能导入\t不知道是谁的.xlsx" in result.output and "试运行：可导入 3 个，不能导入 3 个" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UploadedFile)) == 0
    ok = runner.invoke(args=["intake", "--campaign", str(campaign.id), "--deliverable", "annex1", paths[0]])
    assert ok.exit_code == 0 and "已代报 1 个单位的材料" in ok.output


def test_cli_template_for_a_unit_by_user_name_code_or_name(app, runner, mailbox, make_user, tmp_path):
    campaign = mailbox["campaign"]
    beijing = mailbox["units"][0]
    make_user(Role.reporter, unit=beijing, username="beijing")
    for name in ("beijing", beijing.code, beijing.name):
        target = tmp_path / f"{name}.xlsx"
        result = runner.invoke(args=["template", "--campaign", str(campaign.id), "--deliverable", "annex1",
                                     "--unit", name, "-o", str(target)])
        assert result.exit_code == 0, result.output
        book = openpyxl.load_workbook(target)
        assert book["标识"]["B4"].value == str(beijing.id) or any(
            row[1] == str(beijing.id) for row in book["标识"].iter_rows(values_only=True) if row[0] == "unit")
    refused = runner.invoke(args=["template", "--campaign", str(campaign.id), "--deliverable", "annex2",
                                  "--unit", "beijing", "-o", str(tmp_path / "x.xlsx")])
    assert refused.exit_code == 1 and "没有 Excel 填报模板" in refused.output
    assert template_data(get_submission(campaign.deliverables[0], beijing)) is not None


def test_refused_files_are_listed_with_their_zi_count_and_problems(app, client, runner, mailbox, tmp_path):
    campaign, annex1 = mailbox["campaign"], mailbox["annex1"]
    shanxi_words = count_words("只填了一项")
    unknown_words = sum(count_words(annex1_data(4)[k]) for k in ("leader_instructions", "study", "publicity",
                                                                  "experience", "contact_name", "contact_phone"))
    login(client, campaign.coordinators[0])
    url = f"/coordinator/campaigns/{campaign.id}/deliverables/{annex1.id}/intake/"
    page = client.post(url, data={"files": [(io.BytesIO(mailbox["archive"]), "邮件附件.zip")]},
                       content_type="multipart/form-data").get_data(as_text=True)
    rows = {row.split("<td>", 2)[1].split("</td>")[0]: row for row in page.split("<tr")[2:]}
    assert f'<td class="num">{shanxi_words}</td>' in rows["山西省市场监督管理局.xlsx"]
    assert "不能导入：材料不完整" in rows["山西省市场监督管理局.xlsx"]
    assert f'<td class="num">{unknown_words}</td>' in rows["不知道是谁的.xlsx"]
    assert '<td class="num">—</td>' in rows["坏文件.xlsx"] and "已损坏" in rows["坏文件.xlsx"]

    # A refused file's reading problems are listed too (a formula without its value).
    book = openpyxl.load_workbook(io.BytesIO(mailbox["files"]["不知道是谁的.xlsx"]))
    book.active["C3"] = "=1+1"
    out = io.BytesIO()
    book.save(out)
    path = tmp_path / "不知道是谁的（公式）.xlsx"
    path.write_bytes(out.getvalue())
    result = runner.invoke(args=["intake", "--campaign", str(campaign.id), "--deliverable", "annex1", "--dry-run",
                                 str(path)])
    assert result.exit_code == 1
    words = unknown_words - count_words(annex1_data(4)["study"])
    assert f"不能导入\t不知道是谁的（公式）.xlsx\t—\t{words} 字\t无法确定是哪个单位的材料" in result.output
    assert "\t提示：第 3 行 C 列是公式" in result.output


def test_intake_uploads_never_confirmed_are_purged_after_their_keeping_time(app, client, mailbox):
    campaign, annex1 = mailbox["campaign"], mailbox["annex1"]
    old = keep_batch([("北京.xlsx", mailbox["files"]["北京.xlsx"])])
    folder = os.path.join(batch_dir(), old)
    hours = app.config["INTAKE_KEEP_HOURS"]
    stale = time.time() - (hours + 1) * 3600
    os.utime(folder, (stale, stale))
    fresh = keep_batch([("北京.xlsx", mailbox["files"]["北京.xlsx"])])  # a new upload purges the old ones
    assert not os.path.exists(folder) and os.path.isdir(os.path.join(batch_dir(), fresh))
    assert purge_batches() == 0  # the fresh one stays
    assert purge_batches(now=time.time() + (hours + 1) * 3600) == 1
    assert os.listdir(batch_dir()) == []
    # The workers' periodic pass deletes them too.
    forgotten = keep_batch([("北京.xlsx", mailbox["files"]["北京.xlsx"])])
    os.utime(os.path.join(batch_dir(), forgotten), (stale, stale))
    reminder_pass.call_local()
    assert os.listdir(batch_dir()) == []
    login(client, campaign.coordinators[0])
    url = f"/coordinator/campaigns/{campaign.id}/deliverables/{annex1.id}/intake/confirm"
    response = client.post(url, data={"batch": fresh})
    assert response.status_code == 400 and "这批文件已处理或已过期，请重新上传。" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UploadedFile)) == 0
