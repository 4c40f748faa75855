"""Profile the 附件1 submit request: where its time goes and how many SQL statements it runs.

Builds the app on a scratch SQLite database (CSRF on, as in production) with 2×K units, a reporter
each and the SAMR campaign; logs every reporter in with the Flask test client and opens the form (not
measured); then every unit submits its filled 附件1 once: the first K without a profiler (the wall
time per request), the other K under cProfile (SQL statements per request and the top functions by
cumulative time). Every submit must redirect to its receipt and be stored exactly once.

    .venv/bin/python bench/submit_profile.py              # K = 100
    .venv/bin/python bench/submit_profile.py --units 20   # quicker
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("CAMPAIGN_QUEUE_URL", "memory://")  # set before the queue is created

import sqlalchemy as sa  # noqa: E402

from bench import rush  # noqa: E402
from campaign.extensions import db  # noqa: E402
from campaign.models import Revision, Submission, SubmissionState  # noqa: E402
from tests.helpers import annex1  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'<input[^>]*name="version"[^>]*value="(\d*)"')


def build(workdir: str, units: int):
    """The app on a fresh SQLite database: units with a reporter each and the SAMR campaign published to
    them (set up as the rush bench sets up its scratch database)."""
    app = rush.make_app(f"sqlite:///{workdir}/profile.sqlite", workdir)
    return app, rush.prepare(app, units)


def open_form(app, username: str, url: str):
    """Log in and open the form, as the reporter does before submitting; the client and its post body."""
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/login", data={"username": username, "password": rush.PASSWORD,
                                                "csrf_token": TOKEN.search(page).group(1)})
    if response.status_code != 302:
        raise RuntimeError(f"login of {username} failed: {response.status_code}")
    html = client.get(url).get_data(as_text=True)
    return client, {**annex1(), "csrf_token": TOKEN.search(html).group(1),
                    "version": VERSION.search(html).group(1), "action": "submit"}


class StatementCounter:
    """Counts the SQL statements the engine sends (a before_cursor_execute listener)."""

    def __init__(self, engine):
        self.count = 0
        self.last: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, conn, cursor, statement, *args) -> None:
        self.count += 1
        self.last.append(" ".join(statement.split()))


def submit_all(opened, url: str, statements: StatementCounter) -> tuple[list[float], list[float], list[int]]:
    """Post every body once; the wall time, the CPU time and the number of SQL statements of each."""
    times, cpu, counts = [], [], []
    for client, body in opened:
        before = statements.count
        statements.last = []
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.post(url, data=body)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        counts.append(statements.count - before)
        if response.status_code != 302 or not response.headers["Location"].endswith("/receipt"):
            raise RuntimeError(f"submit refused: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return times, cpu, counts


def stored_once(deliverable_id: int, units: int) -> str:
    submitted = db.session.scalar(sa.select(sa.func.count()).where(
        Submission.deliverable_id == deliverable_id, Submission.state == SubmissionState.submitted))
    revisions = db.session.execute(sa.select(sa.func.count(), sa.func.count(sa.distinct(Revision.receipt_no)))
                                   .join(Revision.submission).where(Submission.deliverable_id == deliverable_id)).one()
    return "ok" if submitted == units and tuple(revisions) == (units, units) else f"{submitted} {tuple(revisions)}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100, help="K: units submitted under the profiler (as many unprofiled)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--save", metavar="PATH", help="also write the profile there (for pstats or snakeviz)")
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="submit-profile-")
    try:
        app, deliverable_id = build(workdir, 2 * args.units)
        url = f"/unit/deliverables/{deliverable_id}"
        opened = [open_form(app, f"u{i:05d}", url) for i in range(2 * args.units)]
        with app.app_context():
            statements = StatementCounter(db.engine)
        plain, cpu, counts = submit_all(opened[:args.units], url, statements)
        last = statements.last
        profiler = cProfile.Profile()
        profiler.enable()
        profiled, _, _ = submit_all(opened[args.units:], url, statements)
        profiler.disable()
        with app.app_context():
            check = stored_once(deliverable_id, 2 * args.units)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"submit of 附件1, {args.units} units each way, SQLite, CSRF on")
    print(f"wall time per request: median {statistics.median(plain) * 1000:.1f} ms, "
          f"mean {statistics.mean(plain) * 1000:.1f} ms; CPU time median {statistics.median(cpu) * 1000:.1f} ms "
          f"(under cProfile: wall median {statistics.median(profiled) * 1000:.1f} ms)")
    print(f"SQL statements per request: {min(counts)}–{max(counts)} (median {statistics.median(counts):.0f})")
    stats = pstats.Stats(profiler)
    if args.save:
        stats.dump_stats(args.save)
    print(f"Python function calls per request (under cProfile, independent of machine load): "
          f"{stats.total_calls / args.units:.0f}")
    print(f"stored once: {check}")
    print("the statements of one request:")
    for statement in last:
        print("  " + statement)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue().rstrip())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats("/campaign/", args.top)
    print("\nthe app's own functions:" + out.getvalue().split("Ordered by: cumulative time", 1)[-1].rstrip())
    return 0 if check == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
