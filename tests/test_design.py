"""表单设计 without a browser: which changes a published form may take (pure), saving from the designer's
JSON or from YAML, the preview rendered by the unit form's templates, the audit of every change, a
refused change offered as a new deliverable, and a campaign started blank."""
import copy
import json

import pytest
import sqlalchemy as sa

from campaign.definitions.changes import compare_forms
from campaign.definitions.presets import load_preset
from campaign.extensions import db
from campaign.models import AuditEntry, Deliverable, Role, Submission, SubmissionState
from tests.conftest import login
from tests.helpers import annex1 as annex1_post

ANNEX1 = load_preset("samr_2023_9").deliverables[0].form
ANNEX2 = load_preset("samr_2023_9").deliverables[1].form


def edited(form: dict, change) -> dict:
    new = copy.deepcopy(form)
    change(new)
    return new


def field(form: dict, key: str) -> dict:
    return next(f for f in form["fields"] if f["key"] == key)


# --- what a published form may take ------------------------------------------------------------

@pytest.mark.parametrize("change,said", [
    (lambda f: field(f, "study").update(label="组织学习情况"), "栏目“组织开展学习情况”的名称改为“组织学习情况”"),
    (lambda f: field(f, "study").update(guidance="写明次数和人数。"), "栏目“组织开展学习情况”的填写说明改为“写明次数和人数。”"),
    (lambda f: f["fields"].append({**field(f, "study"), "key": "problems", "label": "存在的问题", "required": False}),
     "新增选填栏目“存在的问题”"),
    (lambda f: f["fields"].reverse(), "调整了栏目顺序"),
    (lambda f: field(f, "study").update(required=False), "栏目“组织开展学习情况”改为选填"),
    (lambda f: field(f, "documents")["columns"].append({"key": "date", "type": "text", "label": "印发时间",
                                                        "required": False, "max_words": None}),
     "新增选填的“出台贯彻落实《纲要》文件情况”的“印发时间”列"),
    (lambda f: f.update(title="新标题"), "标题改为“新标题”"),
])
def test_changes_that_keep_what_units_typed(change, said):
    changes = compare_forms(ANNEX1, edited(ANNEX1, change))
    assert changes.refused == [] and said in changes.kept


def test_a_raised_limit_is_kept_and_a_lowered_one_refused():
    raised = compare_forms(ANNEX2, edited(ANNEX2, lambda f: f["limits"][0].update(max_words=5000)))
    assert raised.kept == ["“工作总结”字数上限：3000 → 5000"] and raised.refused == []
    lowered = compare_forms(ANNEX2, edited(ANNEX2, lambda f: f["limits"][0].update(max_words=2000)))
    assert lowered.refused == ["“工作总结”字数上限：3000 → 2000。收紧后，已填写的内容可能不再符合要求"]
    removed = compare_forms(ANNEX2, edited(ANNEX2, lambda f: f.update(limits=[])))
    assert removed.kept == ["取消“工作总结”的字数限制"] and removed.refused == []


@pytest.mark.parametrize("change,said", [
    (lambda f: f["fields"].pop(0), "删除栏目“领导同志批示情况”：各单位已填写的这一栏内容会丢失"),
    (lambda f: field(f, "study").update(type="text"), "栏目“组织开展学习情况”由多行文字改为单行文字：已填写的内容无法转换"),
    (lambda f: f["fields"].append({**field(f, "study"), "key": "problems", "label": "存在的问题", "required": True}),
     "新增必填栏目“存在的问题”：已报送的单位没有填写这一栏。可改为选填"),
    (lambda f: field(f, "documents")["columns"].pop(), "删除“出台贯彻落实《纲要》文件情况”的“当前进展”列：已填写的这一列内容会丢失"),
    (lambda f: field(f, "study").update(max_words=100), "栏目“组织开展学习情况”字数上限：不限 → 100。收紧后，已填写的内容可能不再符合要求"),
    (lambda f: field(f, "documents").update(none_label=""), "栏目“出台贯彻落实《纲要》文件情况”取消“暂未出台贯彻落实《纲要》文件”选项：已勾选的单位会没有内容"),
])
def test_changes_that_would_lose_or_invalidate_what_was_typed_are_refused(change, said):
    assert said in compare_forms(ANNEX1, edited(ANNEX1, change)).refused


# --- over HTTP -----------------------------------------------------------------------------------

@pytest.fixture
def samr(client, make_campaign, make_unit):
    campaign = make_campaign("samr_2023_9", units=[make_unit("河南省市场监督管理局")], publish_it=False)
    login(client, campaign.coordinators[0])
    annex1 = campaign.deliverables[0]
    return campaign, annex1, f"/coordinator/campaigns/{campaign.id}/deliverables/{annex1.id}/design"


def save(client, url, form: dict, **extra):
    return client.post(url, data={"definition_json": json.dumps(form, ensure_ascii=False), "mode": "visual",
                                  "short_title": "附件1", **extra})


def test_the_design_page_shows_the_editor_state_the_yaml_and_the_units_preview(client, samr):
    campaign, annex1, url = samr
    page = client.get(url).get_data(as_text=True)
    state = json.loads(page.split('<script type="application/json" id="design-data">')[1].split("</script>")[0])
    assert state == annex1.form
    assert "label: 领导同志批示情况" in page  # the same form as YAML, for advanced users
    preview = page.split('id="preview"')[1]
    assert 'id="study"' in preview and "出台贯彻落实《纲要》文件情况" in preview and "暂未出台贯彻落实《纲要》文件" in preview


def test_preview_of_a_form_being_designed_and_of_one_still_incomplete(client, samr):
    campaign, annex1, url = samr
    form = edited(annex1.form, lambda f: f["fields"].append(
        {"key": "f9", "type": "text", "label": "填表人", "default": "{unit}办公室", "required": False}))
    html = client.post(url + "/preview", json=form).get_data(as_text=True)
    assert 'id="f9"' in html and "（单位名称）办公室" in html and "填表人" in html
    broken = client.post(url + "/preview", json=edited(form, lambda f: field(f, "f9").update(label="")))
    assert broken.status_code == 200 and "表格还不完整，预览暂停" in broken.get_data(as_text=True)
    assert client.post(url + "/preview", data="not json", content_type="application/json").status_code == 400


def test_a_draft_form_takes_any_change_and_each_change_is_audited(client, samr):
    campaign, annex1, url = samr
    form = edited(annex1.form, lambda f: (f["fields"].pop(0), field(f, "study").update(label="组织学习情况")))
    response = save(client, url, form)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Deliverable, annex1.id).form
    assert [f["label"] for f in saved["fields"]][:2] == ["组织学习情况", "出台贯彻落实《纲要》文件情况"]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "form_changed")).one()
    assert "删除栏目“领导同志批示情况”：各单位已填写的这一栏内容会丢失" in entry.detail["changes"]
    assert entry.detail["published"] is False


def test_a_published_form_refuses_a_removal_keeps_the_page_and_can_make_it_a_new_deliverable(
        client, make_campaign, make_unit):
    campaign = make_campaign("samr_2023_9", units=[make_unit("河北省市场监督管理局")], publish_it=True)
    login(client, campaign.coordinators[0])
    annex1 = campaign.deliverables[0]
    url = f"/coordinator/campaigns/{campaign.id}/deliverables/{annex1.id}/design"
    form = edited(annex1.form, lambda f: f["fields"].pop(0))
    refused = save(client, url, form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "删除栏目“领导同志批示情况”：各单位已填写的这一栏内容会丢失" in page and "另建为新的报送事项" in page
    # What was designed is shown again, not the saved form.
    state = json.loads(page.split('id="design-data">')[1].split("</script>")[0])
    assert state["fields"][0]["key"] == "study"
    db.session.expire_all()
    assert db.session.get(Deliverable, annex1.id).form == annex1.form
    as_new = save(client, url, form, action="as_new", short_title="附件3")
    assert as_new.status_code == 302
    db.session.expire_all()
    added = db.session.scalars(sa.select(Deliverable).where(Deliverable.campaign_id == campaign.id)
                               .order_by(Deliverable.sort_order)).all()[-1]
    assert added.short_title == "附件3" and added.form["fields"][0]["key"] == "study"
    assert added.deadline == annex1.deadline
    # A kept change goes through on the published form.
    ok = save(client, url, edited(annex1.form, lambda f: field(f, "study").update(guidance="写明次数和人数。")))
    assert ok.status_code == 302
    db.session.expire_all()
    assert field(db.session.get(Deliverable, annex1.id).form, "study")["guidance"] == "写明次数和人数。"


def test_yaml_saves_the_same_form_and_errors_are_shown_by_line(client, samr):
    campaign, annex1, url = samr
    page = client.get(url).get_data(as_text=True)
    import html
    yaml_text = html.unescape(page.split('name="yaml"')[1].split(">", 1)[1].split("</textarea>")[0]).lstrip("\n")
    changed = yaml_text.replace("label: 好的经验和做法", "label: 好的经验做法")
    assert client.post(url, data={"yaml": changed, "mode": "yaml", "short_title": "附件1"}).status_code == 302
    db.session.expire_all()
    assert field(db.session.get(Deliverable, annex1.id).form, "experience")["label"] == "好的经验做法"
    broken = client.post(url, data={"yaml": changed.replace("type: rows", "type: table"), "mode": "yaml",
                                    "short_title": "附件1"})
    assert broken.status_code == 400 and "类型“table”无效" in broken.get_data(as_text=True)
    assert "好的经验做法" in broken.get_data(as_text=True)


@pytest.mark.parametrize("posted", ["[" * 5000, '{"title": "x", "fields": "many"}', "x" * 300_000])
def test_hostile_designer_posts_are_refused_in_chinese(client, samr, posted):
    campaign, annex1, url = samr
    response = client.post(url, data={"definition_json": posted, "mode": "visual", "short_title": "附件1"})
    assert response.status_code == 400 and "未保存" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Deliverable, annex1.id).form == annex1.form


def test_a_blank_campaign_then_a_second_deliverable_to_design(client, make_user):
    login(client, make_user(Role.coordinator))
    created = client.post("/coordinator/campaigns/new/blank", data={
        "title": "关于报送2027年质量工作情况的通知", "issuer": "某市市场监督管理局", "deadline": "2027-03-31T17:30"})
    assert created.status_code == 302 and "/design" in created.location
    page = client.get(created.location).get_data(as_text=True)
    assert "表单设计：附件1" in page
    campaign_id = int(created.location.split("/campaigns/")[1].split("/")[0])
    added = client.post(f"/coordinator/campaigns/{campaign_id}/deliverables/design-new")
    assert added.status_code == 302 and "/design" in added.location
    deliverables = db.session.scalars(sa.select(Deliverable).where(Deliverable.campaign_id == campaign_id)
                                      .order_by(Deliverable.sort_order)).all()
    assert [d.short_title for d in deliverables] == ["附件1", "附件2"]
    assert deliverables[1].deadline == deliverables[0].deadline


def test_a_published_form_made_optional_in_the_designer_is_what_the_units_next_submit_follows(
        make_app, make_campaign, make_unit, make_user):
    unit = make_unit("河北省市场监督管理局")
    campaign = make_campaign("samr_2023_9", units=[unit], publish_it=True)
    annex1 = campaign.deliverables[0]
    reporter, coordinator = make_app().test_client(), make_app().test_client()
    login(reporter, make_user(Role.reporter, unit=unit))
    login(coordinator, campaign.coordinators[0])
    form_url = f"/unit/deliverables/{annex1.id}"
    without_study = {**annex1_post(), "study": "", "action": "submit"}
    refused = reporter.post(form_url, data=without_study)
    assert refused.status_code == 400 and "请填写“组织开展学习情况”。" in refused.get_data(as_text=True)
    design_url = f"/coordinator/campaigns/{campaign.id}/deliverables/{annex1.id}/design"
    assert save(coordinator, design_url, edited(annex1.form, lambda f: field(f, "study").update(
        required=False, label="组织学习情况"))).status_code == 302
    # The same post, to the changed form: accepted, and the page shows the new label.
    assert "组织学习情况" in reporter.get(form_url).get_data(as_text=True)
    accepted = reporter.post(form_url, data=without_study)
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/receipt")
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=annex1.id, unit_id=unit.id))
    assert stored.state is SubmissionState.submitted and stored.data["study"] == ""
