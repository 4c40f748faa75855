"""Photos: check an upload by its content, store it under a random name, serve and delete it.

An upload is accepted only when Pillow decodes it as JPEG or PNG within the size and pixel
limits. The image is re-encoded with its EXIF orientation applied (which also drops the EXIF
data, GPS position included) and a JPEG thumbnail is written next to it. The name the user's
file had is kept for display only; it never reaches the file system.

Rollups get a photo's stored file through `photo_path(photo)` or `photo_file(photo_id)`, and the
photos of a field with their captions through `photos_with_captions(data, field_key)`.
"""
from __future__ import annotations

import os
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Photo, Submission, User, record, utcnow
from . import WorkflowError
from .images import PhotoRejected, decode_image, display_name, encode, header_pixels, make_thumbnail, read_limited
from .photo_refs import entries as _entries, photo_fields
from .submissions import check_open, check_transition

__all__ = ["PhotoRejected", "UploadResult", "add_photos", "photo_file", "photo_path", "photos_of",
           "photos_with_captions", "remove_photo", "store_photo"]


DECODE_SLOTS = threading.BoundedSemaphore(2)
DECODE_WAIT_SECONDS = 20


@dataclass
class UploadResult:
    """What an upload stored, what it refused (one message per file), and the files written."""

    photos: list[Photo] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    pixels_left: int = 0  # what this request may still decode


def photo_dir() -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], "photos")


def photo_path(photo: Photo, *, thumbnail: bool = False) -> str:
    """The stored file of a photo (or of its thumbnail) on disk."""
    name = f"{photo.storage_name}.thumb.jpg" if thumbnail else f"{photo.storage_name}.{photo.extension}"
    return os.path.join(photo_dir(), name)


def photo_file(photo_id: int | str) -> str | None:
    """The stored file for a photo id as found in submission data, or None if there is none."""
    photo = db.session.get(Photo, int(photo_id)) if str(photo_id).isdigit() else None
    return photo_path(photo) if photo is not None else None


def photos_with_captions(data: dict, field_key: str) -> list[tuple[Photo, str]]:
    """The photos a submission's (or revision's) data lists in a photos field, in order, with captions."""
    entries = [e for e in _entries(data or {}, field_key) if str(e.get("id", "")).isdigit()]
    ids = [int(e["id"]) for e in entries]
    found = {p.id: p for p in db.session.scalars(sa.select(Photo).where(Photo.id.in_(ids)))} if ids else {}
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


def store_photo(submission: Submission, field_key: str, stream: BinaryIO, filename: str | None,
                *, user: User | None) -> tuple[Photo, list[str]]:
    """Check one upload and store it with its thumbnail; returns the photo and the files written."""
    config = current_app.config
    name = display_name(filename)
    raw = read_limited(stream, config["MAX_PHOTO_BYTES"], name)
    # At most DECODE_SLOTS photos are decoded at once in a process, so uploads cannot starve the other requests.
    if not DECODE_SLOTS.acquire(timeout=DECODE_WAIT_SECONDS):
        raise PhotoRejected(f"服务器正忙，“{name}”未上传。您填写的内容已保存，请稍后再上传这张照片。")
    try:
        image, content_type = decode_image(raw, name, max_pixels=config["MAX_PHOTO_PIXELS"])
    finally:
        DECODE_SLOTS.release()
    os.makedirs(photo_dir(), exist_ok=True)
    photo = Photo(
        submission=submission, field_key=field_key, storage_name=secrets.token_hex(16), original_name=name,
        content_type=content_type, width=image.width, height=image.height, size=0,
        uploaded_at=utcnow(), uploaded_by_id=getattr(user, "id", None),
    )
    content = encode(image, content_type)
    photo.size = len(content)
    paths = [photo_path(photo), photo_path(photo, thumbnail=True)]
    _write_file(paths[0], content)
    try:
        _write_file(paths[1], make_thumbnail(image))
    except BaseException:
        discard_files(paths)
        raise
    db.session.add(photo)
    db.session.flush()
    return photo, paths


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
    """Store one uploaded file if the field has room and the request's pixel budget allows it."""
    name = display_name(upload.filename)
    if len(entries) >= limit:
        result.errors.append(f"最多可上传 {limit} 张照片，“{name}”未上传。如需更换，请先删除不需要的照片。")
        return
    # What one request may decode is bounded, read from each image's header before decoding it.
    head = upload.stream.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
    upload.stream.seek(0)
    pixels = header_pixels(head)
    if pixels > result.pixels_left:
        result.errors.append(f"本次上传的照片合计像素过多，“{name}”未上传。请分几次上传，或先缩小照片。")
        return
    result.pixels_left -= pixels
    try:
        photo, paths = store_photo(submission, field_key, upload.stream, upload.filename, user=user)
    except PhotoRejected as exc:
        result.errors.append(str(exc))
        return
    result.photos.append(photo)
    result.paths.extend(paths)
    entries.append({"id": str(photo.id), "caption": ""})


def _in_revisions(submission: Submission, photo: Photo) -> bool:
    return any(str(e.get("id")) == str(photo.id) for revision in submission.revisions
               for e in _entries(revision.data or {}, photo.field_key))


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
        paths = [photo_path(photo), photo_path(photo, thumbnail=True)]
        db.session.delete(photo)
    db.session.flush()
    return paths


def photos_of(submission: Submission) -> dict[str, Photo]:
    """The submission's photos by id (as the form data holds them)."""
    photos = db.session.scalars(sa.select(Photo).where(Photo.submission_id == submission.id)).all()
    return {str(p.id): p for p in photos}
