"""The coordinator's dashboard and review pages over HTTP, with e-mail read from a real SMTP server."""
import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import AuditEntry, Contact, Extension, Role, Submission, SubmissionState
from campaign.services.diff import diff_revisions, diff_text
from campaign.services.submissions import submit
from tests.conftest import csrf_from, login
from tests.helpers import annex1
from tests.smtp_server import TEMP_FAILURE

S = SubmissionState
REASON = "“组织开展学习情况”过于简略，请补充集中学习的时间和参加人数。"


@pytest.fixture
def review(app, client, make_unit, make_user, make_campaign, smtp_server):
    app.config.update(smtp_server.settings())
    beijing = make_unit("北京市市场监督管理局", email="bj@example.gov.cn")
    tianjin = make_unit("天津市市场监督管理委员会")
    reporter = make_user(Role.reporter, unit=beijing)
    campaign = make_campaign(units=[beijing, tianjin])
    deliverable = campaign.deliverables[0]
    submission = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=deliverable.id, unit_id=beijing.id))
    submit(submission, {"study": "召开党组会专题学习。", "publicity": "开设专栏。"}, base_version=None, user=reporter)
    submit_again = {"study": "召开党组会专题学习，120人参加。", "publicity": "开设专栏。"}
    db.session.commit()
    coordinator = campaign.coordinators[0]
    login(client, coordinator)
    return dict(unit=beijing, other=tianjin, reporter=reporter, campaign=campaign, deliverable=deliverable,
                submission=submission, coordinator=coordinator, again=submit_again, smtp=smtp_server)


def test_campaign_title_links_to_the_dashboard(client, review):
    page = client.get("/coordinator/").get_data(as_text=True)
    assert f'/coordinator/campaigns/{review["campaign"].id}/progress' in page


def test_dashboard_shows_counts_bars_chart_and_matrix(client, review):
    response = client.get(f"/coordinator/campaigns/{review['campaign'].id}/progress")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for heading in ("应报", "已报", "逾期", "草稿", "未填报", "已退回", "已采用", "完成率", "按时率"):
        assert f">{heading}</th>" in page
    assert '<progress max="100" value="50"' in page  # one of two units reported
    assert "<svg class=\"chart\"" in page and 'class="deadline"' in page
    assert "北京市市场监督管理局" in page and "天津市市场监督管理委员会" in page
    assert "style=" not in page and "<script>" not in page  # the CSP allows neither


def test_dashboard_filter_missing_lists_only_units_that_have_not_reported(client, review):
    d = review["deliverable"].id
    page = client.get(f"/coordinator/campaigns/{review['campaign'].id}/progress?show=missing&d={d}").get_data(as_text=True)
    matrix = page.split('id="matrix"', 1)[1]
    assert "天津市市场监督管理委员会" in matrix and "北京市市场监督管理局" not in matrix
    assert "共 1 家单位（未报）。时间均为北京时间。" in page


def test_review_page_shows_content_history_and_diff(client, review):
    s = review["submission"]
    s.state = S.draft  # withdrawn by the unit
    db.session.commit()
    submit(s, review["again"], base_version=None, user=review["reporter"])
    db.session.commit()
    page = client.get(f"/coordinator/submissions/{s.id}").get_data(as_text=True)
    assert "第 2 次报送" in page and s.revisions[0].receipt_no in page and s.revisions[1].receipt_no in page
    assert "第 1 次与第 2 次报送的差异" in page
    assert "<ins>，120人参加</ins>" in page
    assert "开展的重点和特色宣传贯彻工作 <small class=\"unchanged\">未修改</small>" in page
    same = client.get(f"/coordinator/submissions/{s.id}?a=2&b=1").get_data(as_text=True)
    assert "第 2 次与第 1 次报送的差异" in same and "<del>，120人参加</del>" in same


def test_return_needs_a_reason_and_keeps_what_was_typed(client, review):
    s = review["submission"]
    response = client.post(f"/coordinator/submissions/{s.id}/return", data={"reason": "  "})
    assert response.status_code == 400
    assert "请填写退回原因" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Submission, s.id).state is S.submitted
    assert not review["smtp"].messages


def test_return_emails_the_unit_and_the_reporter_sees_the_reason(app, client, review):
    s = review["submission"]
    response = client.post(f"/coordinator/submissions/{s.id}/return", data={"reason": REASON})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, s.id).state is S.returned
    [mail] = review["smtp"].messages
    assert mail.rcpt_tos == ("bj@example.gov.cn",)
    assert mail.message["Subject"].startswith("【已退回】")
    text = mail.message.get_body(("plain",)).get_content()
    assert REASON in text and f"http://campaign.test/unit/deliverables/{review['deliverable'].id}" in text
    assert REASON in mail.message.get_body(("html",)).get_content()
    assert db.session.scalar(sa.select(AuditEntry).filter_by(action="mail_returned")).detail["sent"] == [
        "bj@example.gov.cn"]
    dashboard = client.get(f"/coordinator/campaigns/{review['campaign'].id}/progress?show=returned").get_data(as_text=True)
    assert "已退回" in dashboard and REASON in dashboard

    login(client, review["reporter"])
    assert REASON in client.get("/unit/").get_data(as_text=True)
    form = client.get(f"/unit/deliverables/{review['deliverable'].id}").get_data(as_text=True)
    assert REASON in form and "请修改后重新报送" in form
    assert client.post(f"/unit/deliverables/{review['deliverable'].id}", data=annex1(action="submit")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, s.id).state is S.submitted


def test_accept_emails_the_unit_and_locks_the_submission(client, review):
    s = review["submission"]
    assert client.post(f"/coordinator/submissions/{s.id}/accept").status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, s.id).state is S.accepted
    [mail] = review["smtp"].messages
    assert mail.message["Subject"].startswith("【已采用】")
    # a second accept, a return and the unit's withdraw are all refused
    client.post(f"/coordinator/submissions/{s.id}/accept")
    assert "只有已报送的材料可以采用" in client.get(f"/coordinator/submissions/{s.id}").get_data(as_text=True)
    assert client.post(f"/coordinator/submissions/{s.id}/return", data={"reason": REASON}).status_code == 400
    login(client, review["reporter"])
    client.post(f"/unit/deliverables/{review['deliverable'].id}/withdraw")
    db.session.expire_all()
    assert db.session.get(Submission, s.id).state is S.accepted
    assert len(review["smtp"].messages) == 1


def test_mail_failure_is_reported_and_the_return_stands(client, review):
    review["smtp"].failure = TEMP_FAILURE
    s = review["submission"]
    response = client.post(f"/coordinator/submissions/{s.id}/return", data={"reason": REASON}, follow_redirects=True)
    assert "通知邮件未能发出" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Submission, s.id).state is S.returned
    assert db.session.scalar(sa.select(AuditEntry).filter_by(action="mail_returned")).detail["failed"]


def test_extension_with_reason_shown_to_the_unit(client, review):
    other = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=review["deliverable"].id,
                                                              unit_id=review["other"].id))
    local = (review["deliverable"].deadline + timedelta(days=3)).astimezone(review["campaign"].zone)
    url = f"/coordinator/submissions/{other.id}/extension"
    refused = client.post(url, data={"deadline": "明天", "reason": "受汛期影响"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "请填写正确的日期和时间，例如 2024-03-31 18:00" in page and "受汛期影响" in page  # nothing typed is lost
    early = client.post(url, data={"deadline": "2000-01-01T12:00", "reason": "受汛期影响"})
    assert "须晚于原截止时间" in early.get_data(as_text=True)
    assert client.post(url, data={"deadline": f"{local:%Y-%m-%dT%H:%M}", "reason": "受汛期影响"}).status_code == 302
    extension = db.session.scalar(sa.select(Extension))
    assert extension.reason == "受汛期影响" and extension.granted_by_id == review["coordinator"].id
    assert extension.deadline == review["deliverable"].deadline + timedelta(days=3) - timedelta(seconds=59)
    assert "已延期至" in client.get(f"/coordinator/campaigns/{review['campaign'].id}/progress").get_data(as_text=True)

    login(client, _reporter_of(review["other"]))
    todo = client.get("/unit/").get_data(as_text=True)
    assert "已延期：受汛期影响" in todo
    form = client.get(f"/unit/deliverables/{review['deliverable'].id}").get_data(as_text=True)
    assert "已延期" in form and "受汛期影响" in form and f"{local.month}月{local.day}日" in form


def _reporter_of(unit):
    from campaign.services.accounts import create_user
    from tests.conftest import PASSWORD

    user = create_user(username="tianjin", password=PASSWORD, role=Role.reporter, unit=unit)
    db.session.commit()
    return user


def test_review_forms_carry_csrf_tokens(make_app, make_unit, make_user, make_campaign):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        unit = make_unit()
        reporter = make_user(Role.reporter, unit=unit)
        campaign = make_campaign(units=[unit])
        s = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=campaign.deliverables[0].id))
        submit(s, {"study": "x"}, base_version=None, user=reporter)
        db.session.commit()
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        client.post("/auth/login", data={"username": campaign.coordinators[0].username,
                                         "password": "correct horse 1", "csrf_token": csrf_from(page)})
        page = client.get(f"/coordinator/submissions/{s.id}").get_data(as_text=True)
        assert len(re.findall(r'name="csrf_token"', page)) >= 4  # logout, accept, return, extension
        assert client.post(f"/coordinator/submissions/{s.id}/accept").status_code == 400
        db.session.expire_all()
        assert db.session.get(Submission, s.id).state is S.submitted


def test_diff_marks_characters_within_changed_lines():
    old, new = diff_text("第一段不变。\n参加人数50人。", "第一段不变。\n参加人数120人。")
    assert [(p.text, p.changed) for p in old] == [("第一段不变。\n参加人数", False), ("5", True), ("0人。", False)]
    assert [(p.text, p.changed) for p in new] == [("第一段不变。\n参加人数", False), ("12", True), ("0人。", False)]


def test_diff_covers_rows_and_first_revision():
    form = {"fields": [
        {"key": "study", "type": "textarea", "label": "组织开展学习情况"},
        {"key": "documents", "type": "rows", "label": "文件", "none_label": "暂未出台",
         "columns": [{"key": "name", "label": "文件名称"}]},
    ]}
    before = {"study": "学习。", "documents": [{"name": "实施方案"}], "documents_none": False}
    after = {"study": "学习。", "documents": [{"name": "实施方案"}, {"name": "工作要点"}], "documents_none": False}
    study, documents = diff_revisions(before, after, form)
    assert not study.changed and documents.changed
    assert "".join(p.text for p in documents.new if p.changed) == "第 2 项\n文件名称：工作要点"
    first = diff_revisions(None, after, form)
    assert all(f.changed for f in first)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="学习甲乙\n ab", max_size=40), st.text(alphabet="学习甲乙\n ab", max_size=40))
def test_diff_pieces_rebuild_both_texts(old, new):
    a, b = diff_text(old, new)
    assert "".join(p.text for p in a) == old and "".join(p.text for p in b) == new
    if old == new:
        assert not any(p.changed for p in a + b)


def test_dashboard_of_a_draft_campaign_shows_nothing_filed(client, make_unit, make_user, make_campaign):
    coordinator = make_user(Role.coordinator)
    campaign = make_campaign(units=[make_unit("北京市市场监督管理局")], coordinator=coordinator, publish_it=False)
    login(client, coordinator)
    page = client.get(f"/coordinator/campaigns/{campaign.id}/progress").get_data(as_text=True)
    assert "草稿" in page and "北京市市场监督管理局" in page and '<progress max="100" value="0"' in page


def test_each_contact_gets_a_message_of_their_own(client, review):
    review["unit"].contacts.append(Contact(name="第二联系人", email="bj2@example.gov.cn"))
    review["unit"].contacts.append(Contact(name="无邮箱", email=""))
    db.session.commit()
    client.post(f"/coordinator/submissions/{review['submission'].id}/accept")
    received = review["smtp"].messages
    assert [m.rcpt_tos for m in received] == [("bj@example.gov.cn",), ("bj2@example.gov.cn",)]
    assert [a.display_name for m in received for a in m.message["To"].addresses] == ["联系人1", "第二联系人"]
    assert all(m.message["Cc"] is None for m in received)


def test_history_marks_each_revision_filed_after_its_deadline_as_late_when_filed(client, review):
    """The per-revision badge says 报送时逾期 (decided by is_overdue at the submit), distinct from the
    standing's 逾期报送, which follows the unit's current deadline."""
    from campaign.services.review import extend

    s, deliverable = review["submission"], review["deliverable"]
    s.state = S.draft  # withdrawn by the unit
    db.session.commit()
    submit(s, review["again"], base_version=None, user=review["reporter"], now=deliverable.deadline + timedelta(hours=2))
    db.session.commit()
    page = client.get(f"/coordinator/submissions/{s.id}").get_data(as_text=True)
    history = page.split('id="history-title"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>第 (\d) 次</td>.*?</tr>", history, re.S)
    assert rows == ["1", "2"]
    cells = re.findall(r"<tr><td>第 \d 次</td>.*?<td>([^<]*(?:<span[^>]*>[^<]*</span>)?)</td></tr>", history, re.S)
    assert cells == ["按时", '<span class="badge late">报送时逾期</span>']
    # An extension granted afterwards makes the filing on time for the standing; the history keeps what it was.
    extend(s, deadline=deliverable.deadline + timedelta(days=1), reason="系统故障", user=review["coordinator"])
    db.session.commit()
    page = client.get(f"/coordinator/submissions/{s.id}").get_data(as_text=True)
    assert page.count("报送时逾期") == 1 and "逾期报送" not in page.split('id="history-title"', 1)[0]
