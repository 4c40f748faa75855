"""The photo entries a submission's data holds ({"id", "caption"} per photo), read without touching files."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Photo, Submission


def photo_fields(submission: Submission) -> dict[str, dict]:
    """The submission's form fields that take photos, by key."""
    return {f["key"]: f for f in submission.deliverable.form["fields"] if f["type"] == "photos"}


def entries(data: dict, key: str) -> list[dict]:
    """The photo entries of one field, as copies."""
    return [dict(e) for e in (data.get(key) or []) if isinstance(e, dict)]


def keep_known_photos(submission: Submission, data: dict) -> dict:
    """Posted photo entries, limited to the photos already in this submission's form.

    An id the unit does not own is dropped (a post cannot claim another unit's photo), and a photo
    uploaded in another tab since the page was loaded is kept, so nothing is lost.
    """
    fields = photo_fields(submission)
    if not fields:
        return data
    data = dict(data)
    stored = submission.data or {}
    for key in fields:
        known = {str(e.get("id")): e for e in entries(stored, key)}
        kept, seen = [], set()
        for entry in entries(data, key):
            pid = str(entry.get("id") or "")
            if pid in known and pid not in seen:
                kept.append({"id": pid, "caption": str(entry.get("caption") or "")})
                seen.add(pid)
        kept.extend({"id": pid, "caption": str(e.get("caption") or "")} for pid, e in known.items() if pid not in seen)
        data[key] = kept
    return data


def unreadable_photos(submission: Submission, data: dict) -> list[str]:
    """The names of photos in the data that a worker found it could not read."""
    ids = [int(e["id"]) for key in photo_fields(submission) for e in entries(data, key)
           if str(e.get("id", "")).isdigit()]
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Photo.original_name).where(Photo.id.in_(ids), Photo.state == "failed")
                                   .order_by(Photo.id)))
