"""The tasks workers run. Each opens an application context (the web app's own when the queue runs
them at once, in tests; else one app per worker process) and hands the work to services/jobs.py."""
from __future__ import annotations

import contextlib
import os
import socket

from flask import Flask, current_app, has_app_context
from huey import crontab

from .. import create_app
from ..extensions import db
from ..services.audit import seal
from ..services.intake import purge_batches
from ..services.jobs import purge_rollups, run_password_links, run_reminder_sending
from ..services.photos import run_photo_job
from ..services.reminders import run_leased_pass
from .rollups import run_rollup
from . import huey

_app: Flask | None = None


@contextlib.contextmanager
def app_context():
    """The running app's context, or this worker's own app (built once from the same settings)."""
    global _app
    if has_app_context():
        yield current_app._get_current_object()
        return
    if _app is None:
        _app = create_app()
    with _app.app_context():
        try:
            yield _app
        finally:
            db.session.remove()


class StillFailing(Exception):
    """Some of the work failed: huey tries the task again later (what succeeded is not redone)."""


@huey.task(retries=3, retry_delay=60)
def deliver_password_links(job_id: int) -> int:
    with app_context():
        job = run_password_links(job_id)
        if job.failed:
            raise StillFailing(job.message)
        return job.done


@huey.task(retries=2, retry_delay=120)
def send_reminders(job_id: int) -> int:
    with app_context():
        return run_reminder_sending(job_id).done


@huey.task(retries=2, retry_delay=30)
def process_photos(job_id: int) -> int:
    """Decode uploaded photos (a photo that is not readable fails by itself; only a crash is retried)."""
    with app_context():
        return run_photo_job(job_id).done


@huey.task(retries=1, retry_delay=30)
def build_rollup(job_id: int) -> int:
    with app_context():
        return run_rollup(job_id).id


@huey.periodic_task(crontab(minute="*/5"))
def reminder_pass() -> None:
    """The periodic reminder pass (every 5 minutes) under the database lease, audit entries from before the
    audit chain existed chained, and built rollups and unconfirmed intake uploads past their keeping time deleted."""
    with app_context() as app:
        report = run_leased_pass(f"{socket.gethostname()}:{os.getpid()}")
        if report is not None and report.outcomes:
            app.logger.info("reminders: %d sent, %d failed", report.count("sent"),
                            report.count("failed") + report.count("abandoned"))
        seal()
        purge_rollups()
        purge_batches()
        db.session.commit()
