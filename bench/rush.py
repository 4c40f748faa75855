"""Deadline rush: every unit files 附件1 at once against gunicorn (sync workers), load driven by wrk.

For each database (PostgreSQL, then SQLite) the script
  1. creates a scratch database (PostgreSQL: `<database>_rush`, named after the URL given, created and dropped
     here; SQLite: a temporary file) with the schema, N units with a reporter each and the SAMR campaign
     published to them;
  2. starts the app under gunicorn on loopback and gives every reporter a logged-in session and a CSRF token,
     minted with the app's own session interface (login_user + start_session + generate_csrf, signed like any
     session cookie, so the server's session-version and idle checks apply) — no login is timed;
  3. drives, with wrk (bench/rush.lua: 2 threads, 16 connections), each unit once through 待办 (GET), the
     附件1 form (GET), an autosave (POST, the fields form.js sends) and the submit (POST, multipart, the fields
     the browser posts: CSRF token, version, every field of the form, action=submit) and reports for each
     requests, req/s, p50/p99/max latency and errors (socket errors, non-2xx/3xx, and answers other than the
     one expected: 200, or the redirect to the receipt for the submit);
  4. checks in the database that every unit's submission is stored exactly once (one revision, state
     submitted, unique receipt numbers);
  5. drives the baseline of SPEC §9 the same way: a minimal Flask endpoint that inserts one row per request
     (bench/baseline_app.py), same gunicorn settings, database, wrk threads and connections, one request per
     unit; and prints the ratio of the submit's throughput to it (target: at least 0.25);
  6. reports the CPU share of the client (wrk's CPU time over wall time × cores), of the gunicorn workers
     and of the whole machine during each phase, so a reader sees whether the client was the bottleneck.

    .venv/bin/python bench/rush.py                       # 4,500 units, both databases
    .venv/bin/python bench/rush.py --small --db sqlite   # 30 units: proves it works in seconds
    .venv/bin/python bench/rush.py --units 300 --db postgres --pg-server postgresql+psycopg://postgres@127.0.0.1:5432

Needs wrk (Debian package `wrk`; scripts/test.sh installs it).
"""
from __future__ import annotations

import argparse
import html.parser
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PASSWORD = "rush-password-1"
SECRET_KEY = "rush-secret"
USER_AGENT = "campaign-rush-bench"  # the sessions are bound to it (flask-login's strong session protection)
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
LUA = os.path.join(ROOT, "bench", "rush.lua")
BOUNDARY = "----campaignRushBoundary7MA4YWxkTrZu0gW"
# What a reporter types into 附件1 (a field of the page not listed here keeps the value the page shows).
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

def scratch_name(pg_url: str) -> str:
    """`<database>_rush` for the URL given (its user's name when it names no database)."""
    url = sa.engine.make_url(pg_url)
    base = url.database or url.username or "postgres"
    return re.sub(r"[^a-z0-9_]", "_", f"{base}_rush".lower())


@contextmanager
def fresh_database(kind: str, workdir: str, pg_url: str):
    """Yield the URL of an empty database of the given kind; drop it afterwards."""
    if kind == "sqlite":
        yield "sqlite:///" + os.path.join(workdir, "rush.sqlite")
        return
    url = sa.engine.make_url(pg_url)
    name = scratch_name(pg_url)
    # Connected to the database named in the URL (or the server's `postgres`) only to create and drop ours.
    admin = sa.create_engine(url.set(database=url.database or "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists:  # never dropped here: it may be another run's
            admin.dispose()
            raise SystemExit(f"database {name} exists: another rush run is using it, or an interrupted run left it "
                             f"(then drop it: DROP DATABASE \"{name}\")")
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str, workdir: str):
    from campaign import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                       "UPLOAD_DIR": os.path.join(workdir, "uploads"),
                       "MAIL_OUTBOX_DIR": os.path.join(workdir, "outbox")})


def prepare(app, units: int) -> int:
    """Schema, N units with one reporter each, the SAMR campaign published to them; its 附件1 id."""
    from datetime import datetime, timedelta, timezone

    from flask_migrate import upgrade

    from campaign.definitions.presets import load_preset
    from campaign.extensions import db
    from campaign.models import Role, Unit, User
    from campaign.services.campaigns import create_from_preset, publish, set_recipients

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
        first = min(d.deadline for d in preset.deliverables)
        shift = timedelta(days=(datetime.now(timezone.utc).date() - first.date()).days + 3)
        campaign = create_from_preset(preset, user=coordinator, shift_by=shift)
        set_recipients(campaign, rows)
        publish(campaign, user=coordinator)
        db.session.commit()
        deliverable_id = campaign.deliverables[0].id
        db.engine.dispose()
    return deliverable_id


@dataclass
class Reporter:
    unit_id: int
    cookie: str  # the whole Cookie header
    csrf: str


def mint_sessions(app) -> list[Reporter]:
    """A logged-in session and CSRF token per reporter, made as the login view makes them (login_user,
    start_session) and signed with the app's session interface; valid for the server with the same key."""
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from campaign.auth import start_session
    from campaign.extensions import db
    from campaign.models import Role, User

    serializer = app.session_interface.get_signing_serializer(app)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    with app.app_context():
        ids = db.session.scalars(sa.select(User.id).where(User.role == Role.reporter).order_by(User.id)).all()
    reporters = []
    for user_id in ids:
        # A context of its own per reporter: flask-login and Flask-WTF keep the user and the token in `g`.
        with app.app_context(), app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                                         headers={"User-Agent": USER_AGENT}):
            user = db.session.get(User, user_id)
            login_user(user)
            start_session(user)
            token = generate_csrf()
            reporters.append(Reporter(user.unit_id, f"{cookie_name}={serializer.dumps(dict(session))}", token))
    with app.app_context():
        db.engine.dispose()
    return reporters


def versions(url: str, deliverable_id: int) -> dict[int, int]:
    """Each unit's submission version (what the form page puts in its version field)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT unit_id, version FROM submissions WHERE deliverable_id = :d"),
                            {"d": deliverable_id}).all()
    engine.dispose()
    return {unit_id: version for unit_id, version in rows}


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


# -- the form as the browser posts it --------------------------------------------------------

class FormFields(html.parser.HTMLParser):
    """The successful controls of <form id="submission-form">, in page order: (name, kind, value); a row
    template (inside <template>, which the browser never posts) gives its fields with `__index__` in the name."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str, str]] = []
        self._in_form = False
        self._textarea: list | None = None
        self._select: list | None = None
        self._templates = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "submission-form":
            self._in_form = True
        if tag == "template":
            self._templates += 1
        if not self._in_form or "disabled" in a:
            return
        name = a.get("name")
        if self._templates and not (name and "__index__" in name):
            return
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return  # only the clicked button is sent (action=submit, added by the bench)
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, kind, a.get("value") or ("on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = [name, None]
        elif tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in a:
                self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "template":
            self._templates -= 1
        elif tag == "textarea" and self._textarea is not None:
            value = self._textarea[1]
            value = value[2:] if value.startswith("\r\n") else value[1:] if value.startswith("\n") else value
            self.fields.append((self._textarea[0], "textarea", value))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select[0], "select", self._select[1] or ""))
            self._select = None


def page_fields(page: str) -> list[tuple[str, str, str]]:
    parser = FormFields()
    parser.feed(page)
    if not any(name == "version" for name, _, _ in parser.fields):
        raise RuntimeError("the form page has no version field (is it the 附件1 form of a logged-in reporter?)")
    return parser.fields


def multipart(fields: list[tuple[str, str, str]], *, csrf: str, version: int, action: str | None) -> bytes:
    """The multipart/form-data body the browser sends: typed values, this unit's token and version, the table
    rows the reporter added (ANNEX1's `documents-<i>-…`, in place of the page's row template); file inputs
    as empty file parts (a submit) or left out (an autosave: form.js deletes them, and `action`)."""
    pairs: list[tuple[str, str | None]] = []  # None: an empty file part
    expanded: set[str] = set()
    for name, kind, value in fields:
        if "__index__" in name:
            prefix = name.split("__index__", 1)[0]
            if prefix in expanded:
                continue
            expanded.add(prefix)
            row_fields = [n.split("__index__", 1)[1] for n, _, _ in fields if n.startswith(prefix + "__index__")]
            index = 0
            while any(f"{prefix}{index}{rest}" in ANNEX1 for rest in row_fields):
                pairs.extend((f"{prefix}{index}{rest}", ANNEX1.get(f"{prefix}{index}{rest}", ""))
                             for rest in row_fields)
                index += 1
            continue
        if kind == "file":
            if action is not None:
                pairs.append((name, None))
            continue
        if name == "csrf_token":
            value = csrf
        elif name == "version":
            value = str(version)
        elif name in ANNEX1:
            value = ANNEX1[name]
        pairs.append((name, value))
    if action is not None:
        pairs.append(("action", action))
    parts = []
    for name, value in pairs:
        if value is None:
            parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n\r\n")
        else:
            parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    parts.append(f"--{BOUNDARY}--\r\n")
    return "".join(parts).encode("utf-8")


# -- load ------------------------------------------------------------------------------------

@dataclass
class Req:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def write_requests(path: str, reqs: list[Req]) -> None:
    """The file bench/rush.lua reads: per request a head line, its header lines, its body and a newline."""
    with open(path, "wb") as f:
        for r in reqs:
            headers = {"User-Agent": USER_AGENT, **r.headers}
            f.write(f"{r.method}\t{r.path}\t{len(headers)}\t{len(r.body)}\n".encode())
            for name, value in headers.items():
                f.write(f"{name}: {value}\n".encode())
            f.write(r.body + b"\n")


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def server_ticks(master: int) -> int:
    """CPU ticks of the gunicorn master and its workers."""
    total = 0
    for pid in [master, *children(master)]:
        try:
            total += cpu_ticks(pid)
        except (OSError, IndexError, ValueError):
            pass
    return total


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def proc_status(pid: int, key: str) -> str:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return line.split()[1]
    return ""


def thread_count(pid: int) -> int:
    return int(proc_status(pid, "Threads") or 0)


def catches_sigint(pid: int) -> bool:
    return bool(int(proc_status(pid, "SigCgt") or "0", 16) & (1 << (signal.SIGINT - 1)))


RUSH_LINE = re.compile(r"^RUSH (.*)$", re.M)


def drive(server, reqs: list[Req], workdir: str, name: str, *, threads: int, connections: int, duration: int,
          status: int, location: str = "") -> dict:
    """Send every request once with wrk; figures from rush.lua's done() plus CPU shares."""
    path = os.path.join(workdir, f"{name}.requests")
    write_requests(path, reqs)
    connections = max(1, min(connections, len(reqs)))  # every connection has a request to send at first
    threads = max(1, min(threads, connections))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "60s",
           "-s", LUA, server.base, "--", path, str(status), location]
    ticks = os.sysconf("SC_CLK_TCK")
    cores = os.cpu_count() or 1
    server_before, machine_before = server_ticks(server.pid), machine_busy()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # wrk sleeps for the whole duration: once every thread has stopped (all answered, rush.lua left its
    # marker files) and wrk's handler for SIGINT is in place, wake it with SIGINT.
    interrupted = 0.0
    while proc.poll() is None:
        time.sleep(0.02)
        try:
            through = all(os.path.exists(f"{path}.done{k}") for k in range(threads))
            if through and thread_count(proc.pid) == 1 and catches_sigint(proc.pid) \
                    and time.monotonic() - interrupted > 0.5:
                proc.send_signal(signal.SIGINT)
                interrupted = time.monotonic()
        except OSError:
            pass
        if server.proc.poll() is not None:  # wrk would only count connection errors until the duration ends
            proc.kill()
            proc.wait()
            raise RuntimeError(f"gunicorn stopped during {name} (exit {server.proc.returncode}):\n{server.log_tail()}")
    # Popen reaped it; its CPU time is in this process's children's usage.
    out, err = proc.communicate()
    wall = time.monotonic() - started
    server_cpu = (server_ticks(server.pid) - server_before) / ticks
    busy, total = (a - b for a, b in zip(machine_busy(), machine_before))
    match = RUSH_LINE.search(out)
    if proc.returncode != 0 or not match:
        raise RuntimeError(f"wrk ({name}) failed ({proc.returncode}): {out[-2000:]} {err[-2000:]}")
    figures = {k: float(v) for k, v in (item.split("=") for item in match.group(1).split())}
    # Socket errors and wrong answers (every non-2xx/3xx answer, counted by wrk as `status`, is also wrong).
    figures["errors"] = int(sum(figures[k] for k in ("connect", "read", "write", "timeout", "wrong")))
    figures["unanswered"] = int(figures["planned"] - figures["answered"]) + (len(reqs) - int(figures["planned"]))
    figures["wrk_wall"] = wall
    figures["server_share"] = server_cpu / (figures["wall"] * cores) if figures["wall"] else 0.0
    figures["machine_share"] = busy / total if total else 0.0
    figures["stderr"] = err
    return figures


@dataclass
class Server:
    base: str
    proc: subprocess.Popen
    log: str

    def log_tail(self) -> str:
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read()[-3000:]

    @property
    def pid(self) -> int:
        return self.proc.pid


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
        yield Server(base, proc, log.name)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:  # it had stopped by itself
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def client_share(before: "os.times_result", after: "os.times_result", wall: float) -> float:
    """wrk's CPU time (this process's reaped children) over its wall time × cores."""
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return cpu / (wall * (os.cpu_count() or 1)) if wall else 0.0


def run_one(kind: str, units: int, args) -> dict:
    workdir = tempfile.mkdtemp(prefix=f"rush-{kind}-")
    load = {"threads": args.threads, "connections": args.connections, "duration": args.duration}
    phases: dict[str, dict] = {}

    def timed(name, server, make_reqs, **expect):
        # Sessions minted afresh for each phase: a run of thousands of units outlasts the idle limit
        # (SESSION_IDLE_MINUTES) of a session minted once, since wrk never sends the refreshed cookie back.
        reqs = make_reqs(mint_sessions(app)) if callable(make_reqs) else make_reqs
        before = os.times()
        result = drive(server, reqs, workdir, name, **load, **expect)
        result["client_share"] = client_share(before, os.times(), result["wrk_wall"])
        phases[name] = result
        return result

    try:
        with fresh_database(kind, workdir, args.pg_server) as url:
            app = make_app(url, workdir)
            deliverable_id = prepare(app, units)
            reporters = mint_sessions(app)  # for reading the form's fields
            form_path = f"/unit/deliverables/{deliverable_id}"
            env = {"CAMPAIGN_DATABASE_URL": url, "CAMPAIGN_SECRET_KEY": SECRET_KEY,
                   "CAMPAIGN_MAIL_OUTBOX_DIR": os.path.join(workdir, "outbox"),
                   "CAMPAIGN_UPLOAD_DIR": os.path.join(workdir, "uploads")}
            with gunicorn("campaign:create_app()", env, args.workers, workdir, "app") as server:
                # The fields of the form, read once from the page a reporter sees (not measured).
                first = reporters[0]
                page = requests.get(server.base + form_path, timeout=60, allow_redirects=False,
                                    headers={"Cookie": first.cookie, "User-Agent": USER_AGENT})
                if page.status_code != 200:
                    raise RuntimeError(f"the minted session does not open the form: {page.status_code}")
                fields = page_fields(page.text)
                # Warm every worker up (templates compiled, connections open) before anything is measured.
                for _ in range(2 * args.workers):
                    for path in ("/unit/", form_path):
                        requests.get(server.base + path, timeout=60, allow_redirects=False,
                                     headers={"Cookie": first.cookie, "User-Agent": USER_AGENT})

                def get(path):
                    return lambda reporters: [Req("GET", path, {"Cookie": r.cookie}) for r in reporters]

                timed("todo", server, get("/unit/"), status=200)
                timed("form", server, get(form_path), status=200)
                opened = versions(url, deliverable_id)
                timed("autosave", server, lambda reporters: [
                    Req("POST", form_path + "/autosave",
                        {"Cookie": r.cookie, "X-CSRFToken": r.csrf, "Accept": "application/json",
                         "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                        multipart(fields, csrf=r.csrf, version=opened[r.unit_id], action=None))
                    for r in reporters], status=200)
                saved = versions(url, deliverable_id)
                timed("submit", server, lambda reporters: [
                    Req("POST", form_path,
                        {"Cookie": r.cookie, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                        multipart(fields, csrf=r.csrf, version=saved[r.unit_id], action="submit"))
                    for r in reporters], status=302, location="/receipt")
            stored = check_stored_once(url, deliverable_id, units)

            from bench.baseline_app import metadata as baseline_tables

            engine = sa.create_engine(url)
            baseline_tables.create_all(engine)  # here, not by both workers at once
            engine.dispose()
            with gunicorn("bench.baseline_app:create_app()", {"BENCH_DATABASE_URL": url}, args.workers, workdir,
                          "baseline") as server:
                for _ in range(2 * args.workers):
                    requests.get(server.base + "/ping", timeout=60)
                text = ANNEX1["study"]
                timed("baseline", server, [
                    Req("POST", "/insert", {"Content-Type": "application/x-www-form-urlencoded"},
                        f"unit=u{i:05d}&text={requests.utils.quote(text)}".encode())
                    for i in range(units)], status=200)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {"db": kind, "units": units, "phases": phases, "stored": stored,
            "ratio": phases["submit"]["rps"] / phases["baseline"]["rps"] if phases["baseline"]["rps"] else 0.0}


def report(results: list[dict], args) -> None:
    print(f"deadline rush: {args.units} units, wrk {args.threads} threads / {args.connections} connections, "
          f"gunicorn {args.workers} sync workers, {os.cpu_count()} cores")
    print(f"{'db':<9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}  {'stored once':<12}"
          f"{'baseline req/s':>15}{'ratio':>7}")
    for r in results:
        s, b = r["phases"]["submit"], r["phases"]["baseline"]
        print(f"{r['db']:<9}{s['rps']:>8.1f}{s['p50']:>9.0f}{s['p99']:>9.0f}{s['max']:>9.0f}{s['errors']:>8}  "
              f"{r['stored']:<12}{b['rps']:>15.1f}{r['ratio']:>7.2f}")
    print("target: no errors, every submission stored once, ratio ≥ 0.25 (SPEC §9)")
    print()
    print("every phase, one request per unit: todo = GET 待办, form = GET the 附件1 form, autosave = POST what "
          "form.js sends, submit = POST 报送 (CPU: share of all cores during the phase)")
    print(f"{'db':<9}{'phase':<10}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'errors':>8}{'client CPU':>12}{'server CPU':>12}{'machine':>9}")
    names = {"todo": "todo GET", "form": "form GET", "autosave": "autosave", "submit": "submit",
             "baseline": "baseline"}
    for r in results:
        for key, label in names.items():
            p = r["phases"][key]
            print(f"{r['db']:<9}{label:<10}{int(p['answered']):>9}{p['rps']:>8.1f}{p['p50']:>9.0f}{p['p99']:>9.0f}"
                  f"{p['max']:>9.0f}{p['errors'] + p['unanswered']:>8}{p['client_share']:>11.0%} "
                  f"{p['server_share']:>11.0%} {p['machine_share']:>8.0%}")
    print("client CPU: wrk's CPU time / (wall × cores); server: gunicorn master and workers (the database "
          "server is not counted); machine: all processes, others' included")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="30 units, short runs: proves it works")
    parser.add_argument("--units", type=int, default=4500)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--duration", type=int, default=None,
                        help="upper bound of each phase in seconds (a phase ends once every unit is answered)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--db", choices=["both", "postgres", "sqlite"], default="both")
    parser.add_argument("--pg-server", default=PG_SERVER,
                        help="PostgreSQL URL; the scratch database is `<its database>_rush` (`<user>_rush` without one)")
    args = parser.parse_args(argv)
    if args.small:
        args.units = 30
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    if args.duration is None:
        args.duration = 30 if args.small else max(60, args.units // 5)
    kinds = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    results = [run_one(kind, args.units, args) for kind in kinds]
    report(results, args)
    failed = [r for r in results if r["stored"] != "ok"
              or any(p["errors"] or p["unanswered"] for p in r["phases"].values())]
    for r in failed:
        for name, p in r["phases"].items():
            if p["stderr"].strip():
                print(f"{r['db']} {name}: {p['stderr'].strip()[:600]}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
