"""How long the admin waits when importing a national unit list: the confirm request creates the units,
contacts and accounts and only queues the set-password mails (a worker sends them).

    .venv/bin/python bench/import_units.py [--units 3000] [--small]

Prints the request times of the preview and the confirmation, and the tasks left on the queue.
SPEC target (issue: long work off the request): the confirmation under 2 s for 3,000 units.
"""
from __future__ import annotations

import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.request_times import run, scratch_app  # noqa: E402


def measure(units: int) -> tuple[float, float, int]:
    app = scratch_app()
    from campaign.extensions import db
    from campaign.jobs import huey
    from campaign.models import Role
    from campaign.services.accounts import create_user
    from tests.unit_lists import xlsx

    rows = [[f"第{i:04d}县市场监督管理局", f"第{i:04d}县", f"c{i}", "", str(i), f"联系人{i}", "科员", "", "13800000000",
             f"c{i}@units.example.cn"] for i in range(units)]
    with app.app_context():
        create_user(username="admin", password="Bench-123456789", role=Role.admin, name="管理员")
        db.session.commit()
        client = app.test_client()
        client.post("/auth/login", data={"username": "admin", "password": "Bench-123456789"})
        started = time.perf_counter()
        page = client.post("/admin/units/import", data={"file": (io.BytesIO(xlsx(rows)), "名单.xlsx")},
                           content_type="multipart/form-data").get_data(as_text=True)
        preview = time.perf_counter() - started
        upload_id = page.split('name="upload_id" type="hidden" value="')[1].split('"')[0]
        started = time.perf_counter()
        response = client.post("/admin/units/import/confirm", data={"upload_id": upload_id})
        confirm = time.perf_counter() - started
        assert response.status_code == 302 and "/jobs/" in response.location, response.status_code
        return preview, confirm, huey.pending_count()


def main(argv=None) -> int:
    return run(__doc__, measure, ("preview", "confirm"), "confirm under 2 s at 3000 units (the mails are sent by the worker)", argv)


if __name__ == "__main__":
    sys.exit(main())
