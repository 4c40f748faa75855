"""Running a campaign without HTTP: presets, definitions, recipients, the state machine, late policies."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.definitions.schema import InvalidDefinition
from campaign.definitions.deliverables import load_deliverables_text, parse_deadline
from campaign.definitions.presets import load_preset
from campaign.models import AuditEntry, CampaignState, LatePolicy, Role, Submission, SubmissionState
from campaign.services import WorkflowError
from campaign.services.campaigns import (REFUSALS, TRANSITIONS, DeliverableSettings, PastDeadline, choose_recipients,
                                         close, create_from_definition, create_from_preset, expand_subtrees, publish,
                                         remove_deliverable, set_recipients, update_campaign)
from campaign.services.submissions import save_draft, submit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(moment):
    return moment.astimezone(SHANGHAI).replace(tzinfo=None)


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.coordinator)


@pytest.fixture
def tree(make_unit):
    """新乡市水利局 → 卫辉市水利局 (→ 两个乡镇水利站), 辉县市水利局; and an unrelated 北京."""
    root = make_unit("新乡市水利局")
    weihui = make_unit("卫辉市水利局", parent=root)
    towns = [make_unit("卫辉市唐庄镇水利站", parent=weihui), make_unit("卫辉市太公镇水利站", parent=weihui)]
    huixian = make_unit("辉县市水利局", parent=root)
    beijing = make_unit("北京市市场监督管理局")
    db.session.commit()
    return dict(root=root, weihui=weihui, towns=towns, huixian=huixian, beijing=beijing)


def in_days(days):
    return datetime.now(timezone.utc) + timedelta(days=days)


def draft(coordinator, units, preset="samr_2023_9", first_deadline=None):
    """A draft campaign whose first deadline is at `first_deadline` (default: ten days ahead)."""
    p = load_preset(preset)
    first = min(d.deadline for d in p.deliverables).replace(tzinfo=SHANGHAI)
    target = first_deadline or in_days(10)
    campaign = create_from_preset(p, user=coordinator, shift_by=target - first)
    set_recipients(campaign, units)
    db.session.commit()
    return campaign


def submission_of(deliverable, unit):
    return db.session.scalar(sa.select(Submission).filter_by(deliverable_id=deliverable.id, unit_id=unit.id))


# --- presets ---------------------------------------------------------------------------------------

def test_xinxiang_preset_follows_the_notice(coordinator):
    campaign = create_from_preset(load_preset("xinxiang_water_2023"), user=coordinator)
    assert campaign.state is CampaignState.draft and campaign.coordinators == [coordinator]
    assert (campaign.contact_name, campaign.contact_phone, campaign.contact_email) == (
        "李述虎", "2079642 18737374374", "xxssljjdk@163.com")
    [report] = campaign.deliverables
    assert local(report.deadline) == datetime(2023, 2, 27, 18, 0)  # 下班前
    assert report.late_policy is LatePolicy.flag
    fields = {f["key"]: f for f in report.form["fields"]}
    assert fields["report_text"]["label"] == "学习活动情况汇报" and fields["report_title"]["required"]
    assert fields["photos"]["type"] == "photos" and fields["photos"]["label"] == "相关信息和照片"
    essays = fields["essays"]
    assert essays["label"] == "优秀学习感想或体会" and (essays["min_rows"], essays["max_rows"]) == (2, 2)
    assert [c["label"] for c in essays["columns"]] == ["题目", "作者", "作者单位及职务", "正文"]
    assert all(c["required"] for c in essays["columns"])


def test_preset_without_shift_keeps_the_notice_dates(coordinator):
    campaign = create_from_preset(load_preset("samr_2023_9"), user=coordinator)
    assert [local(d.deadline) for d in campaign.deliverables] == [
        datetime(2023, 3, 31, 23, 59, 59), datetime(2023, 12, 31, 23, 59, 59)]
    assert campaign.issued_on == date(2023, 2, 8)
    assert campaign.doc_number == "国市监质发〔2023〕9号"


def test_preset_shifted_to_a_year_keeps_days_and_times(coordinator):
    samr = create_from_preset(load_preset("samr_2023_9"), user=coordinator, shift_to_year=2027)
    assert [local(d.deadline) for d in samr.deliverables] == [
        datetime(2027, 3, 31, 23, 59, 59), datetime(2027, 12, 31, 23, 59, 59)]
    assert samr.issued_on == date(2027, 2, 8)
    xinxiang = create_from_preset(load_preset("xinxiang_water_2023"), user=coordinator, shift_to_year=2027)
    assert local(xinxiang.deliverables[0].deadline) == datetime(2027, 2, 27, 18, 0)
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(campaign_id=xinxiang.id, action="campaign_created"))
    assert entry.detail == {"preset": "xinxiang_water_2023", "shifted_years": 4}


# --- definitions -----------------------------------------------------------------------------------

ONE_FORM = """\
title: 2024年质量月活动情况表
deadline: 2024-09-30 下班前
fields:
  - key: summary
    label: 活动开展情况
    required: true
    max_words: 2000
"""

TWO_WITH_ERRORS = """\
deliverables:
  - key: table
    short_title: 附件1
    title: 情况表
    deadline: 九月底
    fields:
      - key: a
        label: 甲
  - key: table
    title: 总结
    fields:
      - key: b
        type: essay
        label: 乙
"""


def test_a_single_form_definition_becomes_one_deliverable():
    [item] = load_deliverables_text(ONE_FORM)
    assert (item.key, item.title, item.deadline) == ("d1", "2024年质量月活动情况表", datetime(2024, 9, 30, 18, 0))
    assert item.form["fields"][0]["max_words"] == 2000


def test_definition_errors_name_their_lines_in_order():
    with pytest.raises(InvalidDefinition) as info:
        load_deliverables_text(TWO_WITH_ERRORS)
    found = [(e.line, e.message) for e in info.value.errors]
    assert [line for line, _ in found] == [5, 9, 13]
    assert "截止时间“九月底”无法识别" in found[0][1]
    assert found[1][1].startswith("第 2 个报送事项：") and "重复" in found[1][1]
    assert "类型“essay”无效" in found[2][1]


@pytest.mark.parametrize("text, line, fragment", [
    ("", None, "请粘贴或上传"),
    ("- a\n- b\n", 1, "应以 title"),
    ("title: 表\nfields:\n  - key: a\n   label: [\n", 4, "格式错误"),
    ("deliverables: []\n", 1, "至少包含一个报送事项"),
    ("title: 表\ndeliverables:\n  - title: 甲\n    fields: [{key: a, label: 甲}]\n", 1, "顶层只能有"),
])
def test_definition_problems_are_reported_with_a_line(text, line, fragment):
    with pytest.raises(InvalidDefinition) as info:
        load_deliverables_text(text)
    first = info.value.errors[0]
    assert first.line == line and fragment in first.message


@pytest.mark.parametrize("raw, expected", [
    ("2024-03-31", datetime(2024, 3, 31, 23, 59, 59)),
    ("2024-03-31 17:30", datetime(2024, 3, 31, 17, 30)),
    ("2024-03-31 下班前", datetime(2024, 3, 31, 18, 0)),
    (date(2024, 3, 31), datetime(2024, 3, 31, 23, 59, 59)),
])
def test_deadlines_are_read_as_notices_write_them(raw, expected):
    assert parse_deadline(raw, datetime(2000, 1, 1, 18).time()) == expected


def test_campaign_from_a_definition_uses_the_page_deadline_and_the_coordinator_as_contact(coordinator):
    definitions = load_deliverables_text(
        "deliverables:\n  - key: a\n    title: 甲表\n    fields: [{key: x, label: 甲}]\n"
        "  - key: b\n    title: 乙表\n    deadline: 2024-12-31\n    fields: [{key: y, label: 乙}]\n")
    campaign = create_from_definition(definitions, user=coordinator, title=" 关于报送学习情况的通知 ",
                                      default_deadline=datetime(2024, 6, 30, 17, 0))
    assert campaign.title == "关于报送学习情况的通知" and campaign.preset is None
    assert [local(d.deadline) for d in campaign.deliverables] == [datetime(2024, 6, 30, 17), datetime(2024, 12, 31, 23, 59, 59)]
    assert (campaign.contact_name, campaign.contact_email) == (coordinator.name, coordinator.email)


def test_definition_without_any_deadline_is_refused(coordinator):
    definitions = load_deliverables_text("title: 甲表\nfields: [{key: x, label: 甲}]\n")
    with pytest.raises(WorkflowError, match="没有截止时间"):
        create_from_definition(definitions, user=coordinator, title="通知", default_deadline=None)


# --- recipients ------------------------------------------------------------------------------------

def test_expand_subtrees_finds_every_descendant_but_not_the_root():
    pairs = [(1, None), (2, 1), (3, 2), (4, 2), (5, 1), (6, None), (7, 6)]
    assert expand_subtrees(pairs, [1]) == {2, 3, 4, 5}
    assert expand_subtrees(pairs, [2, 6]) == {3, 4, 7}
    assert expand_subtrees(pairs, []) == set()


def test_subtree_and_single_units_are_chosen_together(coordinator, tree):
    campaign = draft(coordinator, [])
    change = choose_recipients(campaign, user=coordinator, unit_ids=[tree["beijing"].id], subtree_ids=[tree["root"].id])
    names = [u.name for u in campaign.recipients]
    assert names == ["卫辉市水利局", "卫辉市唐庄镇水利站", "卫辉市太公镇水利站", "辉县市水利局", "北京市市场监督管理局"]
    assert [u.name for u in change.added] == names and change.removed == []
    change = choose_recipients(campaign, user=coordinator, subtree_ids=[tree["weihui"].id])
    assert [u.name for u in campaign.recipients] == ["卫辉市唐庄镇水利站", "卫辉市太公镇水利站"]
    assert len(change.removed) == 3


def test_unknown_units_are_refused(coordinator, tree):
    campaign = draft(coordinator, [])
    with pytest.raises(WorkflowError, match="已不存在"):
        choose_recipients(campaign, user=coordinator, unit_ids=[999_999])


def test_after_publish_new_recipients_get_submissions_and_idle_ones_can_go(coordinator, tree):
    campaign = draft(coordinator, [tree["weihui"]])
    publish(campaign, user=coordinator)
    choose_recipients(campaign, user=coordinator, unit_ids=[tree["huixian"].id])
    assert all(submission_of(d, tree["huixian"]).state is SubmissionState.not_started for d in campaign.deliverables)
    assert all(submission_of(d, tree["weihui"]) is None for d in campaign.deliverables)


def test_after_publish_a_unit_that_has_started_cannot_be_removed(coordinator, make_user, tree):
    unit = tree["weihui"]
    campaign = draft(coordinator, [unit, tree["huixian"]])
    publish(campaign, user=coordinator)
    reporter = make_user(Role.reporter, unit=unit)
    save_draft(submission_of(campaign.deliverables[0], unit), {"study": "学习"}, base_version=None, user=reporter)
    with pytest.raises(WorkflowError, match="卫辉市水利局已填写或报送材料"):
        choose_recipients(campaign, user=coordinator, unit_ids=[tree["huixian"].id])
    with pytest.raises(WorkflowError, match="至少需要一个报送单位"):
        choose_recipients(campaign, user=coordinator)


# --- the state machine -----------------------------------------------------------------------------

def campaign_in(state, coordinator, units):
    campaign = draft(coordinator, units)
    if state is not CampaignState.draft:
        publish(campaign, user=coordinator)
    if state is CampaignState.closed:
        close(campaign, user=coordinator)
    db.session.commit()
    return campaign


ACTIONS = {
    "publish": lambda c, user, units: publish(c, user=user),
    "close": lambda c, user, units: close(c, user=user),
    "edit": lambda c, user, units: update_campaign(c, user=user, details={"title": "新标题"}, deliverables={}),
    "recipients": lambda c, user, units: choose_recipients(c, user=user, unit_ids=[u.id for u in units]),
    "remove_deliverable": lambda c, user, units: remove_deliverable(c.deliverables[-1], user=user),
}


def test_every_action_is_in_the_transition_table():
    assert set(ACTIONS) == set(TRANSITIONS) == set(REFUSALS)


@pytest.mark.parametrize("state", list(CampaignState), ids=lambda s: s.value)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_is_allowed_only_from_its_states(coordinator, tree, state, action):
    units = [tree["weihui"], tree["huixian"]]
    campaign = campaign_in(state, coordinator, units[:1])
    if state in TRANSITIONS[action]:
        ACTIONS[action](campaign, coordinator, units)
        db.session.commit()
    else:
        before = campaign.state
        with pytest.raises(WorkflowError) as info:
            ACTIONS[action](campaign, coordinator, units)
        assert str(info.value) == REFUSALS[action]
        db.session.rollback()
        assert campaign.state is before


def test_publishing_creates_a_submission_per_recipient_and_deliverable(coordinator, tree):
    campaign = draft(coordinator, [tree["weihui"], tree["huixian"]])
    publish(campaign, user=coordinator)
    db.session.commit()
    assert campaign.state is CampaignState.published and campaign.published_at is not None
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Submission))
    assert count == 2 * len(campaign.deliverables)


def test_publishing_needs_recipients(coordinator):
    campaign = draft(coordinator, [])
    with pytest.raises(WorkflowError, match="请先选择需要报送的单位"):
        publish(campaign, user=coordinator)


def test_publishing_past_a_deadline_needs_confirmation(coordinator, tree):
    campaign = draft(coordinator, [tree["weihui"]], preset="xinxiang_water_2023", first_deadline=in_days(-1))
    with pytest.raises(PastDeadline) as info:
        publish(campaign, user=coordinator)
    assert info.value.deliverables == campaign.deliverables and "截止时间已过" in str(info.value)
    assert campaign.state is CampaignState.draft
    publish(campaign, user=coordinator, confirm_past_deadline=True)
    assert campaign.state is CampaignState.published


def test_closing_records_when(coordinator, tree):
    campaign = campaign_in(CampaignState.published, coordinator, [tree["weihui"]])
    close(campaign, user=coordinator)
    db.session.commit()
    assert campaign.state is CampaignState.closed and campaign.closed_at is not None
    actions = db.session.scalars(sa.select(AuditEntry.action).filter_by(campaign_id=campaign.id)).all()
    assert actions == ["campaign_created", "campaign_published", "campaign_closed"]


def test_a_deliverable_someone_started_cannot_be_removed(coordinator, make_user, tree):
    unit = tree["weihui"]
    campaign = campaign_in(CampaignState.published, coordinator, [unit])
    annex1, annex2 = campaign.deliverables
    save_draft(submission_of(annex1, unit), {"study": "学习"}, base_version=None,
               user=make_user(Role.reporter, unit=unit))
    with pytest.raises(WorkflowError, match="已有 1 个单位填写或报送"):
        remove_deliverable(annex1, user=coordinator)
    remove_deliverable(annex2, user=coordinator)
    assert campaign.deliverables == [annex1]
    with pytest.raises(WorkflowError, match="不能删除最后一个"):
        remove_deliverable(annex1, user=coordinator)


def test_editing_moves_deadlines_in_the_campaign_zone(coordinator, tree):
    campaign = draft(coordinator, [tree["weihui"]])
    annex1 = campaign.deliverables[0]
    changed = update_campaign(campaign, user=coordinator, details={"contact_phone": "010-1"}, deliverables={
        annex1.id: DeliverableSettings(datetime(2030, 4, 1, 17, 30), LatePolicy.cutoff, datetime(2030, 4, 8, 17, 30))})
    assert changed == ["contact_phone", "annex1.deadline", "annex1.late_policy", "annex1.cutoff"]
    assert annex1.deadline == datetime(2030, 4, 1, 9, 30, tzinfo=timezone.utc)
    assert annex1.cutoff == datetime(2030, 4, 8, 9, 30, tzinfo=timezone.utc)
    update_campaign(campaign, user=coordinator, details={}, deliverables={
        annex1.id: DeliverableSettings(datetime(2030, 4, 1, 17, 30), LatePolicy.close, datetime(2030, 4, 8))})
    assert annex1.cutoff is None  # only the 补报截止 policy keeps a second cut-off


def test_a_campaign_keeps_a_title(coordinator, tree):
    campaign = draft(coordinator, [tree["weihui"]])
    with pytest.raises(WorkflowError, match="请填写通知标题"):
        update_campaign(campaign, user=coordinator, details={"title": "  "}, deliverables={})


@pytest.mark.parametrize("cutoff, message", [(None, "请填写补报截止时间"), (datetime(2030, 4, 1), "应晚于填报截止时间")])
def test_a_second_cut_off_must_follow_the_deadline(coordinator, tree, cutoff, message):
    campaign = draft(coordinator, [tree["weihui"]])
    annex1 = campaign.deliverables[0]
    with pytest.raises(WorkflowError, match=message):
        update_campaign(campaign, user=coordinator, details={}, deliverables={
            annex1.id: DeliverableSettings(datetime(2030, 4, 1, 17, 30), LatePolicy.cutoff, cutoff)})


# --- late policies, enforced by the filing services -------------------------------------------------

@pytest.fixture
def filing(coordinator, make_user, tree):
    """A published campaign whose 附件1 is due in a day; returns (campaign, submission, reporter)."""
    unit = tree["weihui"]
    campaign = campaign_in(CampaignState.published, coordinator, [unit])
    annex1 = campaign.deliverables[0]
    annex1.deadline = in_days(1)
    db.session.commit()
    return campaign, submission_of(annex1, unit), make_user(Role.reporter, unit=unit)


def set_policy(submission, policy, cutoff=None):
    submission.deliverable.late_policy = policy
    submission.deliverable.cutoff = cutoff
    db.session.commit()


def test_flag_policy_accepts_late_and_marks_it(filing):
    _, submission, reporter = filing
    revision = submit(submission, {"study": "学习"}, base_version=None, user=reporter, now=in_days(3))
    assert revision.is_late and submission.is_late


def test_close_policy_refuses_after_the_deadline(filing):
    _, submission, reporter = filing
    set_policy(submission, LatePolicy.close)
    with pytest.raises(WorkflowError, match="已过报送截止时间"):
        save_draft(submission, {"study": "学习"}, base_version=None, user=reporter, now=in_days(1.01))
    with pytest.raises(WorkflowError, match="已过报送截止时间"):
        submit(submission, {"study": "学习"}, base_version=None, user=reporter, now=in_days(1.01))
    assert not submit(submission, {"study": "学习"}, base_version=None, user=reporter, now=in_days(0.99)).is_late


def test_cutoff_policy_accepts_late_until_the_second_cut_off(filing):
    _, submission, reporter = filing
    set_policy(submission, LatePolicy.cutoff, cutoff=in_days(3))
    with pytest.raises(WorkflowError, match="已过报送截止时间"):
        submit(submission, {"study": "学习"}, base_version=None, user=reporter, now=in_days(3.01))
    assert submit(submission, {"study": "学习"}, base_version=None, user=reporter, now=in_days(2.99)).is_late


def test_closed_campaign_refuses_submissions(filing, coordinator):
    campaign, submission, reporter = filing
    close(campaign, user=coordinator)
    db.session.commit()
    with pytest.raises(WorkflowError, match="本次填报已结束"):
        submit(submission, {"study": "学习"}, base_version=None, user=reporter)
    with pytest.raises(WorkflowError, match="本次填报已结束"):
        save_draft(submission, {"study": "学习"}, base_version=None, user=reporter)
