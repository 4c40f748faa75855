"""The optional in-process reminder scheduler (SCHEDULER_ENABLED), for a single-machine setup.

Each process (every gunicorn worker) starts one daemon thread with its first request; every
SCHEDULER_INTERVAL seconds it takes a database lease and, if it got it, runs the same pass as
`flask reminders run`. The lease keeps the workers from all doing the same work at once; the
ledger is what makes an overlap harmless should a pass outlive its lease.
"""
from __future__ import annotations

import os
import secrets
import socket
import threading
from datetime import timedelta

from flask import Flask

from .extensions import db
from .models import utcnow
from .services.reminders.ledger import acquire_lease, release_lease
from .services.audit import seal
from .services.reminders import PassReport, run_pass

LEASE_NAME = "reminders"
LEASE_TTL = timedelta(minutes=15)


class Scheduler:
    """A daemon thread running a reminder pass every `interval` seconds while it holds the lease."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> PassReport | None:
        """One pass if this process gets the lease; None if another process is running one."""
        with self.app.app_context():
            try:
                if not acquire_lease(LEASE_NAME, self.holder, now=utcnow(), ttl=LEASE_TTL):
                    return None
                try:
                    report = run_pass()
                    seal()  # the audit log's hash chain keeps up with the entries
                    return report
                finally:
                    release_lease(LEASE_NAME, self.holder)
            finally:
                db.session.remove()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.run_once()
                if report is not None and report.outcomes:
                    self.app.logger.info("reminders: %d sent, %d failed", report.count("sent"),
                                         report.count("failed") + report.count("abandoned"))
            except Exception:  # noqa: BLE001 - a bad pass must not end the thread; the next one retries
                self.app.logger.exception("reminder pass failed")
            self._stop.wait(self.interval)

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> Scheduler:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="campaign-reminders", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def init_app(app: Flask) -> None:
    """With SCHEDULER_ENABLED, start the scheduler with the process's first request (after any fork)."""
    if not app.config.get("SCHEDULER_ENABLED"):
        return
    scheduler = Scheduler(app, float(app.config.get("SCHEDULER_INTERVAL") or 300))
    app.extensions["reminder_scheduler"] = scheduler
    lock = threading.Lock()

    @app.before_request
    def start_reminder_scheduler() -> None:
        if not scheduler.started:
            with lock:
                scheduler.start()
