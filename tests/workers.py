"""Real job workers for tests: the app's queue pointed at a SQLite file or at Redis, a huey consumer
process with the web app's settings, and waiting for a job to finish."""
import contextlib
import os
import subprocess
import sys
import time

import pytest
from huey.storage import RedisStorage, SqliteStorage

from campaign.extensions import db
from campaign.jobs import huey
from campaign.models import Job

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))


def worker_env(queue_url: str, database_url: str, tmp_path, smtp_server=None) -> dict:
    """The settings every process of one deployment shares (web instances and workers alike)."""
    env = {**os.environ, "CAMPAIGN_QUEUE_URL": queue_url, "CAMPAIGN_DATABASE_URL": database_url,
           "CAMPAIGN_SECRET_KEY": "test-secret", "CAMPAIGN_BASE_URL": "http://campaign.test",
           "CAMPAIGN_UPLOAD_DIR": str(tmp_path / "uploads"), "CAMPAIGN_MAIL_OUTBOX_DIR": str(tmp_path / "outbox")}
    if smtp_server is not None:
        env.update(CAMPAIGN_MAIL_SERVER=smtp_server.host, CAMPAIGN_MAIL_PORT=str(smtp_server.port))
    return env


def redis_url() -> str | None:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - no Redis here: that variant is skipped, not failed
        return None
    return "redis://127.0.0.1:6379/15"


@pytest.fixture(params=["sqlite", "redis"])
def queue(request, tmp_path):
    """Point the app's queue at a real store for this test; yields its URL."""
    if request.param == "redis":
        url = redis_url()
        if url is None:
            if os.environ.get("CI"):
                pytest.fail("Redis is not reachable on 127.0.0.1:6379")
            pytest.skip("Redis is not running")
        storage = RedisStorage("campaign", url=url)
        storage.flush_all()
    else:
        url = f"sqlite:///{tmp_path}/queue.sqlite"
        storage = SqliteStorage("campaign", filename=str(tmp_path / "queue.sqlite"))
    saved = (huey.storage, huey._immediate)
    huey.storage, huey._immediate = storage, False
    yield url
    huey.storage, huey._immediate = saved


@contextlib.contextmanager
def start_worker(queue_url: str, database_url: str, tmp_path, smtp_server=None):
    """A huey consumer process with the web app's settings (its own app, as on another machine)."""
    env = worker_env(queue_url, database_url, tmp_path, smtp_server)
    with open(tmp_path / "worker.log", "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "campaign.jobs.tasks.huey",
                                    "--workers", "2", "--no-periodic", "--delay", "0.1"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture
def worker(queue, app, smtp_server, tmp_path, database_url):
    with start_worker(queue, database_url, tmp_path, smtp_server) as process:
        yield process


def wait_for_job(job_id: int, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if job.state.finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job.state} {job.done}/{job.total}")


