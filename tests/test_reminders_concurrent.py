"""Two reminder runs at once against the same database (each with its own engine) never send twice.

Runs on SQLite by default and on PostgreSQL when CAMPAIGN_TEST_DATABASE_URL is set.
"""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Reminder, ReminderStatus, Role
from campaign.services.reminders.ledger import acquire_lease, release_lease
from campaign.services.reminders import plan, run_pass, send_planned
from tests.reminder_helpers import SENDER, fixed_campaign, local, reminder_header, to_address

UNITS = 12


def run_two_at_once(apps, job):
    """Run job(app) in two threads released together; re-raise anything a thread raised."""
    barrier = threading.Barrier(len(apps))
    reports, errors = [], []

    def worker(worker_app):
        try:
            with worker_app.app_context():
                reports.append(job(worker_app, barrier))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(reports) == len(apps)
    return reports


def plan_then_send(now):
    """Both runs plan the same messages before either claims one: the worst overlap."""
    def job(_app, barrier):
        items = plan(now)
        barrier.wait()
        return send_planned(items, now)
    return job


def whole_pass(now):
    def job(_app, barrier):
        barrier.wait()
        return run_pass(now)
    return job


@pytest.mark.parametrize("make_job", [plan_then_send, whole_pass], ids=["plan-then-send", "whole-pass"])
def test_two_concurrent_runs_send_each_message_exactly_once(app, make_app, smtp_server, make_unit, make_user,
                                                           make_job):
    settings = smtp_server.settings(MAIL_DEFAULT_SENDER=SENDER)
    units = [make_unit(email=f"unit{i}@units.example.cn") for i in range(UNITS)]
    fixed_campaign(make_user(Role.coordinator), units, published=local(2026, 3, 10, 9, 30),
                   deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    db.session.remove()
    runners = [make_app(**settings), make_app(**settings)]
    now = local(2026, 3, 10, 10, 0)

    reports = run_two_at_once(runners, make_job(now))

    expected = {(f"unit{i}@units.example.cn", annex) for i in range(UNITS) for annex in ("附件1", "附件2")}
    got = Counter((to_address(r), "附件1" if "附件1" in r.message["Subject"] else "附件2")
                  for r in smtp_server.messages)
    assert set(got) == expected and set(got.values()) == {1}
    assert sum(r.count("sent") for r in reports) == len(expected)
    assert {reminder_header(r.message)[1] for r in smtp_server.messages} == {"notice"}
    rows = db.session.scalars(sa.select(Reminder)).all()
    assert len(rows) == len(expected) and {r.status for r in rows} == {ReminderStatus.sent}
    assert {r.attempts for r in rows} == {1}


def test_concurrent_retries_after_an_outage_are_claimed_once(app, make_app, smtp_server, make_unit, make_user):
    settings = smtp_server.settings(MAIL_DEFAULT_SENDER=SENDER)
    app.config.update(settings)
    units = [make_unit(email=f"unit{i}@units.example.cn") for i in range(3)]
    fixed_campaign(make_user(Role.coordinator), units, published=local(2026, 3, 10, 9, 30),
                   deadlines=[local(2026, 3, 31, 23, 59, 59), local(2026, 12, 31, 23, 59, 59)])
    smtp_server.stop()
    run_pass(local(2026, 3, 10, 10, 0))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 3
    smtp_server.start()
    db.session.remove()
    later = local(2026, 3, 10, 11, 0)
    run_two_at_once([make_app(**settings), make_app(**settings)], whole_pass(later))
    assert Counter(to_address(r) for r in smtp_server.messages) == {f"unit{i}@units.example.cn": 2 for i in range(3)}


def test_lease_admits_one_holder_until_it_expires_or_is_released(app):
    now = local(2026, 3, 10, 10, 0)
    ttl = timedelta(minutes=10)
    assert acquire_lease("reminders", "worker-1", now=now, ttl=ttl)
    assert not acquire_lease("reminders", "worker-2", now=now + timedelta(minutes=1), ttl=ttl)
    assert acquire_lease("reminders", "worker-1", now=now + timedelta(minutes=2), ttl=ttl)  # renewal
    assert acquire_lease("reminders", "worker-2", now=now + timedelta(minutes=13), ttl=ttl)  # expired
    release_lease("reminders", "worker-2")
    assert acquire_lease("reminders", "worker-3", now=now + timedelta(minutes=14), ttl=ttl)
