"""The reminder schedule and quiet hours as pure functions."""
from datetime import timedelta

import pytest

from campaign.services.reminders.schedule import (Schedule, in_quiet_hours, kind_label, latest_due, out_of_quiet_hours,
                                                 parse_days, slots)
from tests.reminder_helpers import local

ZONE = "Asia/Shanghai"


def kinds_and_times(found):
    return [(s.kind, s.at.astimezone(local(2026, 1, 1).tzinfo).strftime("%m-%d %H:%M")) for s in found]


def test_default_schedule_gives_notice_before_due_day_and_capped_overdue_reminders():
    found = slots(Schedule(), published_at=local(2026, 3, 10, 9, 30), deadline=local(2026, 3, 31, 23, 59, 59),
                  closes_at=None, zone=ZONE)
    assert kinds_and_times(found) == [
        ("notice", "03-10 09:30"), ("before-7", "03-24 09:00"), ("before-3", "03-28 09:00"),
        ("before-1", "03-30 09:00"), ("due-day", "03-31 09:00"), ("overdue-2", "04-02 09:00"),
        ("overdue-4", "04-04 09:00"), ("overdue-6", "04-06 09:00"), ("overdue-8", "04-08 09:00"),
    ]


def test_slots_before_publication_are_dropped_and_none_after_the_deliverable_closes():
    found = slots(Schedule(), published_at=local(2026, 3, 27, 15, 0), deadline=local(2026, 3, 31, 18, 0),
                  closes_at=local(2026, 4, 3, 18, 0), zone=ZONE)
    assert [s.kind for s in found] == ["notice", "before-3", "before-1", "due-day", "overdue-2"]


def test_deadline_before_send_time_has_no_due_day_reminder():
    found = slots(Schedule(), published_at=local(2026, 3, 1, 10, 0), deadline=local(2026, 3, 31, 8, 30),
                  closes_at=None, zone=ZONE)
    assert "due-day" not in [s.kind for s in found]


def test_notice_published_at_night_waits_until_eight():
    [notice] = slots(Schedule(days_before=(), on_deadline_day=False, overdue_every_days=0),
                     published_at=local(2026, 3, 10, 23, 15), deadline=local(2026, 3, 31, 23, 59), closes_at=None,
                     zone=ZONE)
    assert notice.at == local(2026, 3, 11, 8, 0)


@pytest.mark.parametrize("hour,minute,quiet", [(21, 59, False), (22, 0, True), (0, 30, True), (7, 59, True),
                                               (8, 0, False), (12, 0, False)])
def test_quiet_hours_are_22_to_8_local(hour, minute, quiet):
    assert in_quiet_hours(local(2026, 3, 10, hour, minute), ZONE) is quiet


def test_out_of_quiet_hours_moves_late_evening_to_next_morning_and_early_morning_to_same_day():
    assert out_of_quiet_hours(local(2026, 3, 10, 22, 30), ZONE) == local(2026, 3, 11, 8, 0)
    assert out_of_quiet_hours(local(2026, 3, 11, 3, 0), ZONE) == local(2026, 3, 11, 8, 0)
    assert out_of_quiet_hours(local(2026, 3, 11, 9, 0), ZONE) == local(2026, 3, 11, 9, 0)


def test_latest_due_supersedes_missed_slots():
    found = slots(Schedule(), published_at=local(2026, 3, 10, 9, 30), deadline=local(2026, 3, 31, 23, 59),
                  closes_at=None, zone=ZONE)
    assert latest_due(found, local(2026, 3, 10, 9, 0)) is None
    assert latest_due(found, local(2026, 3, 29, 12, 0)).kind == "before-3"
    assert latest_due(found, local(2026, 3, 29, 12, 0) + timedelta(days=60)).kind == "overdue-8"


def test_schedule_round_trips_through_json_and_describes_itself():
    schedule = Schedule(on_publish=False, days_before=(5, 2), on_deadline_day=True, overdue_every_days=3,
                        overdue_max=2)
    assert Schedule.from_json(schedule.to_json()) == schedule
    assert Schedule.from_json(None) == Schedule()
    assert schedule.describe() == "截止前5、2天；截止当天；逾期后每3天一次，最多2次"


def test_parse_days_accepts_chinese_separators_and_names_the_bad_piece():
    assert parse_days("7，3、1 14") == (14, 7, 3, 1)
    with pytest.raises(ValueError, match="“三”"):
        parse_days("7,三")


def test_kind_labels_are_chinese():
    assert [kind_label(k) for k in ("notice", "before-3", "due-day", "overdue-4", "manual-" + "a" * 32)] == [
        "发布通知", "截止前3天提醒", "截止当天提醒", "逾期4天催报", "手动催报"]
