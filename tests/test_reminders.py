"""Scheduled reminders end to end: the ledger, a real loopback SMTP server, simulated time."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Contact, Extension, Reminder, ReminderStatus, Role, Submission
from campaign.services.reminders import run_pass
from campaign.services.review import return_
from campaign.services.submissions import get_submission, save_draft, submit
from tests.helpers import annex1
from tests.reminder_helpers import SENDER, fixed_campaign, local, reminder_header, to_address


@pytest.fixture
def smtp_app(app, smtp_server):
    app.config.update(smtp_server.settings(MAIL_DEFAULT_SENDER=SENDER))
    return app


def run_cli(app, now):
    result = app.test_cli_runner().invoke(args=["reminders", "run", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def received(smtp_server):
    """(address, kind, 附件) of every message the server got."""
    found = []
    for r in smtp_server.messages:
        _, kind = reminder_header(r.message)
        annex = "附件1" if "附件1" in r.message["Subject"] else "附件2"
        found.append((to_address(r), kind, annex))
    return found


def test_timeline_from_publish_to_ten_days_overdue_sends_exactly_the_expected_messages(
        smtp_app, smtp_server, make_unit, make_user):
    coordinator = make_user(Role.coordinator)
    a, b, c, d = (make_unit(f"{n}单位", email=f"{n.lower()}@units.example.cn") for n in "ABCD")
    reporter_a = make_user(Role.reporter, unit=a, email="a.reporter@units.example.cn")
    reporter_b = make_user(Role.reporter, unit=b, email="B@units.example.cn")  # same address as B's contact
    reporter_c = make_user(Role.reporter, unit=c, email="c@units.example.cn")
    deadline = local(2026, 3, 31, 23, 59, 59)
    campaign = fixed_campaign(coordinator, [a, b, c, d], published=local(2026, 3, 10, 9, 30),
                              deadlines=[deadline, local(2026, 12, 31, 23, 59, 59)])
    annex1_deliverable = campaign.deliverables[0]

    def act(unit, user, how, when, **kw):
        submission = get_submission(annex1_deliverable, unit)
        how(submission, annex1(), base_version=None, user=user, now=when, **kw) if how is not return_ else \
            return_(submission, reason="请补充集中学习的时间和参加人数。", user=coordinator, now=when)
        db.session.commit()

    events = [
        (local(2026, 3, 20, 10, 0), lambda t: act(a, reporter_a, submit, t)),
        (local(2026, 3, 25, 10, 0), lambda t: act(c, reporter_c, submit, t)),
        (local(2026, 3, 26, 11, 0), lambda t: act(b, reporter_b, save_draft, t)),
        (local(2026, 4, 1, 12, 0), lambda t: act(c, None, return_, t)),
        (local(2026, 4, 5, 10, 0), lambda t: act(c, reporter_c, submit, t)),
    ]
    now = local(2026, 3, 10, 9, 30)
    while now <= deadline + timedelta(days=10):
        while events and events[0][0] <= now:
            when, apply = events.pop(0)
            apply(when)
        run_cli(smtp_app, now.astimezone(timezone.utc))
        now += timedelta(hours=4)

    owed_all_along = ["notice", "before-7", "before-3", "before-1", "due-day",
                      "overdue-2", "overdue-4", "overdue-6", "overdue-8"]
    expected = Counter(
        [(addr, "notice", "附件1") for addr in ("a@units.example.cn", "a.reporter@units.example.cn")]
        + [(addr, "notice", "附件2") for addr in ("a@units.example.cn", "a.reporter@units.example.cn",
                                                 "b@units.example.cn", "c@units.example.cn", "d@units.example.cn")]
        + [("b@units.example.cn", kind, "附件1") for kind in owed_all_along]
        + [("d@units.example.cn", kind, "附件1") for kind in owed_all_along]
        # C filed on 3-25, was returned on 4-01 and filed again on 4-05.
        + [("c@units.example.cn", kind, "附件1") for kind in ("notice", "before-7", "due-day", "overdue-2",
                                                               "overdue-4")]
    )
    assert Counter(received(smtp_server)) == expected
    by_kind = {(to_address(r), reminder_header(r.message)[1]): r.message for r in smtp_server.messages
               if "附件1" in r.message["Subject"]}
    returned = by_kind[("c@units.example.cn", "due-day")]
    assert "请修改后重新报送" in returned["Subject"]
    assert "请补充集中学习的时间和参加人数。" in returned.get_body(("plain",)).get_content()
    assert "当前状态：草稿" in by_kind[("b@units.example.cn", "before-3")].get_body(("plain",)).get_content()
    assert "逾期时间：7天9小时" in by_kind[("d@units.example.cn", "overdue-8")].get_body(("plain",)).get_content()
    sent = db.session.scalar(sa.select(sa.func.count(Reminder.id)).where(Reminder.status == ReminderStatus.sent))
    assert sent == sum(expected.values())


def test_message_has_one_recipient_chinese_parts_link_contact_and_proper_headers(smtp_app, smtp_server, make_unit,
                                                                                 make_user):
    unit = make_unit("北京市市场监督管理局", email="bj@units.example.cn")
    campaign = fixed_campaign(make_user(Role.coordinator), [unit], published=local(2026, 3, 10, 9, 30),
                              deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    run_pass(local(2026, 3, 29, 10, 0))  # latest due: 3 days before for 附件1, the notice for 附件2
    messages = {reminder_header(r.message)[1]: r for r in smtp_server.messages}
    got = messages["before-3"]
    assert got.rcpt_tos == ("bj@units.example.cn",) and got.raw.isascii()
    message = got.message
    [to] = message["To"].addresses
    assert to.display_name == unit.contacts[0].name and message["Cc"] is None
    assert message["From"].addresses[0].display_name == "学习宣贯填报汇总系统"
    assert message["Subject"] == "【催报】附件1将于3月31日（星期二）23:59截止，还剩 2天13小时（北京市市场监督管理局）"
    assert message["Message-ID"].endswith("@campaign.example.cn>") and message["Date"].datetime.tzinfo
    assert message["Reply-To"].addresses[0].addr_spec == campaign.contact_email
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "北京市市场监督管理局" in part and "2026年3月31日（星期二） 23:59 北京时间" in part
        assert "2天13小时" in part and "未填报" in part and campaign.contact_name in part
        assert f"http://campaign.test/unit/deliverables/{campaign.deliverables[0].id}" in part
    assert "<script" not in html


def test_repeated_run_sends_nothing_new(smtp_app, smtp_server, make_unit, make_user):
    units = [make_unit() for _ in range(3)]
    fixed_campaign(make_user(Role.coordinator), units, published=local(2026, 3, 10, 9, 30),
                   deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    first = run_pass(local(2026, 3, 10, 10, 0))
    second = run_pass(local(2026, 3, 10, 10, 5))
    assert first.count("sent") == 6 and second.outcomes == []
    assert len(smtp_server.messages) == 6


def test_smtp_down_then_up_retries_failed_messages_once_each(smtp_app, smtp_server, make_unit, make_user):
    units = [make_unit(email=f"unit{i}@units.example.cn") for i in range(4)]
    fixed_campaign(make_user(Role.coordinator), units, published=local(2026, 3, 10, 9, 30),
                   deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    smtp_server.stop()
    down = run_pass(local(2026, 3, 10, 10, 0))
    assert down.stopped and down.count("failed") == 3  # the breaker stops after three failures in a row
    failed = db.session.scalars(sa.select(Reminder)).all()
    assert {r.status for r in failed} == {ReminderStatus.failed} and all(r.last_error for r in failed)
    assert run_pass(local(2026, 3, 10, 10, 1)).stopped  # retries are not due yet; new ones still fail
    smtp_server.start()
    up = run_pass(local(2026, 3, 10, 11, 0))
    assert up.count("sent") == 8 and not up.stopped
    again = run_pass(local(2026, 3, 10, 12, 0))
    assert again.outcomes == []
    addresses = Counter(to_address(r) for r in smtp_server.messages)
    assert addresses == {f"unit{i}@units.example.cn": 2 for i in range(4)}  # 附件1 and 附件2 notices
    rows = db.session.scalars(sa.select(Reminder)).all()
    assert all(r.status is ReminderStatus.sent for r in rows)
    assert max(r.attempts for r in rows) == 2


def test_retries_are_bounded_and_then_left_to_the_coordinator(smtp_app, smtp_server, make_unit, make_user):
    unit = make_unit(email="only@units.example.cn")
    campaign = fixed_campaign(make_user(Role.coordinator), [unit], published=local(2026, 3, 10, 9, 30),
                              deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    campaign.deliverables[1].reminder_schedule = {"on_publish": False, "days_before": [],
                                                  "on_deadline_day": False, "overdue_every_days": 0}
    db.session.commit()
    smtp_app.config["REMINDER_MAX_ATTEMPTS"] = 3
    smtp_server.stop()
    now = local(2026, 3, 10, 10, 0)
    for _ in range(6):
        run_pass(now)
        now += timedelta(hours=4)
    [row] = db.session.scalars(sa.select(Reminder)).all()
    assert row.status is ReminderStatus.abandoned and row.attempts == 3
    smtp_server.start()
    assert run_pass(now).outcomes == []
    assert smtp_server.messages == []


def test_permanent_smtp_refusal_is_not_retried(smtp_app, smtp_server, make_unit, make_user):
    unit = make_unit(email="refused@units.example.cn")
    fixed_campaign(make_user(Role.coordinator), [unit], published=local(2026, 3, 10, 9, 30),
                   deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    smtp_server.failure = "554 5.7.1 Message rejected"
    report = run_pass(local(2026, 3, 10, 10, 0))
    assert report.count("abandoned") == 2
    assert all("554" in r.last_error for r in db.session.scalars(sa.select(Reminder)))


def test_quiet_hours_hold_the_notice_until_eight(smtp_app, smtp_server, make_unit, make_user):
    unit = make_unit(email="night@units.example.cn")
    fixed_campaign(make_user(Role.coordinator), [unit], published=local(2026, 3, 10, 22, 40),
                   deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    for when in (local(2026, 3, 10, 22, 45), local(2026, 3, 11, 0, 5), local(2026, 3, 11, 7, 59)):
        assert run_cli(smtp_app, when).startswith("已发送 0 封")
    assert smtp_server.messages == []
    output = run_cli(smtp_app, local(2026, 3, 11, 8, 0))
    assert "已发送 2 封" in output
    assert [reminder_header(r.message)[1] for r in smtp_server.messages] == ["notice", "notice"]


def test_units_that_filed_get_nothing(smtp_app, smtp_server, make_unit, make_user):
    filed, owing = make_unit(email="filed@units.example.cn"), make_unit(email="owing@units.example.cn")
    reporter = make_user(Role.reporter, unit=filed, email="filed@units.example.cn")
    campaign = fixed_campaign(make_user(Role.coordinator), [filed, owing], published=local(2026, 3, 10, 9, 30),
                              deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    for deliverable in campaign.deliverables:
        submit(get_submission(deliverable, filed), annex1(), base_version=None, user=reporter,
               now=local(2026, 3, 10, 9, 45))
    db.session.commit()
    run_pass(local(2026, 3, 10, 10, 0))
    assert {to_address(r) for r in smtp_server.messages} == {"owing@units.example.cn"}
    submission = db.session.scalar(sa.select(Submission).filter_by(unit_id=filed.id,
                                                                   deliverable_id=campaign.deliverables[0].id))
    assert submission.state.owes is False


def test_a_unit_with_an_extension_is_reminded_against_its_own_deadline(smtp_app, smtp_server, make_unit, make_user):
    regular, extended = make_unit(email="regular@units.example.cn"), make_unit(email="extended@units.example.cn")
    coordinator = make_user(Role.coordinator)
    campaign = fixed_campaign(coordinator, [regular, extended], published=local(2026, 3, 10, 9, 30),
                              deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    annex = campaign.deliverables[0]
    db.session.add(Extension(deliverable=annex, unit=extended, deadline=local(2026, 4, 7, 23, 59, 59),
                             reason="机构改革", granted_by=coordinator))
    db.session.commit()
    run_pass(local(2026, 3, 31, 10, 0))
    kinds = {to_address(r): reminder_header(r.message)[1] for r in smtp_server.messages
             if "附件1" in r.message["Subject"]}
    assert kinds == {"regular@units.example.cn": "due-day", "extended@units.example.cn": "before-7"}
    extended_text = next(r.message.get_body(("plain",)).get_content() for r in smtp_server.messages
                         if to_address(r) == "extended@units.example.cn" and "附件1" in r.message["Subject"])
    assert "2026年4月7日（星期二） 23:59 北京时间" in extended_text


def test_two_cli_processes_at_once_send_each_message_once(app, smtp_server, make_unit, make_user, database_url,
                                                          tmp_path):
    units = [make_unit(email=f"proc{i}@units.example.cn") for i in range(8)]
    fixed_campaign(make_user(Role.coordinator), units, published=local(2026, 3, 10, 9, 30),
                   deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    db.session.remove()
    env = {**os.environ, "CAMPAIGN_DATABASE_URL": database_url, "CAMPAIGN_SECRET_KEY": "t",
           "CAMPAIGN_MAIL_SERVER": smtp_server.host, "CAMPAIGN_MAIL_PORT": str(smtp_server.port),
           "CAMPAIGN_MAIL_DEFAULT_SENDER": SENDER, "CAMPAIGN_BASE_URL": "http://campaign.test"}
    command = [sys.executable, "-m", "flask", "--app", "campaign", "reminders", "run",
               "--now", "2026-03-10T10:00:00+08:00"]
    runs = [subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    got = Counter(to_address(r) for r in smtp_server.messages)
    assert got == {f"proc{i}@units.example.cn": 2 for i in range(8)}
    sent = sum(int(re.search(r"已发送 (\d+) 封", out).group(1)) for out, _ in outputs)
    assert sent == 16


def test_odd_contact_names_are_encoded_and_a_broken_address_is_reported_not_retried(smtp_app, smtp_server,
                                                                                     make_unit, make_user):
    unit = make_unit(email="odd@units.example.cn")
    unit.contacts[0].name = '王"小"明, 办公室'
    unit.contacts.append(Contact(name="错误地址", email="not-an-address"))
    campaign = fixed_campaign(make_user(Role.coordinator), [unit], published=local(2026, 3, 10, 9, 30),
                              deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    campaign.deliverables[1].reminder_schedule = {"on_publish": False}
    db.session.commit()
    report = run_pass(local(2026, 3, 10, 10, 0))
    assert report.count("sent") == 1 and report.count("abandoned") == 1
    [got] = smtp_server.messages
    [to] = got.message["To"].addresses
    assert (to.display_name, to.addr_spec) == ('王"小"明, 办公室', "odd@units.example.cn")
    broken = db.session.scalar(sa.select(Reminder).where(Reminder.recipient == "not-an-address"))
    assert broken.status is ReminderStatus.abandoned and "收件地址或内容无效" in broken.last_error


def test_a_failed_reminder_is_dropped_once_a_newer_one_is_due(smtp_app, smtp_server, make_unit, make_user):
    unit = make_unit(email="late@units.example.cn")
    campaign = fixed_campaign(make_user(Role.coordinator), [unit], published=local(2026, 3, 10, 9, 30),
                              deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    campaign.deliverables[1].reminder_schedule = {"on_publish": False}
    db.session.commit()
    smtp_server.stop()
    run_pass(local(2026, 3, 28, 9, 30))  # the 3-day reminder fails
    smtp_server.start()
    run_pass(local(2026, 3, 30, 9, 30))  # the 1-day reminder is due now: send it, drop the 3-day one
    assert [reminder_header(r.message)[1] for r in smtp_server.messages] == ["before-1"]
    statuses = {r.kind: r.status for r in db.session.scalars(sa.select(Reminder))}
    assert statuses == {"before-3": ReminderStatus.skipped, "before-1": ReminderStatus.sent}
