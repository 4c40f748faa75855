"""Coordinator dashboard at scale (SPEC §9): for 100 / 1,000 / 3,000 units, the SQL queries per
page (must not change with the number of units) and the render time, with its ratio to a baseline
that fetches the same rows in one query and renders a bare table of them in the same process.

    .venv/bin/python bench/dashboard.py [--sizes 100,1000,3000] [--small]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import render_template_string

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from campaign import create_app  # noqa: E402
from campaign.extensions import db  # noqa: E402
from campaign.definitions.presets import load_preset  # noqa: E402
from campaign.models import Contact, Deliverable, Role, Submission, SubmissionState, Unit, utcnow  # noqa: E402
from campaign.services.accounts import create_user  # noqa: E402
from campaign.services.campaigns import create_from_preset, publish, set_recipients  # noqa: E402

BARE = """<table>{% for r in rows %}<tr><td>{{ r.unit_id }}</td><td>{{ r.state.value }}</td>
<td>{{ r.submitted_at or '' }}</td></tr>{% endfor %}</table>"""


def build(count: int, prefix: str, coordinator) -> int:
    """A published SAMR campaign for `count` units, a fifth of them filed, a tenth in draft."""
    units = [Unit(name=f"{prefix}单位{i:05d}", short_name=f"{prefix}{i}", code=f"{prefix}{i}", sort_order=i,
                  contacts=[Contact(name=f"联系人{i}", email=f"{prefix}{i}@example.cn")]) for i in range(count)]
    db.session.add_all(units)
    db.session.flush()
    preset = load_preset("samr_2023_9")
    first = min(d.deadline for d in preset.deliverables)
    shift = timedelta(days=(utcnow().date() + timedelta(days=5) - first.date()).days)
    campaign = create_from_preset(preset, user=coordinator, shift_by=shift)
    set_recipients(campaign, units)
    publish(campaign, user=coordinator)
    deliverable = campaign.deliverables[0]
    now = utcnow()
    # Direct updates: the bench measures reading, not filing.
    db.session.execute(sa.update(Submission).where(
        Submission.deliverable_id == deliverable.id, Submission.id % 5 == 0).values(
        state=SubmissionState.submitted, submitted_at=now, receipt_no="HZ", data={"study": "学" * 300}))
    db.session.execute(sa.update(Submission).where(
        Submission.deliverable_id == deliverable.id, Submission.id % 10 == 1).values(state=SubmissionState.draft))
    db.session.commit()
    return campaign.id


def measure(client, url: str, repeat: int) -> tuple[int, float]:
    statements = []

    def count(*args):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    best = float("inf")
    for _ in range(repeat):
        statements.clear()
        db.session.expire_all()
        start = time.perf_counter()
        response = client.get(url)
        best = min(best, time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements), best


def baseline(campaign_id: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        db.session.expire_all()
        start = time.perf_counter()
        rows = db.session.execute(sa.select(Submission.unit_id, Submission.state, Submission.submitted_at)
                                  .join(Submission.deliverable).where(Deliverable.campaign_id == campaign_id)
                                  .order_by(Submission.unit_id)).all()
        render_template_string(BARE, rows=rows)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,3000", help="comma-separated numbers of units")
    parser.add_argument("--small", action="store_true", help="20 and 200 units: proves the script works")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [20, 200] if args.small else [int(n) for n in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False, "MAIL_OUTBOX_DIR": f"{tmp}/outbox"})
        with app.app_context():
            db.create_all()
            coordinator = create_user(username="samr", password="bench-pw", role=Role.coordinator)
            db.session.commit()
            client = app.test_client()
            client.post("/auth/login", data={"username": "samr", "password": "bench-pw"})
            for i, size in enumerate(sizes):
                campaign_id = build(size, f"c{i}_", coordinator)
                queries, seconds = measure(client, f"/coordinator/campaigns/{campaign_id}/progress", args.repeat)
                results.append((size, queries, seconds, baseline(campaign_id, args.repeat)))
            db.engine.dispose()
    print("coordinator dashboard (best of %d), SQLite" % args.repeat)
    print(f"{'units':>7}{'queries':>9}{'render s':>10}{'bare table s':>14}{'ratio':>7}")
    for size, queries, seconds, base in results:
        print(f"{size:>7}{queries:>9}{seconds:>10.3f}{base:>14.3f}{seconds / base:>7.1f}")
    same = len({queries for _, queries, _, _ in results}) == 1
    print("queries independent of the number of units: " + ("yes" if same else "NO"))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
