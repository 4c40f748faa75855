"""Coordinator dashboard at scale (SPEC §9, §10): for 100 / 1,000 / 3,000 units, the SQL queries per
page (must not change with the number of units) and the render time, with its ratio to a baseline
that fetches the same rows in one query and renders a bare table of them in the same process.

Then the chain three levels deep with the same numbers of units in all: a ministry's notice to the
provinces, each province's relay to its cities (the ministry's page shows each province's 下级报送), and
one city per province relaying to its counties; the queries of each level's dashboard, opened by the
ministry's coordinator (the lower ones read-only), must not change with the number of units either.

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
from campaign.services.relays import RelayDeliverable, create_relay  # noqa: E402

BARE = """<table>{% for r in rows %}<tr><td>{{ r.unit_id }}</td><td>{{ r.state.value }}</td>
<td>{{ r.submitted_at or '' }}</td></tr>{% endfor %}</table>"""


def make_units(count: int, prefix: str, parent=None, start: int = 0) -> list[Unit]:
    units = [Unit(name=f"{prefix}单位{i:05d}", short_name=f"{prefix}{i}", code=f"{prefix}{i}", sort_order=start + i,
                  parent=parent, contacts=[Contact(name=f"联系人{i}", email=f"{prefix}{i}@example.cn")])
             for i in range(count)]
    db.session.add_all(units)
    db.session.flush()
    return units


def fill(campaign) -> None:
    """A fifth of the first deliverable filed, a tenth in draft (direct updates: the bench measures reading)."""
    deliverable = campaign.deliverables[0]
    db.session.execute(sa.update(Submission).where(
        Submission.deliverable_id == deliverable.id, Submission.id % 5 == 0).values(
        state=SubmissionState.submitted, submitted_at=utcnow(), receipt_no="HZ", data={"study": "学" * 300}))
    db.session.execute(sa.update(Submission).where(
        Submission.deliverable_id == deliverable.id, Submission.id % 10 == 1).values(state=SubmissionState.draft))


def notice(units: list[Unit], coordinator):
    preset = load_preset("samr_2023_9")
    first = min(d.deadline for d in preset.deliverables)
    shift = timedelta(days=(utcnow().date() + timedelta(days=20) - first.date()).days)
    campaign = create_from_preset(preset, user=coordinator, shift_by=shift)
    set_recipients(campaign, units)
    publish(campaign, user=coordinator)
    return campaign


def relay(upper, unit: Unit, units: list[Unit], days_earlier: int):
    liaison = create_user(username=f"liaison{unit.code}", password="bench-pw-1234", role=Role.reporter, unit=unit)
    campaign = create_relay(upper, unit, user=liaison, title="", chosen=[
        RelayDeliverable(d, d.deadline - timedelta(days=days_earlier)) for d in upper.deliverables])
    set_recipients(campaign, units)
    publish(campaign, user=liaison)
    fill(campaign)
    return campaign


def build(count: int, prefix: str, coordinator) -> int:
    """A published SAMR campaign for `count` units, a fifth of them filed, a tenth in draft."""
    campaign = notice(make_units(count, prefix), coordinator)
    fill(campaign)
    db.session.commit()
    return campaign.id


def build_chain(count: int, prefix: str, coordinator) -> tuple[int, int, int]:
    """`count` units in three levels: provinces, their cities, and for one city per province its counties.
    Returns the ids of the ministry's notice, a province's relay and a city's relay."""
    provinces = make_units(min(31, max(2, count // 50)), f"{prefix}p")
    per_city = max(2, count // 300)
    per_province = max(1, (count - len(provinces) * (1 + per_city)) // len(provinces))
    upper = notice(provinces, coordinator)
    fill(upper)
    first = None
    for p, province in enumerate(provinces):
        cities = make_units(per_province, f"{prefix}p{p}c", parent=province, start=1000 * (p + 1))
        middle = relay(upper, province, cities, 5)
        counties = make_units(per_city, f"{prefix}p{p}k", parent=cities[0], start=1000 * (p + 1) + 900)
        lower = relay(middle, cities[0], counties, 2)
        first = first or (middle.id, lower.id)
    db.session.commit()
    return upper.id, *first


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
            chains = []
            for i, size in enumerate(sizes):
                campaign_id = build(size, f"c{i}_", coordinator)
                queries, seconds = measure(client, f"/coordinator/campaigns/{campaign_id}/progress", args.repeat)
                results.append((size, queries, seconds, baseline(campaign_id, args.repeat)))
                levels = build_chain(size, f"r{i}_", coordinator)
                chains.append((size, [measure(client, f"/coordinator/campaigns/{level}/progress", args.repeat)
                                      for level in levels]))
            db.engine.dispose()
    print("coordinator dashboard (best of %d), SQLite" % args.repeat)
    print(f"{'units':>7}{'queries':>9}{'render s':>10}{'bare table s':>14}{'ratio':>7}")
    for size, queries, seconds, base in results:
        print(f"{size:>7}{queries:>9}{seconds:>10.3f}{base:>14.3f}{seconds / base:>7.1f}")
    print("\nthe chain, three levels (ministry → provinces → cities → counties), opened by the ministry")
    print(f"{'units':>7}{'ministry q':>12}{'s':>7}{'province q':>12}{'s':>7}{'city q':>8}{'s':>7}")
    for size, levels in chains:
        print(f"{size:>7}" + "".join(f"{q:>{w}}{t:>7.3f}" for (q, t), w in zip(levels, (12, 12, 8))))
    same = (len({queries for _, queries, _, _ in results}) == 1
            and all(len({levels[k][0] for _, levels in chains}) == 1 for k in range(3)))
    print("queries independent of the number of units: " + ("yes" if same else "NO"))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
