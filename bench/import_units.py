"""How long the admin waits when importing a national unit list: the confirm request creates the units,
contacts and accounts and only queues the set-password mails (a worker sends them).

    .venv/bin/python bench/import_units.py [--units 3000] [--small]

Prints the request times of the preview and the confirmation, and the tasks left on the queue.
SPEC target (issue: long work off the request): the confirmation under 2 s for 3,000 units.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(units: int) -> tuple[float, float, int]:
    work = tempfile.mkdtemp(prefix="import-bench-")
    os.environ["CAMPAIGN_QUEUE_URL"] = f"sqlite:///{work}/queue.sqlite"  # no worker: the mails stay queued
    sys.path.insert(0, ROOT)
    from flask_migrate import upgrade

    from campaign import create_app
    from campaign.extensions import db
    from campaign.jobs import huey
    from campaign.models import Role
    from campaign.services.accounts import create_user
    from tests.unit_lists import xlsx

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work}/bench.sqlite", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "UPLOAD_DIR": f"{work}/uploads", "MAIL_OUTBOX_DIR": f"{work}/outbox"})
    rows = [[f"第{i:04d}县市场监督管理局", f"第{i:04d}县", f"c{i}", "", str(i), f"联系人{i}", "科员", "", "13800000000",
             f"c{i}@units.example.cn"] for i in range(units)]
    with app.app_context():
        upgrade(directory=os.path.join(ROOT, "campaign", "migrations"))
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--small", action="store_true", help="30 units, to check that the script runs")
    args = parser.parse_args(argv)
    units = 30 if args.small else args.units
    preview, confirm, queued = measure(units)
    print(f"units {units}: preview {preview:.2f} s, confirm {confirm:.2f} s, tasks queued for the worker {queued}")
    print("target: confirm under 2 s at 3000 units (the mails are sent by the worker)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
