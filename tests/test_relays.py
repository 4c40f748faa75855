"""Relaying a notice down a level and compiling the units' material back up (services and pages)."""
import html
import io
import os
import re
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import AuditEntry, Gathering, Role, Submission, SubmissionState, UploadedFile, User, utcnow
from campaign.services import WorkflowError
from campaign.services.campaigns import DeliverableSettings, update_campaign
from campaign.services.demo import seed_demo
from campaign.services.relays import (LateRelay, RelayDeliverable, apply_gathering, create_relay, gather,
                                      gathering_state, relayed_deliverable)
from campaign.services.reminders.overview import previews
from campaign.services.review import extend, return_
from campaign.timefmt import format_instant
from campaign.services.submissions import get_submission, save_draft, submit, withdraw
from tests.conftest import annex1_data_for_relay, csrf_from, login
from tests.helpers import annex1 as annex1_form
from tests.helpers import demo_campaigns

DEMO_PASSWORD = "Relay-demo-check-2026"


def city_submission(world, city: str, deliverable_index: int = 0) -> Submission:
    relay = world["relay"]
    return db.session.scalar(sa.select(Submission).filter_by(
        deliverable_id=relay.deliverables[deliverable_index].id, unit_id=world["units"][city].id))


def test_a_relay_records_what_it_passes_down_and_who_runs_it(relay_world):
    relay, upper = relay_world["relay"], relay_world["upper"]
    assert relay.relays_campaign_id == upper.id and relay.relaying_unit.name == "河南省市场监督管理局"
    assert [d.relays_deliverable_id for d in relay.deliverables] == [d.id for d in upper.deliverables]
    assert [d.form for d in relay.deliverables] == [d.form for d in upper.deliverables]
    assert relay.coordinators == [relay_world["users"]["relay_coordinator"]]
    assert all(d.deadline < u.deadline for d, u in zip(relay.deliverables, upper.deliverables))
    assert relay.title == f"关于转发《{upper.title}》的通知"


def test_a_deadline_not_before_the_upper_one_needs_a_tick(app, make_unit, make_user, make_campaign):
    province = make_unit("山西省市场监督管理局")
    make_unit("太原市市场监督管理局", parent=province)
    upper = make_campaign(units=[province])
    reporter = make_user(Role.reporter, unit=province)
    late = [RelayDeliverable(upper.deliverables[0], upper.deliverables[0].deadline + timedelta(hours=1))]
    with pytest.raises(LateRelay, match="不早于本单位向上级报送的截止时间"):
        create_relay(upper, province, user=reporter, chosen=late, title="转发")
    relay = create_relay(upper, province, user=reporter, chosen=late, title="转发", confirm_late=True)
    assert relay.deliverables[0].deadline > upper.deliverables[0].deadline
    assert db.session.scalar(sa.select(AuditEntry).filter_by(action="relay_created")).detail["later_than_upper"]
    with pytest.raises(WorkflowError, match="已转发过"):
        create_relay(upper, province, user=reporter, chosen=late, title="转发", confirm_late=True)


def test_editing_a_relays_deadline_past_the_upper_one_needs_the_tick(relay_world):
    relay, user = relay_world["relay"], relay_world["users"]["relay_coordinator"]
    upper_deadline = relay_world["upper"].deliverables[0].deadline
    later = (upper_deadline + timedelta(days=1)).astimezone(relay.zone).replace(tzinfo=None)
    settings = {relay.deliverables[0].id: DeliverableSettings(later, relay.deliverables[0].late_policy, None)}
    with pytest.raises(LateRelay):
        update_campaign(relay, user=user, details={}, deliverables=settings)
    assert update_campaign(relay, user=user, details={}, deliverables=settings, confirm_late_relay=True)


def test_the_relay_page_shows_the_units_own_deadline_with_its_extension(client, make_unit, make_user,
                                                                         make_campaign):
    """An extension the upper level granted the province moves the deadline its relay is compared with."""
    province = make_unit("湖南省市场监督管理局")
    make_unit("长沙市市场监督管理局", parent=province)
    upper = make_campaign(units=[province])
    annex1 = upper.deliverables[0]
    reporter = make_user(Role.reporter, unit=province)
    extended = annex1.deadline + timedelta(days=3)
    extend(get_submission(annex1, province), deadline=extended, reason="汛期", user=upper.coordinators[0])
    db.session.commit()
    login(client, reporter)
    page = client.get(f"/relays/new/{upper.id}").get_data(as_text=True)
    section = page.split(f'id="relay-{annex1.id}"')[1].split("</fieldset>")[0]
    assert f"本单位向上级报送的截止时间：{format_instant(extended, upper.timezone)}" in section
    assert f"上级已为本单位延期，通知规定为 {format_instant(annex1.deadline, upper.timezone)}" in section
    other = page.split(f'id="relay-{upper.deliverables[1].id}"')[1].split("</fieldset>")[0]
    assert f"本单位向上级报送的截止时间：{format_instant(upper.deliverables[1].deadline, upper.timezone)}" in other
    assert "延期" not in other

    def post(deadline, tick=False):
        local = deadline.astimezone(upper.zone).strftime("%Y-%m-%dT%H:%M")
        return client.post(f"/relays/new/{upper.id}", data={
            "title": "转发", "contact_name": "李四", "contact_phone": "0731-1",
            "deliverables-0-id": str(annex1.id), "deliverables-0-chosen": "y", "deliverables-0-deadline": local,
            "deliverables-1-id": str(upper.deliverables[1].id), **({"confirm_late": "y"} if tick else {})})

    # After the extended deadline: refused, and the message names the deadline it compared with.
    refused = post(extended + timedelta(hours=1))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert (f"“{annex1.label}”的截止时间不早于本单位向上级报送的截止时间"
            f"（{format_instant(extended, upper.timezone)}，上级已为本单位延期") in text
    assert "截止时间晚于上级，仍然使用" in text
    # After the notice's deadline but before the extended one: no tick needed.
    response = post(annex1.deadline + timedelta(days=1))
    assert response.status_code == 302
    db.session.expire_all()
    relay = db.session.scalar(sa.select(type(upper)).filter_by(relays_campaign_id=upper.id))
    assert relay.deliverables[0].deadline > annex1.deadline
    edit = client.get(f"/coordinator/campaigns/{relay.id}/edit").get_data(as_text=True)
    assert f"本单位向上级报送的截止时间：{format_instant(extended, upper.timezone)}，上级已为本单位延期" in edit


def test_only_a_recipient_with_units_below_may_relay(relay_world):
    city = relay_world["units"]["zhengzhou"]
    upper = relay_world["upper"]
    with pytest.raises(WorkflowError, match="有下级单位"):
        create_relay(upper, city, user=relay_world["users"]["city_reporter"],
                     chosen=[RelayDeliverable(upper.deliverables[0], upper.deliverables[0].deadline)], title="")


def test_gathering_brings_rows_together_and_prefixes_texts(relay_world):
    kaifeng_data = annex1_data_for_relay() | {
        "study": "开封市局集中学习。",
        "documents": [{"name": "郑州市贯彻落实《纲要》实施方案", "issuer": "郑州市政府", "progress": "已印发"},
                      {"name": "开封市质量强市实施方案", "issuer": "开封市政府", "progress": "起草中"}]}
    kaifeng = city_submission(relay_world, "kaifeng")
    submit(kaifeng, kaifeng_data, base_version=None, user=relay_world["users"]["admin"])
    upper_annex1 = relay_world["upper"].deliverables[0]
    relayed = relayed_deliverable(upper_annex1, relay_world["units"]["henan"].id)
    gathered = gather(upper_annex1, relayed)
    assert [s.unit_name for s in gathered.sources] == ["郑州市市场监督管理局", "开封市市场监督管理局"]
    assert gathered.data["study"] == "【郑州市市场监督管理局】召开党组会专题学习。\n\n【开封市市场监督管理局】开封市局集中学习。"
    assert [r["name"] for r in gathered.data["documents"]] == ["郑州市贯彻落实《纲要》实施方案", "开封市质量强市实施方案"]
    assert gathered.data["documents"][1]["issuer"] == "开封市政府"
    assert "contact_name" not in gathered.data  # one-line fields stay the province's own


def test_gathering_an_outline_gathers_each_section_under_the_units_short_name(relay_world):
    """附件2 (an outline): each section gathers the units' text of that section, prefixed by their short name;
    a unit that left a section empty adds nothing to it; the title stays the province's own."""
    users, units = relay_world["users"], relay_world["units"]
    units["zhengzhou"].short_name, units["kaifeng"].short_name = "郑州", "开封"
    zhengzhou_text = {"title": "郑州市局工作总结", "learning": "党组会专题学习。", "documents": "印发实施方案。",
                      "activities": "开展质量月活动。", "experience": "清单化推进。", "exemplars": "郑州示范案例。"}
    kaifeng_text = {"title": "开封市局工作总结", "learning": "  集中学习三次。\n 部署到县区。 ", "documents": "",
                    "activities": "宣传进企业。", "experience": "以点带面。", "exemplars": "开封示范案例。"}
    for city, data in (("zhengzhou", zhengzhou_text), ("kaifeng", kaifeng_text)):
        submit(city_submission(relay_world, city, 1), data, base_version=None, user=users["admin"])
    upper_annex2 = relay_world["upper"].deliverables[1]
    assert upper_annex2.short_title == "附件2"
    relayed = relayed_deliverable(upper_annex2, units["henan"].id)
    gathered = gather(upper_annex2, relayed)
    assert [s.unit_name for s in gathered.sources] == ["郑州", "开封"] and gathered.due == 2
    assert gathered.data["learning"] == "【郑州】党组会专题学习。\n\n【开封】集中学习三次。\n 部署到县区。"
    assert gathered.data["documents"] == "【郑州】印发实施方案。"  # 开封 wrote nothing in this section
    assert gathered.data["activities"] == "【郑州】开展质量月活动。\n\n【开封】宣传进企业。"
    assert gathered.data["experience"] == "【郑州】清单化推进。\n\n【开封】以点带面。"
    assert gathered.data["exemplars"] == "【郑州】郑州示范案例。\n\n【开封】开封示范案例。"
    assert "title" not in gathered.data and gathered.skipped == []
    own = get_submission(upper_annex2, units["henan"])
    save_draft(own, {"title": "河南省市场监管局工作总结", "learning": "省局原稿"}, base_version=None,
               user=users["relay_coordinator"])
    apply_gathering(own, relayed, gathered, user=users["relay_coordinator"], base_version=own.version)
    db.session.commit()
    assert own.state is SubmissionState.draft
    assert own.data["title"] == "河南省市场监管局工作总结" and own.data["learning"].startswith("【郑州】党组会")


def test_only_reported_material_is_gathered(relay_world):
    zhengzhou = city_submission(relay_world, "zhengzhou")
    return_(zhengzhou, reason="请补充", user=relay_world["users"]["relay_coordinator"])
    save_draft(city_submission(relay_world, "kaifeng"), {"study": "草稿"}, base_version=None,
               user=relay_world["users"]["admin"])
    upper_annex1 = relay_world["upper"].deliverables[0]
    gathered = gather(upper_annex1, relayed_deliverable(upper_annex1, relay_world["units"]["henan"].id))
    assert gathered.sources == [] and gathered.data["study"] == "" and gathered.due == 2


def test_gathering_makes_a_draft_records_its_sources_and_notices_later_changes(relay_world):
    users, units = relay_world["users"], relay_world["units"]
    upper_annex1 = relay_world["upper"].deliverables[0]
    relayed = relayed_deliverable(upper_annex1, units["henan"].id)
    own = get_submission(upper_annex1, units["henan"])
    save_draft(own, {"contact_name": "王五", "contact_phone": "0371-1", "study": "省局原稿"}, base_version=None,
               user=users["relay_coordinator"])
    apply_gathering(own, relayed, gather(upper_annex1, relayed), user=users["relay_coordinator"],
                    base_version=own.version)
    db.session.commit()
    assert own.state is SubmissionState.draft  # never submitted by itself
    assert own.data["contact_name"] == "王五" and own.data["study"].startswith("【郑州市市场监督管理局】")
    gathering = db.session.scalar(sa.select(Gathering).filter_by(submission_id=own.id))
    assert [s["unit_id"] for s in gathering.sources] == [units["zhengzhou"].id]
    assert gathering_state(own, relayed).outdated == []
    # 开封 files, 郑州 withdraws: both are named as changed since the gathering.
    submit(city_submission(relay_world, "kaifeng"), annex1_data_for_relay(), base_version=None, user=users["admin"])
    withdraw(city_submission(relay_world, "zhengzhou"), user=users["city_reporter"])
    db.session.commit()
    assert sorted(gathering_state(own, relayed).outdated) == ["已撤回的单位", "开封市市场监督管理局"]


def test_the_province_relays_from_its_todo_and_compiles_up_on_its_form(client, relay_world, make_unit, make_user,
                                                                     make_campaign):
    users, units = relay_world["users"], relay_world["units"]
    upper = relay_world["upper"]
    login(client, users["relay_coordinator"])
    todo = client.get("/unit/").get_data(as_text=True)
    assert f'/coordinator/campaigns/{relay_world["relay"].id}/progress' in todo and "我转发的通知" in todo
    form_page = client.get(f"/unit/deliverables/{upper.deliverables[0].id}").get_data(as_text=True)
    assert "汇总上报" in form_page and "已报 1 家 / 应报 2 家" in form_page
    preview = client.get(f"/relays/deliverables/{upper.deliverables[0].id}/gather").get_data(as_text=True)
    assert "【郑州市市场监督管理局】召开党组会专题学习。" in preview and "确认汇入草稿" in preview
    response = client.post(f"/relays/deliverables/{upper.deliverables[0].id}/gather",
                           data={"csrf_token": csrf_from(preview), "fingerprint": "0" * 32, "version": "1"})
    assert response.status_code == 409 and "有了变化" in response.get_data(as_text=True)
    fresh = response.get_data(as_text=True)
    fingerprint = fresh.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]
    version = fresh.split('name="version" type="hidden" value="')[1].split('"')[0]
    response = client.post(f"/relays/deliverables/{upper.deliverables[0].id}/gather",
                           data={"fingerprint": fingerprint, "version": version})
    assert response.status_code == 302
    own = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=upper.deliverables[0].id,
                                                            unit_id=units["henan"].id))
    assert own.state is SubmissionState.draft and "郑州市贯彻落实" in str(own.data["documents"])


def test_refreshing_an_outdated_gathering_first_names_the_fields_it_will_replace(client, relay_world):
    users, units = relay_world["users"], relay_world["units"]
    annex1 = relay_world["upper"].deliverables[0]
    relayed = relayed_deliverable(annex1, units["henan"].id)
    own = get_submission(annex1, units["henan"])
    apply_gathering(own, relayed, gather(annex1, relayed), user=users["relay_coordinator"], base_version=None)
    save_draft(own, own.data | {"study": "省局改写的学习情况", "contact_name": "王五"}, base_version=None,
               user=users["relay_coordinator"])
    # 开封 files the same document as 郑州 (shown once) and texts of its own.
    submit(city_submission(relay_world, "kaifeng"), annex1_data_for_relay(), base_version=None, user=users["admin"])
    db.session.commit()
    login(client, users["relay_coordinator"])
    form = client.get(f"/unit/deliverables/{annex1.id}").get_data(as_text=True)
    assert "开封市市场监督管理局的材料有变化" in form and "查看差异并更新汇总" in form
    page = client.get(f"/relays/deliverables/{annex1.id}/gather").get_data(as_text=True)
    warning = page.split('id="replaced-fields">')[1].split("</p>")[0]
    assert warning.startswith("确认后，草稿中以下栏目的现有内容将被汇总后的内容替换："
                              "领导同志批示情况、组织开展学习情况、开展的重点和特色宣传贯彻工作、好的经验和做法。")
    assert "上次汇总后在这些栏目中所做的修改也会被替换" in warning
    assert "出台贯彻落实《纲要》文件情况" not in warning and "联系人" not in warning
    assert page.index('id="replaced-fields"') < page.index('class="diff"') < page.index("确认汇入草稿")
    response = client.post(f"/relays/deliverables/{annex1.id}/gather", data={
        "fingerprint": page.split('name="fingerprint" type="hidden" value="')[1].split('"')[0],
        "version": page.split('name="version" type="hidden" value="')[1].split('"')[0]})
    assert response.status_code == 302
    db.session.expire_all()
    assert own.data["study"] == "【郑州市市场监督管理局】召开党组会专题学习。\n\n【开封市市场监督管理局】召开党组会专题学习。"
    assert own.data["contact_name"] == "王五"  # not named, not replaced
    again = client.get(f"/relays/deliverables/{annex1.id}/gather").get_data(as_text=True)
    assert "汇总后的内容与现有草稿相同，确认后草稿不会变化。" in again


def test_relay_page_creates_a_draft_relay_with_earlier_deadlines(client, app, make_unit, make_user, make_campaign):
    province = make_unit("湖北省市场监督管理局")
    make_unit("武汉市市场监督管理局", parent=province)
    upper = make_campaign(units=[province])
    reporter = make_user(Role.reporter, unit=province)
    login(client, reporter)
    page = client.get(f"/relays/new/{upper.id}").get_data(as_text=True)
    earlier = (upper.deliverables[0].deadline - timedelta(days=2)).astimezone(upper.zone).replace(
        tzinfo=None, second=0, microsecond=0)
    assert "转发给下级" in page and upper.title in page
    fields = {"title": "关于转发的通知", "contact_name": "李四", "contact_phone": "027-1",
              "deliverables-0-id": str(upper.deliverables[0].id), "deliverables-0-chosen": "y",
              "deliverables-0-deadline": earlier.strftime("%Y-%m-%dT%H:%M"),
              "deliverables-1-id": str(upper.deliverables[1].id)}
    response = client.post(f"/relays/new/{upper.id}", data=fields)
    assert response.status_code == 302 and "/recipients" in response.headers["Location"]
    db.session.expire_all()
    relay = db.session.scalar(sa.select(type(upper)).filter_by(relays_campaign_id=upper.id))
    assert [d.key for d in relay.deliverables] == ["annex1"] and relay.contact_name == "李四"
    recipients = client.get(f"/coordinator/campaigns/{relay.id}/recipients").get_data(as_text=True)
    assert "武汉市市场监督管理局" in recipients and "湖北省市场监督管理局</label>" not in recipients
    assert relay.deliverables[0].deadline == earlier.replace(tzinfo=upper.zone)


def test_the_upper_levels_reminder_to_a_relaying_unit_says_how_its_units_stand(relay_world):
    upper, units = relay_world["upper"], relay_world["units"]
    pairs = [(upper.deliverables[0], units["henan"]), (upper.deliverables[0], units["hebei"])]
    messages = {p.unit.name: p.message for p in previews(upper, pairs, utcnow(), "manual_0")}
    assert "下级报送：贵单位已转发给下级单位：应报 2 家，已报 1 家，未报 1 家。" in messages["河南省市场监督管理局"].text
    assert "应报 1 家，已报 0 家，未报 1 家" in messages["河北省市场监督管理局"].html
    # A relay's own reminders go to its own units, from its own 联络员.
    relay = relay_world["relay"]
    own = previews(relay, [(relay.deliverables[0], units["kaifeng"])], utcnow(), "manual_0")
    assert [p.unit.name for p in own] == ["开封市市场监督管理局"] and "联络员 0371-1" in own[0].message.text
    assert "下级报送" not in own[0].message.text


README_WALK = "转发与汇总上报（一条链走一遍"


def readme_relay_steps() -> list[tuple[list[str], list[str]]]:
    """The README's relay walkthrough: for each numbered step, the accounts it logs in as and the page texts
    it quotes (“…”)."""
    with open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    section = text[text.index(README_WALK):]
    section = section[:section.index("\n\n", section.index("\n1. "))]
    steps = re.split(r"\n(?=\d\. )", section)[1:]
    return [(re.findall(r"`([a-z_]+)`", step), re.findall(r"“([^”]+)”", step)) for step in steps]


def visible(page: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded, white space collapsed)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def form_fields(data: dict) -> dict:
    """A stored annex1 draft as the form page posts it."""
    fields = {}
    for key, value in data.items():
        if isinstance(value, list):
            for i, row in enumerate(value):
                fields.update({f"{key}-{i}-{column}": text for column, text in row.items()})
        elif isinstance(value, str):
            fields[key] = value
    return fields


def test_the_readme_relay_walkthrough_in_its_order(app, client):
    """Walks the README's relay steps on the demo data, as the accounts it names, in its order, and finds every
    page text it quotes on the pages of that step."""
    seed_demo(password=DEMO_PASSWORD)
    db.session.commit()
    samr, _ = demo_campaigns()
    annex1 = samr.deliverables[0]
    account = {name: db.session.scalar(sa.select(User).filter_by(username=name))
               for name in ("henan", "ha_puyang", "samr")}
    henan, puyang = account["henan"].unit, account["ha_puyang"].unit
    relay = db.session.scalar(sa.select(type(samr)).filter_by(relays_campaign_id=samr.id, relaying_unit_id=henan.id))
    relay_annex1 = relay.deliverables[0]
    walked: list[tuple[list[str], list[str]]] = []

    # 1. 转发: 河南's 待办 leads to its relay's dashboard; the relay page lists its own deadlines.
    login(client, account["henan"], password=DEMO_PASSWORD)
    todo = client.get("/unit/").get_data(as_text=True)
    assert f'href="/coordinator/campaigns/{relay.id}/progress"' in todo
    relay_page = client.get(f"/relays/new/{samr.id}").get_data(as_text=True)
    progress = client.get(f"/coordinator/campaigns/{relay.id}/progress").get_data(as_text=True)
    assert "濮阳市市场监督管理局" in progress and "北京市市场监督管理局" not in progress
    assert db.session.scalar(sa.select(Submission).filter_by(deliverable_id=relay_annex1.id,
                                                             unit_id=puyang.id)).state is SubmissionState.not_started
    client.post("/auth/logout")
    walked.append((["henan"], [visible(todo), visible(relay_page), visible(progress)]))

    # 2. 濮阳 files the relayed 附件1, due three days before the ministry's.
    login(client, account["ha_puyang"], password=DEMO_PASSWORD)
    assert relay_annex1.deadline == annex1.deadline - timedelta(days=3)
    city_todo = client.get("/unit/").get_data(as_text=True)
    assert relay.title in city_todo and f"/unit/deliverables/{relay_annex1.id}" in city_todo
    city_form = client.get(f"/unit/deliverables/{relay_annex1.id}").get_data(as_text=True)
    filed = client.post(f"/unit/deliverables/{relay_annex1.id}", data=annex1_form(
        action="submit", study="濮阳市局召开专题学习会。", experience="濮阳：质量强市清单化推进。"))
    assert filed.status_code == 302
    puyang_submission = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=relay_annex1.id,
                                                                          unit_id=puyang.id))
    assert puyang_submission.state is SubmissionState.submitted
    walked.append((["ha_puyang"], [visible(city_todo), visible(city_form)]))
    client.post("/auth/logout")

    # 3. 河南 accepts 濮阳's material on its own dashboard.
    login(client, account["henan"], password=DEMO_PASSWORD)
    progress = client.get(f"/coordinator/campaigns/{relay.id}/progress").get_data(as_text=True)
    assert f'href="/coordinator/submissions/{puyang_submission.id}"' in progress
    review_page = client.get(f"/coordinator/submissions/{puyang_submission.id}").get_data(as_text=True)
    assert client.post(f"/coordinator/submissions/{puyang_submission.id}/accept").status_code == 302
    db.session.expire_all()
    assert puyang_submission.state is SubmissionState.accepted
    walked.append((["henan"], [visible(progress), visible(review_page)]))

    # 4. 河南 compiles up: the outdated gathering is refreshed through the preview, then submitted upwards.
    form = client.get(f"/unit/deliverables/{annex1.id}").get_data(as_text=True)
    assert "濮阳、南阳的材料有变化" in visible(form)
    preview = client.get(f"/relays/deliverables/{annex1.id}/gather").get_data(as_text=True)
    confirmed = client.post(f"/relays/deliverables/{annex1.id}/gather", data={
        "fingerprint": preview.split('name="fingerprint" type="hidden" value="')[1].split('"')[0],
        "version": preview.split('name="version" type="hidden" value="')[1].split('"')[0]})
    assert confirmed.status_code == 302
    own = get_submission(annex1, henan)
    db.session.refresh(own)
    assert "【濮阳】濮阳市局召开专题学习会。" in own.data["study"]
    submitted = client.post(f"/unit/deliverables/{annex1.id}",
                            data=form_fields(own.data) | {"action": "submit", "version": str(own.version)})
    assert submitted.status_code == 302, visible(submitted.get_data(as_text=True))[:600]
    db.session.expire_all()
    assert own.state is SubmissionState.submitted
    walked.append(([], [visible(form), visible(preview)]))
    client.post("/auth/logout")

    # 5. The ministry sees 河南's submission and its 下级报送 figure, opens the relay read-only, downloads.
    login(client, account["samr"], password=DEMO_PASSWORD)
    dashboard = client.get(f"/coordinator/campaigns/{samr.id}/progress").get_data(as_text=True)
    drill_down = client.get(f"/coordinator/campaigns/{relay.id}/progress").get_data(as_text=True)
    workbook = client.get(f"/reports/campaigns/{samr.id}/deliverables/{annex1.id}/xlsx")
    cells = [str(v) for sheet in openpyxl.load_workbook(io.BytesIO(workbook.data)).worksheets
             for row in sheet.iter_rows(values_only=True) for v in row if v]
    assert any("【濮阳】濮阳市局召开专题学习会。" in c for c in cells) and "河南省市场监督管理局" in cells
    walked.append((["samr"], [visible(dashboard), visible(drill_down)]))

    readme = readme_relay_steps()
    assert [accounts for accounts, _ in readme] == [accounts for accounts, _ in walked]
    for number, ((_, quotes), (_, pages)) in enumerate(zip(readme, walked), start=1):
        missing = [q for q in quotes if not any(q in page for page in pages)]
        assert not missing, f"README relay step {number} quotes text its pages do not show: {missing}"


def test_a_relaying_unit_adds_a_deliverable_of_its_own(client, relay_world):
    relay, units = relay_world["relay"], relay_world["units"]
    login(client, relay_world["users"]["relay_coordinator"])
    definition = ("key: local_practice\nshort_title: 附件3\ntitle: 本地区特色做法\n"
                  "fields:\n  - key: text\n    type: textarea\n    label: 特色做法\n    required: true\n")
    page = client.get(f"/coordinator/campaigns/{relay.id}/deliverables/add").get_data(as_text=True)
    deadline = (relay.deliverables[0].deadline - timedelta(days=1)).astimezone(relay.zone)
    response = client.post(f"/coordinator/campaigns/{relay.id}/deliverables/add", data={
        "csrf_token": csrf_from(page), "definition": definition, "deadline": deadline.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    db.session.expire_all()
    added = relay.deliverables[-1]
    assert added.key == "local_practice" and added.relays_deliverable_id is None
    # The relay is published: its units have it in their 待办 at once.
    assert db.session.scalar(sa.select(Submission).filter_by(deliverable_id=added.id, unit_id=units["kaifeng"].id))
    again = client.post(f"/coordinator/campaigns/{relay.id}/deliverables/add", data={
        "definition": definition, "deadline": deadline.strftime("%Y-%m-%dT%H:%M")})
    assert again.status_code == 400 and "重复" in again.get_data(as_text=True)
    assert definition.splitlines()[2] in again.get_data(as_text=True)  # what was typed is kept


HOSTILE = '<script>alert("x")</script>=HYPERLINK("http://evil.example","点我")'


def test_hostile_text_from_below_stays_text_all_the_way_up(client, relay_world, tmp_path):
    users, units = relay_world["users"], relay_world["units"]
    upper_annex1 = relay_world["upper"].deliverables[0]
    kaifeng = city_submission(relay_world, "kaifeng")
    submit(kaifeng, annex1_data_for_relay() | {"study": HOSTILE, "documents": [
        {"name": "=1+1", "issuer": "@SUM(A1)", "progress": "<b>已印发</b>"}]}, base_version=None, user=users["admin"])
    db.session.commit()
    login(client, users["relay_coordinator"])
    preview = client.get(f"/relays/deliverables/{upper_annex1.id}/gather").get_data(as_text=True)
    assert "<script>alert" not in preview and "&lt;script&gt;alert" in preview
    relayed = relayed_deliverable(upper_annex1, units["henan"].id)
    own = get_submission(upper_annex1, units["henan"])
    apply_gathering(own, relayed, gather(upper_annex1, relayed), user=users["relay_coordinator"], base_version=None)
    submit(own, own.data | {"contact_name": "王五", "contact_phone": "0371-1"}, base_version=None,
           user=users["relay_coordinator"])
    db.session.commit()
    client.post("/auth/logout")
    login(client, users["upper_coordinator"])
    response = client.get(f"/reports/campaigns/{relay_world['upper'].id}/deliverables/{upper_annex1.id}/xlsx")
    path = tmp_path / "up.xlsx"
    path.write_bytes(response.data)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    study = next(c for c in cells if HOSTILE in str(c.value))
    assert study.data_type == "s" and "【开封市市场监督管理局】" + HOSTILE in str(study.value)
    formula = next(c for c in cells if c.value == "=1+1")
    assert formula.data_type == "s"


def test_the_province_attaches_its_own_rollups_and_the_ministry_downloads_them(client, relay_world):
    users, upper = relay_world["users"], relay_world["upper"]
    annex1 = upper.deliverables[0]
    login(client, users["relay_coordinator"])
    response = client.post(f"/relays/deliverables/{annex1.id}/attach")
    assert response.status_code == 302
    form = client.get(f"/unit/deliverables/{annex1.id}").get_data(as_text=True)
    assert "汇总表" in form and "附件" in form
    own = get_submission(annex1, relay_world["units"]["henan"])
    kept = db.session.scalars(sa.select(UploadedFile).filter_by(submission_id=own.id)).all()
    assert sorted(k.extension for k in kept) == ["docx", "xlsx"] and all(k.is_attachment for k in kept)
    client.post("/auth/logout")
    login(client, users["upper_coordinator"])
    xlsx = next(k for k in kept if k.extension == "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/uploads/{xlsx.id}").data))
    cells = [str(v) for row in workbook.worksheets[0].iter_rows(values_only=True) for v in row if v]
    assert "郑州市市场监督管理局" in cells and "石家庄市市场监督管理局" not in cells  # its subtree only
    client.post("/auth/logout")
    login(client, users["neighbour_coordinator"])
    assert client.get(f"/uploads/{xlsx.id}").status_code == 404
