"""Photos: check an upload by its content, store it under a random name, serve and delete it.

The upload request reads each file's header only: it must be a JPEG or PNG within the size and
pixel limits. The file is kept as it came (`<name>.upload`) and a worker decodes it
(`run_photo_job`): the image is re-encoded with its EXIF orientation applied (which also drops
the EXIF data, GPS position included), a JPEG thumbnail is written next to it, and the photo
becomes ready — or failed, with the reason in Chinese, when its pixels cannot be read. The name the
user's file had is kept for display only; it never reaches the file system.

Rollups get a photo's stored file through `photo_path(photo)` or `photo_file(photo_id)`, and the
photos of a field with their captions through `photos_with_captions(data, field_key)`.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Job, Photo, Submission, User, record, utcnow
from . import WorkflowError
from .images import PhotoRejected, decode_image, display_name, encode, inspect_image, make_thumbnail, read_limited
from .jobs import begin_job, finish_job, start_job
from .photo_refs import entries as _entries, photo_fields
from .submissions import check_open, check_transition

__all__ = ["PhotoRejected", "UploadResult", "add_photos", "photo_file", "photo_path", "photos_of",
           "photos_with_captions", "pending_jobs", "process_photo", "queue_photo_job", "remove_photo", "run_photo_job",
           "store_photo"]


@dataclass
class UploadResult:
    """What an upload stored, what it refused (one message per file), and the files written."""

    photos: list[Photo] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    pixels_left: int = 0  # what this upload may still ask the workers to decode


def photo_dir() -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], "photos")


def photo_path(photo: Photo, *, thumbnail: bool = False) -> str:
    """The stored file of a photo (or of its thumbnail) on disk."""
    name = f"{photo.storage_name}.thumb.jpg" if thumbnail else f"{photo.storage_name}.{photo.extension}"
    return os.path.join(photo_dir(), name)


def upload_path(photo: Photo) -> str:
    """The file as uploaded, until a worker has decoded it."""
    return os.path.join(photo_dir(), f"{photo.storage_name}.upload")


def photo_files_of(photo: Photo) -> list[str]:
    """Every file a photo may have on disk."""
    return [photo_path(photo), photo_path(photo, thumbnail=True), upload_path(photo)]


def photo_file(photo_id: int | str) -> str | None:
    """The stored file for a photo id as found in submission data, or None if there is none."""
    photo = db.session.get(Photo, int(photo_id)) if str(photo_id).isdigit() else None
    return photo_path(photo) if photo is not None else None


def photos_with_captions(data: dict, field_key: str) -> list[tuple[Photo, str]]:
    """The photos a submission's (or revision's) data lists in a photos field, in order, with captions."""
    entries = [e for e in _entries(data or {}, field_key) if str(e.get("id", "")).isdigit()]
    ids = [int(e["id"]) for e in entries]
    found = {p.id: p for p in db.session.scalars(
        sa.select(Photo).where(Photo.id.in_(ids), Photo.state == "ready"))} if ids else {}
    return [(found[int(e["id"])], str(e.get("caption") or "")) for e in entries if int(e["id"]) in found]


def _write_file(path: str, content: bytes) -> None:
    """Write atomically, so a reader never sees half a photo."""
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def store_photo(submission: Submission, field_key: str, raw: bytes, name: str, *, content_type: str,
                size: tuple[int, int], user: User | None) -> tuple[Photo, list[str]]:
    """Keep one checked upload for a worker to decode; returns the pending photo and the file written."""
    os.makedirs(photo_dir(), exist_ok=True)
    photo = Photo(
        submission=submission, field_key=field_key, storage_name=secrets.token_hex(16), original_name=name,
        content_type=content_type, width=size[0], height=size[1], size=len(raw), state="pending",
        uploaded_at=utcnow(), uploaded_by_id=getattr(user, "id", None),
    )
    path = upload_path(photo)
    _write_file(path, raw)
    db.session.add(photo)
    db.session.flush()
    return photo, [path]


def process_photo(photo: Photo) -> list[str]:
    """Decode a pending upload into the stored photo and its thumbnail (ready), or record why it
    cannot be read (failed). Returns the files written."""
    source = upload_path(photo)
    try:
        with open(source, "rb") as fh:
            raw = fh.read()
        image, content_type = decode_image(raw, photo.original_name, max_pixels=current_app.config["MAX_PHOTO_PIXELS"])
        content = encode(image, content_type)
        thumbnail = make_thumbnail(image)
    except FileNotFoundError:
        photo.state, photo.error = "failed", f"“{photo.original_name}”的上传文件已丢失，请删除后重新上传。"
        return []
    except PhotoRejected as exc:
        photo.state, photo.error = "failed", str(exc)
        return []
    paths = [photo_path(photo), photo_path(photo, thumbnail=True)]
    _write_file(paths[0], content)
    _write_file(paths[1], thumbnail)
    photo.content_type, photo.width, photo.height, photo.size = content_type, image.width, image.height, len(content)
    photo.state, photo.error = "ready", None
    return paths


# --- the worker's job ------------------------------------------------------------------------------

def queue_photo_job(photos: list[Photo], *, user: User, back_url: str) -> Job:
    """A job decoding these pending photos (the caller commits, then hands its id to the queue)."""
    job = start_job("photos", "处理上传的照片", total=len(photos), user=user, back_url=back_url,
                    payload={"photo_ids": [p.id for p in photos],
                             "fields": sorted({p.field_key for p in photos})})
    for photo in photos:
        photo.job_id = job.id
    return job


def run_photo_job(job_id: int) -> Job:
    """Decode each pending photo of the job, committing one at a time so the page can follow."""
    job = db.session.get(Job, job_id)
    begin_job(job, utcnow())
    for photo_id in job.payload.get("photo_ids", []):
        photo = db.session.get(Photo, photo_id)
        if photo is None or photo.state != "pending":
            continue  # deleted meanwhile, or done by an earlier try
        written = process_photo(photo)
        state, error, values = photo.state, photo.error, dict(
            content_type=photo.content_type, width=photo.width, height=photo.height, size=photo.size)
        db.session.rollback()
        # Only a photo still pending is updated: one deleted meanwhile leaves no files behind.
        if db.session.execute(sa.update(Photo).where(Photo.id == photo_id, Photo.state == "pending")
                              .values(state=state, error=error, **values)).rowcount != 1:
            db.session.rollback()
            discard_files(written)
            continue
        db.session.commit()
        discard_files([upload_path(photo)])
        _count(job)
    _count(job)
    failed = db.session.scalars(sa.select(Photo.error).where(Photo.id.in_(job.payload.get("photo_ids", [])),
                                                             Photo.state == "failed")).all()
    if failed:
        finish_job(job, f"{len(failed)} 张照片无法读取，请在表单中删除后重新上传：" + "；".join(failed), failed=True)
    else:
        finish_job(job, f"已处理 {job.done} 张照片。")
    return job


def _count(job: Job) -> None:
    states = dict(db.session.execute(
        sa.select(Photo.state, sa.func.count()).where(Photo.id.in_(job.payload.get("photo_ids", [])))
        .group_by(Photo.state)).all())
    job.done, job.failed = states.get("ready", 0), states.get("failed", 0)
    db.session.commit()


def pending_jobs(photos: dict[str, Photo]) -> list[Job]:
    """The jobs still decoding some of these photos (for the form's progress bars)."""
    ids = {p.job_id for p in photos.values() if p.state == "pending" and p.job_id}
    return list(db.session.scalars(sa.select(Job).where(Job.id.in_(ids)).order_by(Job.id))) if ids else []


def job_photos(job: Job) -> list[dict]:
    """Each photo of a photo job as the form page shows it once the job is done."""
    photos = db.session.scalars(sa.select(Photo).where(Photo.id.in_(job.payload.get("photo_ids", []))))
    return [dict(id=p.id, state=p.state, error=p.error or "", width=p.width, height=p.height) for p in photos]


def discard_files(paths: list[str]) -> None:
    """Remove stored files (after a failed commit, or after a delete was committed)."""
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _check_editable(submission: Submission) -> None:
    check_transition("save", submission)
    check_open(submission, utcnow())


def add_photos(submission: Submission, field_key: str, files, *, user: User) -> UploadResult:
    """Store each uploaded file that is a photo, up to the field's max_photos; say why others were not."""
    _check_editable(submission)
    spec = photo_fields(submission).get(field_key)
    if spec is None:
        raise WorkflowError("此表单没有可上传照片的栏目。")
    result = UploadResult()
    entries = _entries(submission.data or {}, field_key)
    files = [f for f in files if f and f.filename]
    if not files:
        result.errors.append("请先选择要上传的照片（jpg 或 png），再点击“上传照片”。")
        return result
    limit = spec.get("max_photos") or 20
    result.pixels_left = current_app.config["PHOTO_PIXELS_PER_UPLOAD"]
    try:
        for upload in files:
            try:
                _add_one(submission, field_key, upload, entries, limit, result, user)
            finally:
                upload.close()  # at once: a large upload is a temporary file on disk
    except BaseException:
        discard_files(result.paths)  # the transaction will be rolled back: leave no files behind
        raise
    if result.photos:
        submission.data = {**(submission.data or {}), field_key: entries}
        submission.updated_at = utcnow()
        submission.updated_by_id = user.id
        record("photos_uploaded", user=user, campaign_id=submission.deliverable.campaign_id,
               unit_id=submission.unit_id, submission_id=submission.id, photos=[p.id for p in result.photos])
        db.session.flush()
    return result


def _add_one(submission: Submission, field_key: str, upload, entries: list[dict], limit: int, result: UploadResult,
             user: User) -> None:
    """Check one uploaded file by its header and keep it, if the field has room and the upload's
    pixel budget allows it."""
    config = current_app.config
    name = display_name(upload.filename)
    if len(entries) >= limit:
        result.errors.append(f"最多可上传 {limit} 张照片，“{name}”未上传。如需更换，请先删除不需要的照片。")
        return
    try:
        raw = read_limited(upload.stream, config["MAX_PHOTO_BYTES"], name)
        content_type, width, height = inspect_image(raw, name, max_pixels=config["MAX_PHOTO_PIXELS"])
    except PhotoRejected as exc:
        result.errors.append(str(exc))
        return
    # What one upload may ask the workers to decode is bounded.
    if width * height > result.pixels_left:
        result.errors.append(f"本次上传的照片合计像素过多，“{name}”未上传。请分几次上传，或先缩小照片。")
        return
    result.pixels_left -= width * height
    photo, paths = store_photo(submission, field_key, raw, name, content_type=content_type, size=(width, height),
                               user=user)
    result.photos.append(photo)
    result.paths.extend(paths)
    entries.append({"id": str(photo.id), "caption": ""})


def _in_revisions(submission: Submission, photo: Photo) -> bool:
    return any(str(e.get("id")) == str(photo.id) for revision in submission.revisions
               for e in _entries(revision.data or {}, photo.field_key))


def photo_field(submission: Submission, photo_id: int) -> str | None:
    """The form field a photo of this submission sits in (None: not one of its photos)."""
    return db.session.scalar(sa.select(Photo.field_key).where(Photo.id == photo_id,
                                                              Photo.submission_id == submission.id))


def remove_photo(submission: Submission, photo_id: int, *, user: User) -> list[str]:
    """Take a photo out of the form; its files go unless an earlier submit holds it.

    Returns the files to delete once the change is committed.
    """
    _check_editable(submission)
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.submission_id != submission.id:
        raise WorkflowError("要删除的照片不存在，可能已被删除。")
    entries = [e for e in _entries(submission.data or {}, photo.field_key) if str(e.get("id")) != str(photo.id)]
    submission.data = {**(submission.data or {}), photo.field_key: entries}
    submission.updated_at = utcnow()
    submission.updated_by_id = user.id
    record("photo_deleted", user=user, campaign_id=submission.deliverable.campaign_id,
           unit_id=submission.unit_id, submission_id=submission.id, photo=photo.id)
    paths = []
    if not _in_revisions(submission, photo):
        paths = photo_files_of(photo)
        db.session.delete(photo)
    db.session.flush()
    return paths


def photos_of(submission: Submission) -> dict[str, Photo]:
    """The submission's photos by id (as the form data holds them)."""
    photos = db.session.scalars(sa.select(Photo).where(Photo.submission_id == submission.id)).all()
    return {str(p.id): p for p in photos}
