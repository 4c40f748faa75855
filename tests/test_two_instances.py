"""Two web instances (separate processes on two loopback ports, as on two machines behind a balancer)
and a worker, sharing one database, one queue and one upload directory: a session started on one goes
on on the other, a rollup started on one is downloaded from the other, and killing one during a rush
of 报送 loses nothing. Runs on the SQLite queue with the test database, and on Redis (with PostgreSQL
in the PostgreSQL run of CI)."""
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Revision, Role, Submission, SubmissionState
from tests.conftest import PASSWORD
from tests.helpers import annex1
from tests.workers import ROOT, queue, worker, worker_env  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
RUSH = 16


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_instance(env: dict, port: int, log) -> subprocess.Popen:
    code = (f"from campaign import create_app; create_app().run(host='127.0.0.1', port={port}, threaded=True, "
            "use_reloader=False)")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_ready(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} did not start")


@pytest.fixture
def instances(queue, worker, database_url, tmp_path):
    env = worker_env(queue, database_url, tmp_path)
    env["CAMPAIGN_WTF_CSRF_ENABLED"] = "1"
    logs, processes, bases = [], [], []
    for name in ("a", "b"):
        port = free_port()
        log = open(tmp_path / f"web-{name}.log", "w")
        logs.append(log)
        processes.append(start_instance(env, port, log))
        bases.append(f"http://127.0.0.1:{port}")
    for base in bases:
        wait_until_ready(base)
    yield bases, processes
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)
    for log in logs:
        log.close()


def token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def log_in(session: requests.Session, base: str, username: str) -> None:
    page = session.get(base + "/auth/login").text
    answer = session.post(base + "/auth/login", data={"username": username, "password": PASSWORD,
                                                      "csrf_token": token(page)}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]


def post_form(session: requests.Session, base: str, deliverable, fields: dict, action: str):
    page = session.get(f"{base}/unit/deliverables/{deliverable.id}").text
    version = re.search(r'name="version" type="hidden" value="(\d*)"', page)
    body = list(fields.items())  # as the browser posts them
    body += [("csrf_token", token(page)), ("action", action), ("version", version.group(1) if version else "")]
    return session.post(f"{base}/unit/deliverables/{deliverable.id}", data=body, allow_redirects=False, timeout=30)


@pytest.fixture
def rush_world(make_unit, make_user, make_campaign):
    units = [make_unit(f"第{i:02d}省市场监督管理局") for i in range(RUSH)]
    for i, unit in enumerate(units):
        make_user(Role.reporter, unit=unit, username=f"prov{i}")
    campaign = make_campaign(units=units)
    xinxiang_unit = make_unit("卫辉市水利局")
    make_user(Role.reporter, unit=xinxiang_unit, username="weihui")
    xinxiang = make_campaign("xinxiang_water_2023", units=[xinxiang_unit])
    db.session.commit()
    return campaign, units, xinxiang


def test_two_instances_share_sessions_files_and_lose_nothing_when_one_dies(instances, rush_world):
    (a, b), processes = instances
    campaign, units, xinxiang = rush_world
    annex = campaign.deliverables[0]

    # A session started on one instance goes on on the other: a draft saved on B is seen on A.
    clerk = requests.Session()
    log_in(clerk, a, "prov0")
    assert "待办" in clerk.get(b + "/unit/").text
    saved = post_form(clerk, b, annex, annex1(study="在 B 上保存的草稿。"), "save")
    assert saved.status_code == 302
    assert "在 B 上保存的草稿。" in clerk.get(f"{a}/unit/deliverables/{annex.id}").text

    # A rollup with photos started on A is built by the worker and downloaded from B.
    coordinator = requests.Session()
    log_in(coordinator, a, xinxiang.coordinators[0].username)
    started = coordinator.get(f"{a}/reports/campaigns/{xinxiang.id}/deliverables/{xinxiang.deliverables[0].id}/docx",
                              allow_redirects=False)
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    job_path = started.headers["Location"].replace("http://localhost", "").replace(a, "")
    deadline = time.monotonic() + 60
    while not coordinator.get(b + job_path + ".json").json()["finished"] and time.monotonic() < deadline:
        time.sleep(0.3)
    built = coordinator.get(b + job_path + "/file")
    assert built.status_code == 200 and built.content[:2] == b"PK"

    # A rush of 报送 on both; A is killed in the middle. Whatever got an answer is stored once; what
    # did not (connection dropped) is sent again to B, as a clerk presses 报送 again.
    outcomes: dict[int, str] = {}

    def file(i: int) -> None:
        session = requests.Session()
        base = a if i % 2 else b
        try:
            log_in(session, base, f"prov{i}")
            answer = post_form(session, base, annex, annex1(study=f"第{i:02d}省的学习情况。"), "submit")
            outcomes[i] = "ok" if answer.status_code == 302 else f"status {answer.status_code}: " + re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text))[:600]
        except requests.RequestException:
            outcomes[i] = "dropped"

    threads = [threading.Thread(target=file, args=(i,)) for i in range(1, RUSH)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    processes[0].send_signal(signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=60)
    assert set(outcomes.values()) <= {"ok", "dropped"}, outcomes
    print("rush:", {k: list(outcomes.values()).count(k) for k in ("ok", "dropped")})
    for i, outcome in outcomes.items():
        if outcome == "dropped":
            session = requests.Session()
            log_in(session, b, f"prov{i}")
            page = session.get(f"{b}/unit/deliverables/{annex.id}").text
            if "已于" not in page:  # not stored before the instance died: 报送 again
                assert post_form(session, b, annex, annex1(study=f"第{i:02d}省的学习情况。"), "submit").status_code == 302
    db.session.expire_all()
    for i in range(1, RUSH):
        submission = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=annex.id, unit_id=units[i].id))
        assert submission.state is SubmissionState.submitted, (i, outcomes.get(i))
        assert submission.data["study"] == f"第{i:02d}省的学习情况。"
        revisions = db.session.scalar(sa.select(sa.func.count(Revision.id)).filter_by(submission_id=submission.id))
        assert revisions == 1, f"unit {i} stored {revisions} times"
