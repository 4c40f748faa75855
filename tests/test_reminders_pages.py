"""The coordinator's 催报 page: owing units, preview, send once, schedules, failures."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Reminder, ReminderStatus, Role, Submission
from campaign.services.reminders import queue_manual, run_pass, send_queued
from campaign.services.review import return_
from campaign.services.submissions import get_submission, submit
from tests.helpers import annex1
from tests.reminder_helpers import SENDER, reminder_header, to_address, zone_at


@pytest.fixture
def setting(app, smtp_server, make_unit, make_user, make_campaign, login_as):
    app.config.update(smtp_server.settings(MAIL_DEFAULT_SENDER=SENDER))
    owing = make_unit("北京市市场监督管理局", email="bj@units.example.cn")
    filed = make_unit("天津市市场监督管理委员会", email="tj@units.example.cn")
    returned = make_unit("河北省市场监督管理局", email="hb@units.example.cn")
    coordinator = make_user(Role.coordinator)
    campaign = make_campaign(units=[owing, filed, returned], coordinator=coordinator)
    campaign.timezone = zone_at(14)
    annex = campaign.deliverables[0]
    for unit in (filed, returned):
        reporter = make_user(Role.reporter, unit=unit, email=unit.contacts[0].email)
        submit(get_submission(annex, unit), annex1(), base_version=None, user=reporter)
    return_(get_submission(annex, returned), reason="联系人电话缺少区号，请补充。", user=coordinator)
    db.session.commit()
    login_as(coordinator)
    return dict(campaign=campaign, annex=annex, owing=owing, filed=filed, returned=returned,
                coordinator=coordinator)


def page_url(campaign):
    return f"/coordinator/campaigns/{campaign.id}/reminders/"


def test_page_lists_only_owing_units_with_a_checkbox_and_the_return_reason(client, setting):
    html = client.get(page_url(setting["campaign"])).get_data(as_text=True)
    annex = setting["annex"]
    assert f'value="{annex.id}:{setting["owing"].id}"' in html
    assert f'value="{annex.id}:{setting["returned"].id}"' in html
    assert f'value="{annex.id}:{setting["filed"].id}"' not in html
    assert "退回原因：联系人电话缺少区号，请补充。" in html
    assert "bj@units.example.cn" in html


def test_preview_shows_each_message_and_sends_nothing(client, setting, smtp_server):
    annex, campaign = setting["annex"], setting["campaign"]
    response = client.post(page_url(campaign) + "preview",
                           data={"selected": [f"{annex.id}:{setting['owing'].id}", f"{annex.id}:{setting['returned'].id}"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "催报预览（2 封）" in html
    assert "【退回修改】附件1：请修改后重新报送（河北省市场监督管理局）" in html
    assert "联系人电话缺少区号，请补充。" in html and "bj@units.example.cn" in html
    assert re.search(r'name="key"[^>]*value="[0-9a-f]{32}"', html)
    assert smtp_server.messages == [] and db.session.scalar(sa.select(sa.func.count(Reminder.id))) == 0


def test_preview_without_a_selection_says_what_to_do(client, setting):
    response = client.post(page_url(setting["campaign"]) + "preview", data={})
    assert response.status_code == 400
    assert "请至少勾选一个单位，再预览催报。" in response.get_data(as_text=True)


def test_send_delivers_once_and_a_resubmitted_form_sends_nothing_more(client, setting, smtp_server):
    annex, campaign = setting["annex"], setting["campaign"]
    preview = client.post(page_url(campaign) + "preview",
                          data={"selected": [f"{annex.id}:{setting['owing'].id}"]}).get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([0-9a-f]{32})"', preview).group(1)
    form = {"selected": [f"{annex.id}:{setting['owing'].id}"], "key": key}
    first = client.post(page_url(campaign) + "send", data=form, follow_redirects=True).get_data(as_text=True)
    assert "已发送 1 封催报。" in first
    second = client.post(page_url(campaign) + "send", data=form, follow_redirects=True).get_data(as_text=True)
    assert "这些催报已经发出，未重复发送。" in second
    [got] = smtp_server.messages
    assert to_address(got) == "bj@units.example.cn" and reminder_header(got.message)[1] == f"manual-{key}"
    assert "北京市市场监督管理局" in got.message.get_body(("plain",)).get_content()
    [row] = db.session.scalars(sa.select(Reminder)).all()
    assert row.status is ReminderStatus.sent and row.requested_by_id == setting["coordinator"].id
    assert "手动催报" in second and "已发送" in second


def test_a_new_preview_is_a_new_reminder(client, setting, smtp_server):
    annex, campaign = setting["annex"], setting["campaign"]
    for _ in range(2):
        preview = client.post(page_url(campaign) + "preview",
                              data={"selected": [f"{annex.id}:{setting['owing'].id}"]}).get_data(as_text=True)
        key = re.search(r'name="key"[^>]*value="([0-9a-f]{32})"', preview).group(1)
        client.post(page_url(campaign) + "send", data={"selected": [f"{annex.id}:{setting['owing'].id}"], "key": key})
    assert len(smtp_server.messages) == 2


def test_send_with_a_forged_key_or_a_unit_that_filed_is_refused(client, setting, smtp_server):
    annex, campaign = setting["annex"], setting["campaign"]
    bad_key = client.post(page_url(campaign) + "send",
                          data={"selected": [f"{annex.id}:{setting['owing'].id}"], "key": "x' OR 1=1"})
    assert bad_key.status_code == 400 and "页面已失效，请重新预览后再发送。" in bad_key.get_data(as_text=True)
    filed = client.post(page_url(campaign) + "send",
                        data={"selected": [f"{annex.id}:{setting['filed'].id}"], "key": "a" * 32})
    assert filed.status_code == 400 and "所选单位均已报送，无需催报。" in filed.get_data(as_text=True)
    assert smtp_server.messages == []


def test_manual_send_in_quiet_hours_waits_for_eight(client, setting, smtp_server):
    campaign, annex = setting["campaign"], setting["annex"]
    campaign.timezone = zone_at(23)
    db.session.commit()
    preview = client.post(page_url(campaign) + "preview",
                          data={"selected": [f"{annex.id}:{setting['owing'].id}"]}).get_data(as_text=True)
    assert "夜间免打扰时段" in preview
    key = re.search(r'name="key"[^>]*value="([0-9a-f]{32})"', preview).group(1)
    page = client.post(page_url(campaign) + "send", data={"selected": [f"{annex.id}:{setting['owing'].id}"],
                                                          "key": key}, follow_redirects=True)
    assert "1 封催报将于" in page.get_data(as_text=True) and smtp_server.messages == []
    [row] = db.session.scalars(sa.select(Reminder)).all()
    assert row.status is ReminderStatus.queued
    def manual_sent():
        return [r for r in smtp_server.messages if reminder_header(r.message)[1].startswith("manual-")]

    run_pass(row.due_at - timedelta(minutes=1))
    assert manual_sent() == []
    run_pass(row.due_at)
    assert [reminder_header(r.message)[1] for r in manual_sent()] == [f"manual-{key}"]


def test_queued_manual_reminder_is_skipped_if_the_unit_files_first(app, setting, smtp_server, make_user):
    campaign, annex, owing = setting["campaign"], setting["annex"], setting["owing"]
    campaign.timezone = zone_at(23)
    db.session.commit()
    now = datetime.now(timezone.utc)
    ids, _ = queue_manual(campaign, [(annex, owing)], key="b" * 32, user=setting["coordinator"], now=now)
    submission = db.session.scalar(sa.select(Submission).filter_by(unit_id=owing.id, deliverable_id=annex.id))
    submit(submission, annex1(), base_version=None, user=make_user(Role.reporter, unit=owing))
    db.session.commit()
    report = send_queued(ids, db.session.get(Reminder, ids[0]).due_at)
    assert report.count("skipped") == 1 and smtp_server.messages == []
    assert db.session.get(Reminder, ids[0]).status is ReminderStatus.skipped


def test_failures_show_on_the_page(client, setting, smtp_server):
    smtp_server.stop()
    run_pass()
    html = client.get(page_url(setting["campaign"])).get_data(as_text=True)
    assert "发送异常" in html and "发送失败，将自动重试" in html and "ConnectionRefusedError" in html


def test_schedule_is_saved_and_used(client, setting):
    campaign, annex = setting["campaign"], setting["annex"]
    prefix = f"d{annex.id}-"
    response = client.post(page_url(campaign) + f"schedule/{annex.id}", data={
        prefix + "days_before": "5，2", prefix + "on_deadline_day": "y", prefix + "overdue_every_days": "3",
        prefix + "overdue_max": "2"}, follow_redirects=True)
    assert "截止前5、2天；截止当天；逾期后每3天一次，最多2次" in response.get_data(as_text=True)
    db.session.refresh(annex)
    assert annex.reminder_schedule == {"on_publish": False, "days_before": [5, 2], "on_deadline_day": True,
                                       "overdue_every_days": 3, "overdue_max": 2}


def test_invalid_schedule_is_shown_again_with_the_error_next_to_the_field(client, setting):
    campaign, annex = setting["campaign"], setting["annex"]
    prefix = f"d{annex.id}-"
    response = client.post(page_url(campaign) + f"schedule/{annex.id}", data={
        prefix + "days_before": "7,三天", prefix + "overdue_every_days": "99", prefix + "overdue_max": "2"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“三天”不是 1 到 60 之间的整数天数" in html and 'value="7,三天"' in html
    assert "请填写 0 到 30 之间的整数。" in html and 'value="99"' in html
    db.session.refresh(annex)
    assert annex.reminder_schedule is None


def test_schedule_of_another_campaigns_deliverable_is_404(client, setting, make_campaign, make_unit):
    other = make_campaign(units=[make_unit()])
    response = client.post(page_url(setting["campaign"]) + f"schedule/{other.deliverables[0].id}", data={})
    assert response.status_code == 404


def test_campaign_list_links_to_the_reminder_page(client, setting):
    html = client.get("/coordinator/").get_data(as_text=True)
    assert f'href="{page_url(setting["campaign"])}"' in html


def test_double_click_sends_once(app, client, setting, smtp_server, login_as):
    """Two posts of the same confirmation at the same moment, from two browser tabs."""
    annex, campaign = setting["annex"], setting["campaign"]
    selected = [f"{annex.id}:{setting['owing'].id}", f"{annex.id}:{setting['returned'].id}"]
    preview = client.post(page_url(campaign) + "preview", data={"selected": selected}).get_data(as_text=True)
    key = re.search(r'name="key"[^>]*value="([0-9a-f]{32})"', preview).group(1)
    second_tab = app.test_client()
    second_tab.set_cookie(**{k: v for k, v in _session_cookie(client).items()})
    barrier, statuses = threading.Barrier(2), []

    def click(tab):
        barrier.wait()
        statuses.append(tab.post(page_url(campaign) + "send", data={"selected": selected, "key": key}).status_code)

    threads = [threading.Thread(target=click, args=(tab,)) for tab in (client, second_tab)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    assert sorted(to_address(r) for r in smtp_server.messages) == ["bj@units.example.cn", "hb@units.example.cn"]


def _session_cookie(client) -> dict:
    cookie = client.get_cookie("session")
    return {"key": cookie.key, "value": cookie.value, "domain": cookie.domain}


def test_progress_dashboard_links_here_and_warns_about_failures(client, setting, smtp_server):
    campaign = setting["campaign"]
    html = client.get(f"/coordinator/campaigns/{campaign.id}/progress").get_data(as_text=True)
    assert f'href="{page_url(campaign)}"' in html and "发送失败或状态不明" not in html
    smtp_server.stop()
    run_pass()
    html = client.get(f"/coordinator/campaigns/{campaign.id}/progress").get_data(as_text=True)
    failed = db.session.scalar(sa.select(sa.func.count(Reminder.id)))
    assert f"{failed} 封催报发送失败或状态不明，请查看" in html


def test_rollup_counts_reminders_sent_per_unit(app, setting, smtp_server):
    from campaign.reports.collect import collect

    campaign, annex = setting["campaign"], setting["annex"]
    run_pass()
    entries = {e.unit_name: e.reminders for e in collect(campaign, annex).entries()}
    assert entries["北京市市场监督管理局"] == 1 and entries["天津市市场监督管理委员会"] == 0



def test_all_owing_units_of_a_deliverable_with_one_tick(app, client, smtp_server, make_unit, make_user,
                                                        make_campaign, login_as):
    """One tick takes every unit that still owes; the request only queues them, a job sends each once,
    and a resubmitted form or a later run sends nothing more."""
    app.config.update(smtp_server.settings(MAIL_DEFAULT_SENDER=SENDER))
    units = [make_unit(f"第{i}号市场监督管理局", email=f"unit{i}@units.example.cn") for i in range(5)]
    coordinator = make_user(Role.coordinator)
    campaign = make_campaign(units=units, coordinator=coordinator)
    campaign.timezone = zone_at(14)
    annex1_, annex2_ = campaign.deliverables
    reporter = make_user(Role.reporter, unit=units[0], email=units[0].contacts[0].email)
    submit(get_submission(annex1_, units[0]), annex1(), base_version=None, user=reporter)
    db.session.commit()
    login_as(coordinator)
    page = client.get(page_url(campaign)).get_data(as_text=True)
    assert "全部 4 个未报单位" in page and "全部 5 个未报单位" in page

    preview = client.post(page_url(campaign) + "preview", data={"everyone": [str(annex1_.id)]}).get_data(as_text=True)
    assert all(f"第{i}号市场监督管理局" in preview for i in range(1, 5)) and "第0号市场监督管理局" not in preview
    key = re.search(r'name="key"[^>]*value="([0-9a-f]{32})"', preview).group(1)
    chosen = re.findall(r'name="selected"[^>]*value="([0-9:]+)"', preview)
    assert sorted(chosen) == sorted(f"{annex1_.id}:{u.id}" for u in units[1:])
    response = client.post(page_url(campaign) + "send", data={"selected": chosen, "key": key})
    assert response.status_code == 302 and "/jobs/" in response.location  # the progress page
    done = client.get(response.location).get_data(as_text=True)
    assert "已发送 4 封催报。" in done and 'value="4"' in done  # the bar is full
    run_pass(datetime.now(timezone.utc), campaign_id=campaign.id)
    manual = [m for m in smtp_server.messages if reminder_header(m.message)[1] == f"manual-{key}"]
    assert sorted(to_address(m) for m in manual) == [f"unit{i}@units.example.cn" for i in range(1, 5)]
    client.post(page_url(campaign) + "send", data={"selected": chosen, "key": key})  # resubmitted
    run_pass(datetime.now(timezone.utc), campaign_id=campaign.id)
    assert len([m for m in smtp_server.messages if reminder_header(m.message)[1] == f"manual-{key}"]) == 4


def test_nothing_ticked_and_no_unit_owing_say_what_to_do(client, setting):
    annex, campaign = setting["annex"], setting["campaign"]
    empty = client.post(page_url(campaign) + "preview", data={"everyone": ["999999"]})
    assert empty.status_code == 400 and "请至少勾选一个单位" in empty.get_data(as_text=True)


def test_claiming_many_rows_skips_the_keys_already_taken_across_batches(setting):
    from campaign.services.reminders import ledger

    annex, campaign = setting["annex"], setting["campaign"]
    now = datetime.now(timezone.utc)

    def row(unit, address):
        return dict(deliverable_id=annex.id, unit_id=unit.id, kind="manual-" + "a" * 32, recipient=address,
                    recipient_name="", status=ReminderStatus.queued, due_at=now, claimed_at=now, attempts=0,
                    subject="")

    first = ledger.insert_many_or_skip([row(setting["owing"], "a@x.cn")])
    rows = [row(setting["owing"], "a@x.cn"), row(setting["owing"], "b@x.cn"), row(setting["returned"], "c@x.cn")]
    second = ledger.insert_many_or_skip(rows, batch=2)
    assert len(first) == 1 and len(second) == 2 and not set(first) & set(second)
    stored = db.session.scalars(sa.select(Reminder.recipient).order_by(Reminder.recipient)).all()
    assert stored == ["a@x.cn", "b@x.cn", "c@x.cn"]


def test_preview_gives_a_unit_its_extended_deadline(client, setting):
    from campaign import timefmt
    from campaign.services.review import extend

    annex, campaign, owing = setting["annex"], setting["campaign"], setting["owing"]
    later = annex.deadline + timedelta(days=7)
    extend(get_submission(annex, owing), deadline=later, reason="机构调整，延期一周。", user=setting["coordinator"])
    db.session.commit()
    preview = client.post(page_url(campaign) + "preview",
                          data={"selected": [f"{annex.id}:{owing.id}", f"{annex.id}:{setting['returned'].id}"]})
    page = preview.get_data(as_text=True)
    assert timefmt.format_instant(later, campaign.timezone) in page            # 北京: its own deadline
    assert timefmt.format_instant(annex.deadline, campaign.timezone) in page   # 河北: the notice's
