"""Deadline rush: many units submitting 附件1 at once against gunicorn (sync workers).

For each database (PostgreSQL, then SQLite) the script
  1. creates a fresh database with the schema, N units with a reporter each and the SAMR campaign;
  2. starts the app under gunicorn on loopback, logs every reporter in and opens the form
     (not measured);
  3. has every unit submit within a short window from C concurrent clients (measured: throughput,
     p50/p99 latency, errors);
  4. checks that every unit's submission is stored exactly once (one revision, state 已报送, unique
     receipt numbers);
  5. measures the baseline of SPEC §9 in the same run: a minimal Flask endpoint that inserts one
     row per request (bench/baseline_app.py) under the same gunicorn settings and database;
and prints the ratio of the two throughputs (target: at least 0.25).

    .venv/bin/python bench/rush.py                 # 300 units, 16 clients, both databases
    .venv/bin/python bench/rush.py --small         # 20 units, 4 clients: proves it works
    .venv/bin/python bench/rush.py --db sqlite --units 500 --clients 32
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import requests
import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PASSWORD = "rush-password-1"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
ANNEX1 = {
    "leader_instructions": "省政府主要负责同志作出批示，要求抓好《纲要》学习宣传贯彻。" * 3,
    "study": "召开党组理论学习中心组专题学习会，邀请专家作专题辅导。" * 4,
    "documents-0-name": "贯彻落实《质量强国建设纲要》实施方案",
    "documents-0-issuer": "省委、省政府",
    "documents-0-progress": "已印发",
    "documents-1-name": "质量强省建设工作要点",
    "documents-1-issuer": "省市场监管局",
    "documents-1-progress": "征求意见中",
    "publicity": "开设专栏、制作短视频、组织知识竞赛。" * 4,
    "experience": "清单化推进、项目化落实、常态化督导。" * 4,
    "contact_name": "王建国",
    "contact_phone": "010-12345678",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- databases -------------------------------------------------------------------------------

@contextmanager
def fresh_database(kind: str, workdir: str, pg_server: str):
    """Yield the URL of an empty database of the given kind; drop it afterwards."""
    if kind == "sqlite":
        yield "sqlite:///" + os.path.join(workdir, "rush.sqlite")
        return
    # A scratch database of its own, named after the server's and this run: nothing else is dropped.
    name = f"{pg_server.rstrip('/').rsplit('/', 1)[-1].replace('@', '_').replace(':', '_').replace('.', '_')}" \
           f"_rush_{os.getpid()}".lower()
    admin = sa.create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{pg_server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, units: int, workdir: str) -> int:
    """Schema, N units with one reporter each, the SAMR campaign published to them; its 附件1 id."""
    from flask_migrate import upgrade

    from campaign import create_app
    from campaign.extensions import db
    from campaign.definitions.presets import load_preset
    from campaign.models import Role, Unit, User
    from campaign.services.campaigns import create_from_preset, publish, set_recipients

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "rush", "UPLOAD_DIR": workdir,
                      "MAIL_OUTBOX_DIR": os.path.join(workdir, "outbox")})
    with app.app_context():
        upgrade()
        coordinator = User(username="coordinator", role=Role.coordinator, name="联络员")
        coordinator.set_password(PASSWORD)
        db.session.add(coordinator)
        rows = []
        for i in range(units):
            unit = Unit(name=f"第{i + 1:04d}号市场监督管理局", code=f"U{i:05d}", sort_order=i)
            user = User(username=f"u{i:05d}", role=Role.reporter, name=f"填报人{i}", unit=unit,
                        password_hash=coordinator.password_hash)
            db.session.add_all([unit, user])
            rows.append(unit)
        db.session.flush()
        preset = load_preset("samr_2023_9")
        from datetime import datetime, timedelta, timezone

        first = min(d.deadline for d in preset.deliverables)
        shift = timedelta(days=(datetime.now(timezone.utc).date() - first.date()).days + 3)
        campaign = create_from_preset(preset, user=coordinator, shift_by=shift)
        set_recipients(campaign, rows)
        publish(campaign, user=coordinator)
        db.session.commit()
        deliverable_id = campaign.deliverables[0].id
        db.engine.dispose()
    return deliverable_id


def check_stored_once(url: str, deliverable_id: int, units: int) -> str:
    """'ok' when each unit has exactly one submitted revision and receipts are unique."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        states = dict(conn.execute(sa.text(
            "SELECT state, count(*) FROM submissions WHERE deliverable_id = :d GROUP BY state"),
            {"d": deliverable_id}).all())
        revisions = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT r.submission_id), count(DISTINCT r.receipt_no) FROM revisions r "
            "JOIN submissions s ON s.id = r.submission_id WHERE s.deliverable_id = :d"), {"d": deliverable_id}).one()
    engine.dispose()
    problems = []
    if states.get("submitted", 0) != units:
        problems.append(f"states {states}")
    if tuple(revisions) != (units, units, units):
        problems.append(f"revisions/submissions/receipts {tuple(revisions)}")
    return "ok" if not problems else "; ".join(problems)


# -- servers ---------------------------------------------------------------------------------

@contextmanager
def gunicorn(app_spec: str, env: dict, workers: int, workdir: str, name: str):
    port = free_port()
    log = open(os.path.join(workdir, f"{name}.log"), "w")
    exe = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen(
        [exe, "--workers", str(workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
         "--timeout", "120", "--chdir", ROOT, app_spec],
        env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn ({name}) exited; see {log.name}")
            try:
                requests.get(base + "/auth/login" if name == "app" else base + "/ping", timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn ({name}) did not start; see {log.name}") from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'<input[^>]*name="version"[^>]*value="(\d*)"')


def token(html: str) -> str:
    match = TOKEN.search(html)
    if not match:
        raise RuntimeError("no CSRF token in page")
    return match.group(1)


def open_form(base: str, username: str, deliverable_id: int) -> tuple[requests.Session, dict]:
    """Log in and open the form, as a reporter would before the rush."""
    session = requests.Session()
    page = session.get(base + "/auth/login", timeout=60)
    r = session.post(base + "/auth/login", data={"username": username, "password": PASSWORD,
                                                 "csrf_token": token(page.text)}, allow_redirects=False, timeout=60)
    if r.status_code != 302:
        raise RuntimeError(f"login of {username} failed: {r.status_code}")
    form = session.get(f"{base}/unit/deliverables/{deliverable_id}", timeout=60)
    version = VERSION.search(form.text)
    return session, {**ANNEX1, "csrf_token": token(form.text), "version": version.group(1) if version else "", "action": "submit"}


def timed_posts(jobs, clients: int) -> tuple[float, list[float], int]:
    """Run (callable) jobs on `clients` threads; wall time, latencies and error count."""
    latencies: list[float] = []
    errors = 0

    def one(job):
        start = time.perf_counter()
        ok = job()
        return time.perf_counter() - start, ok

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for latency, ok in pool.map(one, jobs):
            latencies.append(latency)
            errors += 0 if ok else 1
    return time.perf_counter() - start, latencies, errors


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_one(kind: str, units: int, clients: int, workers: int, pg_server: str) -> dict:
    workdir = tempfile.mkdtemp(prefix=f"rush-{kind}-")
    try:
        with fresh_database(kind, workdir, pg_server) as url:
            deliverable_id = prepare(url, units, workdir)
            env = {"CAMPAIGN_DATABASE_URL": url, "CAMPAIGN_SECRET_KEY": "rush-secret",
                   "CAMPAIGN_MAIL_OUTBOX_DIR": os.path.join(workdir, "outbox"),
                   "CAMPAIGN_UPLOAD_DIR": os.path.join(workdir, "uploads")}
            with gunicorn("campaign:create_app()", env, workers, workdir, "app") as base:
                with ThreadPoolExecutor(clients) as pool:
                    opened = list(pool.map(lambda i: open_form(base, f"u{i:05d}", deliverable_id), range(units)))

                def submit_job(item):
                    session, data = item

                    def job():
                        r = session.post(f"{base}/unit/deliverables/{deliverable_id}", data=data,
                                         allow_redirects=False, timeout=120)
                        return r.status_code == 302 and r.headers.get("Location", "").endswith("/receipt")
                    return job

                wall, latencies, errors = timed_posts([submit_job(item) for item in opened], clients)
            stored = check_stored_once(url, deliverable_id, units)

            with gunicorn("bench.baseline_app:create_app()", {"BENCH_DATABASE_URL": url}, workers, workdir,
                          "baseline") as base:
                session = requests.Session()
                body = {"unit": "x", "text": ANNEX1["study"]}

                def insert_job(i):
                    def job():
                        r = session.post(base + "/insert", data={**body, "unit": f"u{i:05d}"}, timeout=120)
                        return r.status_code == 200
                    return job

                base_wall, base_latencies, base_errors = timed_posts([insert_job(i) for i in range(units)], clients)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    throughput, baseline = units / wall, units / base_wall
    return {
        "db": kind, "units": units, "clients": clients, "rps": throughput,
        "p50": percentile(latencies, 50) * 1000, "p99": percentile(latencies, 99) * 1000,
        "errors": errors, "stored": stored, "base_rps": baseline, "base_p50": percentile(base_latencies, 50) * 1000,
        "base_errors": base_errors, "ratio": throughput / baseline,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="20 units, 4 clients")
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", choices=["both", "postgres", "sqlite"], default="both")
    parser.add_argument("--pg-server", default=PG_SERVER, help="PostgreSQL server URL without a database name")
    args = parser.parse_args(argv)
    if args.small:
        args.units, args.clients = 20, 4
    kinds = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    results = [run_one(kind, args.units, args.clients, args.workers, args.pg_server) for kind in kinds]

    print(f"deadline rush: {args.units} units submitting 附件1, {args.clients} clients, "
          f"gunicorn {args.workers} sync workers")
    print(f"{'db':<9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}  {'stored once':<12}"
          f"{'baseline req/s':>15}{'ratio':>7}")
    for r in results:
        print(f"{r['db']:<9}{r['rps']:>8.1f}{r['p50']:>9.0f}{r['p99']:>9.0f}{r['errors']:>8}  {r['stored']:<12}"
              f"{r['base_rps']:>15.1f}{r['ratio']:>7.2f}")
    print("target: no errors, every submission stored once, ratio ≥ 0.25 (SPEC §9)")
    failed = [r for r in results if r["errors"] or r["base_errors"] or r["stored"] != "ok"]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
