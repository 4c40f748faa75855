"""Rollups built by a worker (those with photos, or for many units): the file goes to the shared upload
directory, is kept for ROLLUP_KEEP_HOURS and downloaded from the job's page by whoever asked for it."""
from __future__ import annotations

import os

from ..extensions import db
from ..models import Campaign, Deliverable, Job, record, utcnow
from ..reports import ascii_name, build, file_name, find_kind, kinds
from ..reports.collect import collect
from ..services.jobs import begin_job, finish_job, kept_until, rollup_dir
from ..timefmt import format_short


def run_rollup(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    begin_job(job, utcnow())
    campaign = db.session.get(Campaign, job.payload["campaign_id"])
    deliverable = db.session.get(Deliverable, job.payload["deliverable_id"])
    kind = find_kind(kinds(deliverable.form), job.payload["kind"])
    rollup = collect(campaign, deliverable)
    folder = os.path.join(rollup_dir(), str(job.id))
    os.makedirs(folder, exist_ok=True)
    stored = ascii_name(rollup, kind)
    with open(os.path.join(folder, stored), "wb") as out:
        cleaner = build(rollup, kind, out)
    record("export", user=job.created_by, campaign_id=campaign.id, deliverable=deliverable.key, kind=kind.key,
           removed_characters=cleaner.units, by_worker=True)
    job.payload = {**job.payload, "file": stored, "name": file_name(rollup, kind), "mimetype": kind.mimetype}
    job.done = 1
    message = (f"已生成《{file_name(rollup, kind)}》（按 {rollup.generated_label} 的数据），"
               f"保留至 {format_short(kept_until(job), campaign.timezone)}，请及时下载。")
    if cleaner.message:
        message += cleaner.message
    finish_job(job, message)
    return job
