"""Units file the SAMR annexes: drafts, validation, submit, receipt, withdraw, late, conflicts."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import AuditEntry, Extension, LatePolicy, Revision, Role, Submission, SubmissionState, utcnow
from tests.conftest import login
from tests.helpers import annex1, annex2


@pytest.fixture
def setup(client, make_unit, make_user, make_campaign):
    unit = make_unit("北京市市场监督管理局")
    other = make_unit("天津市市场监督管理委员会")
    reporter = make_user(Role.reporter, unit=unit)
    campaign = make_campaign(units=[unit, other])
    login(client, reporter)
    a1, a2 = campaign.deliverables
    return dict(unit=unit, other=other, reporter=reporter, campaign=campaign, a1=a1, a2=a2)


def submission_of(deliverable, unit):
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission).filter_by(deliverable_id=deliverable.id, unit_id=unit.id))


def url(d):
    return f"/unit/deliverables/{d.id}"


def test_todo_lists_deadline_with_weekday_time_left_and_state(client, setup):
    page = client.get("/unit/").get_data(as_text=True)
    assert "附件1" in page and "附件2" in page
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日（星期[一二三四五六日]） 23:59 北京时间", page)
    assert "还剩" in page and "未填报" in page


def test_save_draft_keeps_incomplete_data(client, setup):
    response = client.post(url(setup["a1"]), data={"action": "save", "study": "只写了一半"})
    assert response.status_code == 302
    s = submission_of(setup["a1"], setup["unit"])
    assert s.state is SubmissionState.draft and s.data["study"] == "只写了一半"
    assert "只写了一半" in client.get(url(setup["a1"])).get_data(as_text=True)


def test_submit_gives_a_receipt_with_number_and_time(client, setup):
    response = client.post(url(setup["a1"]), data=annex1(action="submit"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/receipt")
    s = submission_of(setup["a1"], setup["unit"])
    assert s.state is SubmissionState.submitted and not s.is_late
    assert s.data["documents"] == [{"name": "贯彻落实《纲要》实施方案", "issuer": "省委、省政府", "progress": "已印发"}]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert s.receipt_no in page and "报送回执" in page and "北京时间" in page
    assert [r.number for r in s.revisions] == [1]
    assert db.session.scalar(sa.select(AuditEntry).filter_by(action="submitted")) is not None


@pytest.mark.parametrize("missing", ["leader_instructions", "study", "publicity", "experience", "contact_name",
                                     "contact_phone"])
def test_every_required_field_is_checked_and_nothing_is_lost(client, setup, missing):
    data = annex1(action="submit", **{missing: ""})
    response = client.post(url(setup["a1"]), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写“" in page
    for key, value in data.items():
        if key != "action" and value:
            assert value in page, key
    assert submission_of(setup["a1"], setup["unit"]).state is SubmissionState.not_started


def test_documents_need_a_row_or_the_none_tick(client, setup):
    data = annex1(action="submit", **{"documents-0-name": None, "documents-0-issuer": None, "documents-0-progress": None})
    response = client.post(url(setup["a1"]), data=data)
    assert response.status_code == 400
    assert "或勾选“暂未出台贯彻落实《纲要》文件”" in response.get_data(as_text=True)
    data["documents_none"] = "y"
    assert client.post(url(setup["a1"]), data=data).status_code == 302
    s = submission_of(setup["a1"], setup["unit"])
    assert s.data["documents"] == [] and s.data["documents_none"] is True


def test_a_partly_filled_document_row_is_refused_and_blank_rows_ignored(client, setup):
    data = annex1(action="submit", **{"documents-1-name": "第二个文件", "documents-2-name": "", "documents-2-issuer": ""})
    response = client.post(url(setup["a1"]), data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请填写“发文主体”" in page and "第二个文件" in page


def test_rows_are_kept_in_order_with_gaps_in_numbering(client, setup):
    data = annex1(action="submit", **{"documents-5-name": "乙", "documents-5-issuer": "省政府", "documents-5-progress": "起草中"})
    assert client.post(url(setup["a1"]), data=data).status_code == 302
    names = [d["name"] for d in submission_of(setup["a1"], setup["unit"]).data["documents"]]
    assert names == ["贯彻落实《纲要》实施方案", "乙"]


def test_summary_over_3000_is_refused_with_the_count_and_every_field_kept(client, setup):
    long = "学" * 600
    data = annex2(long, exemplars="学" * 601, action="submit")  # 3001 字
    response = client.post(url(setup["a2"]), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "共 3001 字" in page and "还需删减 1 字" in page
    assert page.count(long) >= 4 and "学" * 601 in page
    data["exemplars"] = "学" * 600
    assert client.post(url(setup["a2"]), data=data).status_code == 302


def test_summary_limit_counts_like_word(client, setup):
    # 2990 Han characters plus 10 Latin words: exactly 3000.
    text = "学" * 590
    data = annex2(text, action="submit", exemplars="学" * 630 + " word" * 10)
    assert client.post(url(setup["a2"]), data=data).status_code == 302


def test_text_is_stored_normalised(client, setup):
    client.post(url(setup["a1"]), data={"action": "save", "study": "第一行\r\n第二行\re\u0301"})
    assert submission_of(setup["a1"], setup["unit"]).data["study"] == "第一行\n第二行\né"


def test_withdraw_before_acceptance_then_resubmit_creates_a_second_revision(client, setup):
    client.post(url(setup["a1"]), data=annex1(action="submit"))
    assert client.post(url(setup["a1"]) + "/withdraw").status_code == 302
    s = submission_of(setup["a1"], setup["unit"])
    assert s.state is SubmissionState.draft
    client.post(url(setup["a1"]), data=annex1(action="submit", study="补充后的学习情况"))
    s = submission_of(setup["a1"], setup["unit"])
    assert [r.number for r in s.revisions] == [1, 2]
    assert s.revisions[0].data["study"] == "召开党组会专题学习。"
    assert s.revisions[1].data["study"] == "补充后的学习情况"


def test_a_submitted_form_cannot_be_changed_without_withdrawing(client, setup):
    client.post(url(setup["a1"]), data=annex1(action="submit"))
    response = client.post(url(setup["a1"]), data=annex1(action="save", study="偷偷修改"))
    assert response.status_code == 400 and "请先撤回" in response.get_data(as_text=True)
    assert submission_of(setup["a1"], setup["unit"]).data["study"] == "召开党组会专题学习。"


def test_revisions_are_immutable(client, setup):
    client.post(url(setup["a1"]), data=annex1(action="submit"))
    revision = db.session.scalar(sa.select(Revision))
    revision.data = {"changed": True}
    with pytest.raises(ValueError):
        db.session.flush()
    db.session.rollback()


def test_late_submission_is_accepted_and_flagged(client, setup):
    setup["a1"].deadline = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert client.post(url(setup["a1"]), data=annex1(action="submit")).status_code == 302
    s = submission_of(setup["a1"], setup["unit"])
    assert s.is_late and s.revisions[0].is_late
    assert "报送时逾期" in client.get(url(setup["a1"]) + "/receipt").get_data(as_text=True)


def test_close_policy_refuses_after_the_deadline_keeping_the_text(client, setup):
    setup["a1"].deadline = utcnow() - timedelta(minutes=1)
    setup["a1"].late_policy = LatePolicy.close
    db.session.commit()
    response = client.post(url(setup["a1"]), data=annex1(action="submit"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "不再接收" in page and "召开党组会专题学习。" in page
    assert submission_of(setup["a1"], setup["unit"]).state is SubmissionState.not_started


def test_an_extension_lets_the_unit_submit_on_time_after_the_closed_deadline(client, setup):
    a1 = setup["a1"]
    a1.deadline = utcnow() - timedelta(hours=1)
    a1.late_policy = LatePolicy.close
    a1.extensions.append(Extension(unit_id=setup["unit"].id, deadline=utcnow() + timedelta(days=1), reason="汛期"))
    db.session.commit()
    page = client.get(url(a1)).get_data(as_text=True)
    assert "已延期（原截止" in page and "汛期" in page
    response = client.post(url(a1), data=annex1(action="submit"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/receipt")
    s = submission_of(a1, setup["unit"])
    assert s.state is SubmissionState.submitted and not s.is_late and not s.revisions[0].is_late


def test_cutoff_policy_accepts_until_the_second_cutoff(client, setup):
    a1 = setup["a1"]
    a1.deadline = utcnow() - timedelta(days=2)
    a1.late_policy = LatePolicy.cutoff
    a1.cutoff = utcnow() + timedelta(days=1)
    db.session.commit()
    assert client.post(url(a1), data=annex1(action="submit")).status_code == 302
    assert submission_of(a1, setup["unit"]).is_late
    client.post(url(a1) + "/withdraw")
    a1.cutoff = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.post(url(a1), data=annex1(action="submit")).status_code == 400


def test_two_members_editing_at_once_the_second_save_is_refused_with_both_versions(client, app, setup, make_user):
    colleague = make_user(Role.reporter, unit=setup["unit"])
    client.post(url(setup["a1"]), data={"action": "save", "study": "初稿"})
    version = str(submission_of(setup["a1"], setup["unit"]).version)
    other = app.test_client()
    login(other, colleague)
    assert other.post(url(setup["a1"]), data={"action": "save", "study": "同事的版本", "version": version}).status_code == 302
    response = client.post(url(setup["a1"]), data={"action": "save", "study": "我的版本", "version": version})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "我的版本" in page and "同事的版本" in page and "合并" in page
    assert submission_of(setup["a1"], setup["unit"]).data["study"] == "同事的版本"


def test_autosave_stores_the_draft_and_reports_conflicts(client, setup):
    response = client.post(url(setup["a1"]) + "/autosave", data={"study": "自动保存的内容"})
    assert response.status_code == 200 and response.json["ok"]
    version = response.json["version"]
    response = client.post(url(setup["a1"]) + "/autosave", data={"study": "再次保存", "version": str(version)})
    assert response.json["ok"] and response.json["version"] == version + 1
    stale = client.post(url(setup["a1"]) + "/autosave", data={"study": "旧版本", "version": str(version)})
    assert stale.status_code == 409 and stale.json["conflict"]
    assert submission_of(setup["a1"], setup["unit"]).data["study"] == "再次保存"


def test_fresh_summary_title_is_suggested_with_the_unit_name(client, setup):
    page = client.get(url(setup["a2"])).get_data(as_text=True)
    assert "北京市市场监督管理局学习宣传贯彻《质量强国建设纲要》工作总结" in page
    assert "主要包括：领导批示、集中学习、作出部署等情况。" in page
    assert 'data-limit="3000"' in page
