"""Running reminders: the CLI (dry run on the demo data), the outbox fallback, TLS and login, the workers' periodic pass."""
from __future__ import annotations

import email
import email.policy
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from campaign import create_app
from campaign.extensions import db
from campaign.models import Reminder, ReminderStatus, Role
from campaign.jobs.tasks import reminder_pass
from campaign.services.reminders.ledger import acquire_lease
from campaign.services.reminders.runner import LEASE_NAME
from campaign.services.reminders import run_pass
from tests.reminder_helpers import SENDER, fixed_campaign, local, reminder_header, to_address, zone_at


def test_dry_run_on_the_demo_lists_what_would_be_sent_and_sends_nothing(tmp_path):
    outbox = tmp_path / "outbox"
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "MAIL_OUTBOX_DIR": str(outbox),
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "demo.sqlite")})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["seed-demo", "--password", "Demo-Check-2026"]).exit_code == 0
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    now = datetime.combine(today, time(10, 0), ZoneInfo("Asia/Shanghai"))
    result = runner.invoke(args=["reminders", "run", "--dry-run", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.splitlines() if line.startswith("将发送")]
    by_address = {(cells[4], cells[3].split("　")[0]): cells[1] for cells in lines}
    # SAMR 附件1 is due in five days: the 7-day reminder is the latest one due; 附件2 gets its notice.
    assert by_address[("beijing@demo.example.cn", "附件1")] == "截止前7天提醒"
    assert by_address[("beijing@demo.example.cn", "附件2")] == "发布通知"
    assert by_address[("shanxi@demo.example.cn", "附件1")] == "截止前7天提醒"  # returned, so it owes again
    assert ("tianjin@demo.example.cn", "附件1") not in by_address  # submitted
    assert ("neimenggu@demo.example.cn", "附件1") not in by_address  # accepted
    # The Xinxiang report was due two days ago at 18:00: the first overdue reminder.
    for code in ("hongqi", "huojia", "xinxiangxian"):  # not started, draft, returned
        assert by_address[(f"{code}@demo.example.cn", "学习活动情况")] == "逾期2天催报"
    # 延津 was given four more days: its own deadline is two days ahead.
    assert by_address[("yanjin@demo.example.cn", "学习活动情况")] == "截止前3天提醒"
    assert ("weihui@demo.example.cn", "学习活动情况") not in by_address  # submitted
    assert f"试运行：将发送 {len(lines)} 封" in result.output
    assert not outbox.exists() or not any(outbox.iterdir())
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == 0
        db.engine.dispose()


def test_cli_rejects_a_malformed_time(runner):
    result = runner.invoke(args=["reminders", "run", "--now", "next tuesday"])
    assert result.exit_code != 0 and "请使用 ISO 格式" in result.output


def test_without_smtp_each_message_is_an_eml_file_in_the_outbox(app, runner, make_unit, make_user):
    unit = make_unit("北京市市场监督管理局", email="bj@units.example.cn")
    fixed_campaign(make_user(Role.coordinator), [unit], published=local(2026, 3, 10, 9, 30),
                   deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-10T10:00:00+08:00"])
    assert "已发送 2 封" in result.output, result.output
    files = sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 2
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert to_address(type("R", (), {"message": message})) == "bj@units.example.cn"
        assert message["Subject"].startswith("【报送通知】") and message["Message-ID"]


@pytest.mark.parametrize("security", [{"starttls": True}, {"implicit_ssl": True}], ids=["starttls", "ssl"])
def test_reminders_go_through_an_encrypted_login(app, make_smtp_server, make_unit, make_user, security):
    server = make_smtp_server(**security, username="campaign", password="s3cret")
    app.config.update(server.settings(MAIL_DEFAULT_SENDER=SENDER))
    unit = make_unit(email="tls@units.example.cn")
    fixed_campaign(make_user(Role.coordinator), [unit], published=local(2026, 3, 10, 9, 30),
                   deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    assert run_pass(local(2026, 3, 10, 10, 0)).count("sent") == 2
    assert all(r.tls and r.login == "campaign" for r in server.messages)


def _live_campaign(make_unit, make_user):
    """Published a minute ago in a zone where it is early afternoon, so its notice is due now."""
    unit = make_unit(email="sched@units.example.cn")
    now = datetime.now(timezone.utc)
    campaign = fixed_campaign(make_user(Role.coordinator), [unit], published=now - timedelta(minutes=1),
                              deadlines=[now + timedelta(days=20), now + timedelta(days=200)])
    campaign.timezone = zone_at(14)
    db.session.commit()
    return campaign


def test_the_periodic_pass_sends_what_is_due_and_waits_while_another_worker_holds_the_lease(
        app, smtp_server, make_unit, make_user):
    app.config.update(smtp_server.settings(MAIL_DEFAULT_SENDER=SENDER))
    _live_campaign(make_unit, make_user)
    # Another machine's worker is in the middle of its pass: this one sends nothing.
    assert acquire_lease(LEASE_NAME, "another-worker", now=datetime.now(timezone.utc), ttl=timedelta(minutes=15))
    reminder_pass.call_local()
    assert smtp_server.messages == []
    db.session.execute(sa.text("DELETE FROM leases"))
    db.session.commit()
    reminder_pass.call_local()
    received = smtp_server.wait_for(2, timeout=30)
    assert {reminder_header(r.message)[1] for r in received} == {"notice"}
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Reminder)).all()
    assert len(rows) == 2 and {r.status for r in rows} == {ReminderStatus.sent}
    assert db.session.scalar(sa.text("SELECT count(*) FROM leases")) == 0  # released after the pass
    # A second pass finds nothing more to send.
    reminder_pass.call_local()
    assert len(smtp_server.messages) == 2
