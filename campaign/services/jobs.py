"""Jobs: long work a worker does while the page that started it shows its progress.

Each job's work is written so that running it twice does no harm: a set-password link is
claimed (queued → sending) before it is sent, and reminders go through the exactly-once ledger.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..mail import MailError
from ..models import Job, JobState, User, utcnow
from . import WorkflowError
from .accounts import send_password_link
from .reminders import send_queued

REMINDER_CHUNK = 25
ERROR_CHARS = 500


def start_job(kind: str, title: str, *, total: int, user: User | None, back_url: str = "",
              payload: dict | None = None) -> Job:
    """A job row, flushed (the caller commits, then hands the id to the queue)."""
    job = Job(kind=kind, title=title, total=total, created_by=user, back_url=back_url, payload=payload or {})
    db.session.add(job)
    db.session.flush()
    return job


def job_for(job_id: int, user: User) -> Job | None:
    """The job, if this user may follow it: whoever started it, or an administrator."""
    job = db.session.get(Job, job_id)
    if job is None or not (job.created_by_id == user.id or user.is_admin):
        return None
    return job


def begin_job(job: Job, now: datetime) -> None:
    job.state = JobState.running
    job.started_at = job.started_at or now
    db.session.commit()


def finish_job(job: Job, message: str, *, failed: bool = False) -> None:
    job.state = JobState.failed if failed else JobState.done
    job.message = message
    job.finished_at = utcnow()
    db.session.commit()


# --- set-password links after an import ------------------------------------------------------

def queue_password_links(accounts: Iterable[User], *, user: User, back_url: str) -> Job | None:
    """Mark the accounts' links to be sent and record the job; None when no account has an address."""
    ids = [a.id for a in accounts if a.email]
    if not ids:
        return None
    db.session.execute(sa.update(User).where(User.id.in_(ids)).values(link_status="queued", link_error=None))
    return start_job("password_links", "发送设置密码邮件", total=len(ids), user=user, back_url=back_url,
                     payload={"user_ids": ids})


def _claim_link(user_id: int) -> bool:
    """Take the account's link for sending; only one worker ever gets it."""
    claimed = db.session.execute(
        sa.update(User).where(User.id == user_id, User.link_status.in_(("queued", "failed")))
        .values(link_status="sending")).rowcount == 1
    db.session.commit()
    return claimed


def run_password_links(job_id: int) -> Job:
    """Send every link of the job not sent yet; counts what was sent and what failed."""
    job = db.session.get(Job, job_id)
    begin_job(job, utcnow())
    for user_id in job.payload.get("user_ids", []):
        if not _claim_link(user_id):
            continue
        account = db.session.get(User, user_id)
        try:
            send_password_link(account)
            account.link_status, account.link_error, account.link_sent_at = "sent", None, utcnow()
        except (MailError, ValueError, WorkflowError, OSError) as exc:
            current_app.logger.warning("set-password link to %s failed: %s", account.username, exc)
            account.link_status, account.link_error = "failed", str(exc)[:ERROR_CHARS] or exc.__class__.__name__
        db.session.commit()
    statuses = dict(db.session.execute(
        sa.select(User.link_status, sa.func.count()).where(User.id.in_(job.payload.get("user_ids", [])))
        .group_by(User.link_status)).all())
    job.done, job.failed = statuses.get("sent", 0), statuses.get("failed", 0)
    if job.failed:
        finish_job(job, f"{job.failed} 封邮件未能发送，系统会自动重试；也可在“单位与账号”页点击“重新发送链接”。"
                     "原因见各账号旁的说明。", failed=True)
    else:
        finish_job(job, f"已向 {job.done} 个新账号发送设置密码的链接。")
    return job


# --- bulk 催报 ---------------------------------------------------------------------------------

def queue_reminder_sending(ids: list[int], *, user: User, campaign_id: int, back_url: str) -> Job:
    return start_job("reminders", "发送催报邮件", total=len(ids), user=user, back_url=back_url,
                     payload={"ids": ids, "campaign_id": campaign_id})


def run_reminder_sending(job_id: int, now: datetime | None = None) -> Job:
    """Send the queued reminders in chunks, under the ledger's exactly-once claim."""
    job = db.session.get(Job, job_id)
    begin_job(job, utcnow())
    ids = list(job.payload.get("ids", []))
    sent = failed = skipped = 0
    for start in range(0, len(ids), REMINDER_CHUNK):
        report = send_queued(ids[start:start + REMINDER_CHUNK], now or utcnow())
        sent += report.count("sent")
        failed += report.count("failed") + report.count("abandoned")
        skipped += report.count("skipped")
        job = db.session.get(Job, job_id)
        job.done, job.failed = sent + skipped, failed
        db.session.commit()
    parts = [f"已发送 {sent} 封催报"]
    waiting = len(ids) - sent - failed - skipped
    if waiting:
        parts.append(f"{waiting} 封暂未发出（夜间免打扰或邮件服务器暂时不可用），将由定时任务稍后发出")
    if skipped:
        parts.append(f"{skipped} 封无需发送（单位已报送或已发过）")
    if failed:
        parts.append(f"{failed} 封发送失败，系统将自动重试，原因见催报页“发送异常”")
    finish_job(job, "；".join(parts) + "。", failed=bool(failed))
    return job


# --- rollups built by a worker ---------------------------------------------------------------

def rollup_dir() -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], "rollups")


def queue_rollup(campaign_id: int, deliverable_id: int, kind: str, title: str, *, user: User, back_url: str) -> Job:
    return start_job("rollup", f"生成{title}", total=1, user=user, back_url=back_url,
                     payload={"campaign_id": campaign_id, "deliverable_id": deliverable_id, "kind": kind})


def rollup_file(job: Job, now: datetime | None = None) -> str | None:
    """The built file of a finished rollup job, while it is kept."""
    path = os.path.join(rollup_dir(), str(job.id), os.path.basename(job.payload.get("file") or ""))
    if job.kind != "rollup" or job.state is not JobState.done or not job.payload.get("file"):
        return None
    if (now or utcnow()) > kept_until(job) or not os.path.isfile(path):
        return None
    return path


def kept_until(job: Job) -> datetime:
    return (job.finished_at or job.created_at) + timedelta(hours=current_app.config["ROLLUP_KEEP_HOURS"])


def purge_rollups(now: datetime | None = None) -> int:
    """Delete built rollups kept longer than ROLLUP_KEEP_HOURS; returns how many."""
    now = now or utcnow()
    removed = 0
    cutoff = now - timedelta(hours=current_app.config["ROLLUP_KEEP_HOURS"])
    for job in db.session.scalars(sa.select(Job).where(Job.kind == "rollup", Job.finished_at < cutoff)):
        folder = os.path.join(rollup_dir(), str(job.id))
        if os.path.isdir(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
