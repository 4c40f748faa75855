"""How long a coordinator waits for a bulk 催报 to every unit still owing: the request claims the
messages in the ledger and queues one job; a worker sends them.

    .venv/bin/python bench/remind_all.py [--units 3000] [--small]

Prints the request times of 预览催报 and 确认发送 and the tasks left on the queue (no worker runs here).
Target (long-work issue): the sending request well under 2 s for 3,000 units.
"""
from __future__ import annotations

import os
import re
import sys
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.request_times import run, scratch_app  # noqa: E402


def measure(units: int) -> tuple[float, float, int]:
    app = scratch_app()
    from campaign.definitions.presets import load_preset
    from campaign.extensions import db
    from campaign.jobs import huey
    from campaign.models import Contact, Role, Unit
    from campaign.services.accounts import create_user
    from campaign.services.campaigns import create_from_preset, publish, set_recipients

    with app.app_context():
        coordinator = create_user(username="samr", password="Bench-123456789", role=Role.coordinator, name="张俭")
        recipients = []
        for i in range(units):
            unit = Unit(name=f"第{i:04d}县市场监督管理局", short_name=f"第{i:04d}县", code=f"c{i}", sort_order=i)
            unit.contacts.append(Contact(name=f"联系人{i}", phone="010-80000000", email=f"c{i}@units.example.cn"))
            recipients.append(unit)
        db.session.add_all(recipients)
        preset = load_preset("samr_2023_9")
        first = min(d.deadline for d in preset.deliverables)
        shift = timedelta(days=(datetime.now(timezone.utc) + timedelta(days=5)).date().toordinal()
                          - first.date().toordinal())
        campaign = create_from_preset(preset, user=coordinator, shift_by=shift)
        set_recipients(campaign, recipients)
        publish(campaign, user=coordinator, confirm_past_deadline=True)
        campaign.timezone = "Etc/GMT-2" if 8 <= datetime.now(timezone.utc).hour + 2 < 22 else "Etc/GMT+10"
        db.session.commit()
        annex = campaign.deliverables[0]
        client = app.test_client()
        client.post("/auth/login", data={"username": "samr", "password": "Bench-123456789"})
        base = f"/coordinator/campaigns/{campaign.id}/reminders/"
        started = time.perf_counter()
        preview = client.post(base + "preview", data={"everyone": [str(annex.id)]}).get_data(as_text=True)
        preview_s = time.perf_counter() - started
        key = re.search(r'name="key"[^>]*value="([0-9a-f]{32})"', preview).group(1)
        chosen = re.findall(r'name="selected"[^>]*value="([0-9:]+)"', preview)
        started = time.perf_counter()
        answer = client.post(base + "send", data={"selected": chosen, "key": key})
        send_s = time.perf_counter() - started
        assert answer.status_code == 302 and "/jobs/" in answer.location, (answer.status_code, answer.location)
        return preview_s, send_s, huey.pending_count()


def main(argv=None) -> int:
    return run(__doc__, measure, ("预览催报", "确认发送"), "确认发送 under 2 s at 3000 units (the messages are sent by the worker)", argv)


if __name__ == "__main__":
    sys.exit(main())
