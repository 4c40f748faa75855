"""Long work off the request, done by workers through a huey queue.

The queue lives in a SQLite file beside the database on one machine (no extra server), or in
Redis when web and workers run on several machines: CAMPAIGN_QUEUE_URL=redis://host:6379/0.
Start a worker with

    .venv/bin/huey_consumer campaign.jobs.tasks.huey -w 2

(scripts/serve.sh starts one beside the web process). What a job has done so far is kept in the
database (models/jobs.py), so any web process can show its progress.
"""
from __future__ import annotations

import os

from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_QUEUE = "sqlite:///" + os.path.normpath(os.path.join(HERE, "..", "..", "instance", "queue.sqlite"))


def make_huey(url: str | None = None) -> Huey:
    """The queue named by `url` (CAMPAIGN_QUEUE_URL): sqlite:///path, redis://…, or memory:// (runs at once)."""
    url = url or os.environ.get("CAMPAIGN_QUEUE_URL") or DEFAULT_QUEUE
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("campaign", url=url)
    if url.startswith("memory://"):
        return MemoryHuey("campaign", immediate=True)
    path = url.removeprefix("sqlite:///")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return SqliteHuey("campaign", filename=path)


huey = make_huey()


def queue_reachable() -> bool:
    """The queue's store answers (the SQLite file opens, Redis replies)."""
    try:
        huey.pending_count()
        return True
    except Exception:  # noqa: BLE001 - any failure of the store means not ready
        return False
