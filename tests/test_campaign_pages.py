"""The coordinator's campaign pages over HTTP: forms, errors next to their fields, nothing typed lost."""
import io
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Campaign, CampaignState, LatePolicy, Role, Submission
from tests.conftest import login, login_with_token

BAD_DEFINITION = "title: 情况表\nfields:\n  - key: a\n    label: 甲\n  - key: b\n    type: essay\n    label: 乙\n"


@pytest.fixture
def coordinator(client, make_user):
    user = make_user(Role.coordinator)
    login(client, user)
    return user


@pytest.fixture
def tree(make_unit):
    root = make_unit("新乡市水利局")
    counties = [make_unit(name, parent=root) for name in ("卫辉市水利局", "辉县市水利局", "获嘉县水利局")]
    town = make_unit("卫辉市唐庄镇水利站", parent=counties[0])
    other = make_unit("北京市市场监督管理局")
    db.session.commit()
    return root, counties, town, other


def only_campaign():
    return db.session.scalar(sa.select(Campaign))


def test_list_links_to_new_and_to_each_campaign(client, coordinator, make_campaign, make_unit):
    own = make_campaign(units=[make_unit()], coordinator=coordinator)
    others = make_campaign("xinxiang_water_2023", units=[make_unit()])
    html = client.get("/coordinator/").get_data(as_text=True)
    assert 'href="/coordinator/campaigns/new"' in html
    assert f'href="/coordinator/campaigns/{own.id}"' in html
    assert f'href="/coordinator/campaigns/{others.id}"' not in html
    assert client.get(f"/coordinator/campaigns/{others.id}").status_code == 404


def test_create_from_preset_shifted_to_this_year(client, coordinator):
    page = client.get("/coordinator/campaigns/new").get_data(as_text=True)
    assert "新乡市水利局关于组织开展《质量强国建设纲要》学习活动的通知" in page and "2023-02-27 18:00 截止" in page
    response = client.post("/coordinator/campaigns/new/preset", data={"preset": "xinxiang_water_2023", "shift": "y"})
    campaign = only_campaign()
    assert response.headers["Location"] == f"/coordinator/campaigns/{campaign.id}"
    year = datetime.now(timezone(timedelta(hours=8))).year
    local = campaign.deliverables[0].deadline.astimezone(campaign.zone)
    assert (local.year, local.month, local.day, local.hour) == (year, 2, 27, 18)
    assert campaign.state is CampaignState.draft and campaign.coordinators == [coordinator]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{year}年2月27日" in html and "李述虎" in html


def test_create_from_preset_without_shift_keeps_2023(client, coordinator):
    client.post("/coordinator/campaigns/new/preset", data={"preset": "samr_2023_9"})
    assert only_campaign().deliverables[0].deadline.year == 2023


def test_a_preset_must_be_chosen(client, coordinator):
    response = client.post("/coordinator/campaigns/new/preset", data={"preset": "nonsense", "shift": "y"})
    assert response.status_code == 400 and "请选择一份通知。" in response.get_data(as_text=True)
    assert only_campaign() is None


def test_definition_errors_are_shown_by_line_and_the_text_is_kept(client, coordinator):
    response = client.post("/coordinator/campaigns/new/definition", data={
        "title": "关于报送学习情况的通知", "deadline": "2030-03-31T18:00", "definition": BAD_DEFINITION})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "第 6 行：第 2 个栏目：类型“essay”无效" in html
    assert 'id="definition-errors"' in html and 'aria-describedby="definition-hint definition-errors"' in html
    assert "  - key: b\n    type: essay" in html  # the text is still in the box
    assert 'value="关于报送学习情况的通知"' in html and 'value="2030-03-31T18:00"' in html
    assert only_campaign() is None


def test_definition_needs_a_deadline_somewhere(client, coordinator):
    response = client.post("/coordinator/campaigns/new/definition", data={
        "title": "通知", "definition": "title: 表\nfields: [{key: a, label: 甲}]\n"})
    assert response.status_code == 400 and "将使用这里的截止时间，请填写" in response.get_data(as_text=True)


def test_uploaded_gbk_definition_creates_a_campaign(client, coordinator):
    text = "title: 学习情况表\nfields:\n  - key: a\n    label: 学习情况\n    required: true\n"
    response = client.post("/coordinator/campaigns/new/definition", content_type="multipart/form-data", data={
        "title": "关于报送学习情况的通知", "deadline": "2030-03-31 18:00", "definition": "",
        "upload": (io.BytesIO(text.encode("gbk")), "表单.yaml")})
    assert response.status_code == 302
    campaign = only_campaign()
    [deliverable] = campaign.deliverables
    assert deliverable.form["fields"][0]["label"] == "学习情况"
    assert deliverable.deadline == datetime(2030, 3, 31, 10, 0, tzinfo=timezone.utc)
    assert campaign.contact_name == coordinator.name


def test_a_binary_upload_is_refused_next_to_the_upload(client, coordinator):
    response = client.post("/coordinator/campaigns/new/definition", content_type="multipart/form-data", data={
        "title": "通知", "definition": "", "upload": (io.BytesIO(b"PK\x03\x04\x00\x00"), "表单.docx")})
    assert response.status_code == 400 and "不要上传 Word 或 Excel 文件" in response.get_data(as_text=True)


@pytest.fixture
def drafted(client, coordinator, make_unit):
    client.post("/coordinator/campaigns/new/preset", data={"preset": "samr_2023_9", "shift": "y"})
    return only_campaign()


def edit_data(campaign, **changes):
    data = {"title": campaign.title, "doc_number": campaign.doc_number, "issuer": campaign.issuer,
            "issued_on": "2024-02-08", "contact_department": "质量发展局", "contact_name": "张俭",
            "contact_phone": "010-82262046", "contact_email": "zhangjian01@samr.gov.cn"}
    for i, d in enumerate(campaign.deliverables):
        data.update({f"deliverables-{i}-id": str(d.id), f"deliverables-{i}-deadline": "2030-03-31T23:59:59",
                     f"deliverables-{i}-late_policy": "flag", f"deliverables-{i}-cutoff": ""})
    data.update(changes)
    return data


def test_edit_changes_deadline_policy_and_contact(client, drafted):
    url = f"/coordinator/campaigns/{drafted.id}/edit"
    assert "补报截止时间" in client.get(url).get_data(as_text=True)
    response = client.post(url, data=edit_data(drafted, contact_phone="010-1234", **{
        "deliverables-0-late_policy": "cutoff", "deliverables-0-cutoff": "2030-04-07T18:00"}))
    assert response.status_code == 302
    db.session.expire_all()
    annex1 = drafted.deliverables[0]
    assert annex1.late_policy is LatePolicy.cutoff
    assert annex1.cutoff == datetime(2030, 4, 7, 10, 0, tzinfo=timezone.utc)
    assert drafted.contact_phone == "010-1234"


def test_edit_errors_are_next_to_the_field_and_keep_the_input(client, drafted):
    response = client.post(f"/coordinator/campaigns/{drafted.id}/edit", data=edit_data(drafted, **{
        "title": "", "contact_email": "不是邮箱", "deliverables-1-deadline": "明年",
        "deliverables-0-late_policy": "cutoff", "deliverables-0-cutoff": "2030-03-01T18:00"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写通知标题。" in html and "请填写正确的电子邮箱地址。" in html
    assert "请填写正确的日期和时间" in html and 'value="明年"' in html
    assert "补报截止时间应晚于填报截止时间。" in html and 'value="不是邮箱"' in html


def test_recipients_by_subtree_without_script(client, drafted, tree):
    root, counties, town, other = tree
    url = f"/coordinator/campaigns/{drafted.id}/recipients"
    html = client.get(url).get_data(as_text=True)
    assert f'name="subtree" value="{root.id}"' in html and "全部下级" in html
    response = client.post(url, data={"subtree": [str(root.id)], "unit": [str(other.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert {u.id for u in drafted.recipients} == {c.id for c in counties} | {town.id, other.id}


def test_recipients_refuse_garbage_ids(client, drafted, tree):
    response = client.post(f"/coordinator/campaigns/{drafted.id}/recipients", data={"unit": ["abc"]})
    assert response.status_code == 400 and "所选单位无效" in response.get_data(as_text=True)


def test_publish_past_deadline_asks_for_a_tick(client, drafted, tree, make_user):
    root, counties, *_ = tree
    client.post(f"/coordinator/campaigns/{drafted.id}/recipients", data={"subtree": [str(root.id)]})
    past = (datetime.now(timezone.utc) - timedelta(days=1)).astimezone(drafted.zone).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/coordinator/campaigns/{drafted.id}/edit", data=edit_data(drafted, **{"deliverables-0-deadline": past}))
    url = f"/coordinator/campaigns/{drafted.id}/publish"
    assert "截止时间已过，仍然发布" in client.get(url).get_data(as_text=True)
    refused = client.post(url, data={})
    assert refused.status_code == 400 and "的填报截止时间已过。仍要发布，请勾选确认" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert drafted.state is CampaignState.draft
    assert client.post(url, data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert drafted.state is CampaignState.published
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 4 * 2

    reporter = make_user(Role.reporter, unit=counties[0])
    client.post("/auth/logout")
    login(client, reporter)
    todo = client.get("/unit/").get_data(as_text=True)
    assert drafted.title in todo and "已逾期" in todo


def test_close_needs_a_tick_then_refuses_submissions(client, drafted, tree, make_user):
    root, counties, *_ = tree
    client.post(f"/coordinator/campaigns/{drafted.id}/recipients", data={"unit": [str(counties[0].id)]})
    client.post(f"/coordinator/campaigns/{drafted.id}/publish", data={"confirm": "y"})
    url = f"/coordinator/campaigns/{drafted.id}/close"
    refused = client.post(url, data={})
    assert refused.status_code == 400 and "确认结束，请勾选" in refused.get_data(as_text=True)
    assert client.post(url, data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert drafted.state is CampaignState.closed
    assert client.post(f"/coordinator/campaigns/{drafted.id}/edit", data=edit_data(drafted)).status_code == 400

    client.post("/auth/logout")
    login(client, make_user(Role.reporter, unit=counties[0]))
    response = client.post(f"/unit/deliverables/{drafted.deliverables[0].id}", data={"study": "学习", "action": "save"})
    assert response.status_code == 400 and "本次填报已结束" in response.get_data(as_text=True)


def test_remove_a_deliverable_from_the_edit_page(client, drafted):
    annex2 = drafted.deliverables[1]
    url = f"/coordinator/campaigns/{drafted.id}/deliverables/{annex2.id}/remove"
    client.post(url, data={})
    db.session.expire_all()
    assert len(drafted.deliverables) == 2
    client.post(url, data={"confirm": "y"})
    db.session.expire_all()
    assert [d.key for d in drafted.deliverables] == ["annex1"]


def test_a_fixed_number_of_essays_shows_that_many_blank_rows(client, make_unit, make_user, make_campaign):
    unit = make_unit("卫辉市水利局")
    campaign = make_campaign("xinxiang_water_2023", units=[unit])
    login(client, make_user(Role.reporter, unit=unit))
    html = client.get(f"/unit/deliverables/{campaign.deliverables[0].id}").get_data(as_text=True)
    assert 'id="essays-0-title"' in html and 'id="essays-1-post"' in html and 'id="essays-2-title"' not in html


@pytest.fixture
def csrf_client(make_app, app, coordinator):
    """A client of an app with CSRF on, logged in as the coordinator."""

    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    login_with_token(client, coordinator)
    return client


def test_an_expired_definition_page_keeps_the_text(csrf_client):
    response = csrf_client.post("/coordinator/campaigns/new/definition", data={
        "title": "关于报送学习情况的通知", "definition": "title: 表\nfields: [{key: a, label: 甲}]\n",
        "csrf_token": "expired"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "页面已过期（安全校验失败），您填写的内容已保留" in html
    assert "fields: [{key: a, label: 甲}]" in html and 'value="关于报送学习情况的通知"' in html
    assert only_campaign() is None


def test_an_expired_edit_page_keeps_the_input(csrf_client, coordinator, make_campaign, make_unit):
    campaign = make_campaign(units=[make_unit()], coordinator=coordinator)
    response = csrf_client.post(f"/coordinator/campaigns/{campaign.id}/edit",
                                data=edit_data(campaign, contact_name="新联系人", csrf_token="expired"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "您填写的内容已保留" in html and 'value="新联系人"' in html
    db.session.expire_all()
    assert campaign.contact_name != "新联系人"


def test_an_expired_page_of_another_campaign_is_still_not_found(csrf_client, make_campaign, make_unit):
    others = make_campaign(units=[make_unit()])
    response = csrf_client.post(f"/coordinator/campaigns/{others.id}/edit", data={"csrf_token": "expired"})
    assert response.status_code == 404
