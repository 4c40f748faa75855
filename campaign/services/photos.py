"""Photos: check an upload by its content, store it under a random name, serve and delete it.

An upload is accepted only when Pillow decodes it as JPEG or PNG within the size and pixel
limits. The image is re-encoded with its EXIF orientation applied (which also drops the EXIF
data, GPS position included) and a JPEG thumbnail is written next to it. The name the user's
file had is kept for display only; it never reaches the file system.

Rollups get a photo's stored file through `photo_path(photo)` or `photo_file(photo_id)`, and the
photos of a field with their captions through `photos_with_captions(data, field_key)`.
"""
from __future__ import annotations

import io
import os
import secrets
import tempfile
import unicodedata
import warnings
from dataclasses import dataclass, field
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from ..extensions import db
from ..models import Photo, Submission, User, record, utcnow
from . import WorkflowError
from .deadlines import accepts, closed_message
from .submissions import REFUSALS, TRANSITIONS

THUMBNAIL_SIZE = (320, 320)
# Pillow reports phone pictures carrying several images (MPO) as their own format; they are JPEGs.
FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}


class PhotoRejected(ValueError):
    """The upload is not a photo the system accepts; the message says what to do."""


@dataclass
class UploadResult:
    """What an upload stored, what it refused (one message per file), and the files written."""

    photos: list[Photo] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


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


def display_name(filename: str | None) -> str:
    """The file's own name without any folder part or control characters, for messages only."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "照片"


def size_label(size: int) -> str:
    """A byte count as people write it: 10 MB, 1.5 MB, 200 KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, size // 1024)} KB"


def _read_limited(stream: BinaryIO, limit: int, name: str) -> bytes:
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise PhotoRejected(f"“{name}”超过 {size_label(limit)}，请压缩或缩小后重新上传。")
    if not raw:
        raise PhotoRejected(f"“{name}”是空文件，请重新选择照片。")
    return raw


def decode_image(raw: bytes, name: str, *, max_pixels: int) -> tuple[Image.Image, str]:
    """The decoded image with its orientation applied and its content type; PhotoRejected if it
    is not a JPEG or PNG within the pixel limit."""
    not_a_photo = f"“{name}”不是 JPG 或 PNG 格式的照片（按文件内容判断），请选择照片文件后重新上传。"
    too_large = f"“{name}”像素过多，请将图片缩小到 {max_pixels // 1_000_000} 百万像素以内后重新上传。"
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice its limit; refuse those too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw), formats=("JPEG", "PNG"))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected(too_large) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise PhotoRejected(not_a_photo) from None
        if image.format not in FORMATS:
            raise PhotoRejected(not_a_photo)
        if image.width * image.height > max_pixels:
            raise PhotoRejected(too_large)
        try:
            image.load()
            return ImageOps.exif_transpose(image), FORMATS[image.format]
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected(too_large) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise PhotoRejected(f"“{name}”已损坏或不完整，无法读取，请重新导出后上传。") from None


def encode(image: Image.Image, content_type: str) -> bytes:
    """The image as stored: JPEG or PNG, without EXIF."""
    out = io.BytesIO()
    if content_type == "image/png":
        image.save(out, "PNG")
    else:
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90, icc_profile=image.info.get("icc_profile"))
    return out.getvalue()


def make_thumbnail(image: Image.Image) -> bytes:
    """A small JPEG of the image; transparency shows as white."""
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    if thumb.mode in ("RGBA", "LA", "P", "PA"):
        thumb = thumb.convert("RGBA")
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


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
    raw = _read_limited(stream, config["MAX_PHOTO_BYTES"], name)
    image, content_type = decode_image(raw, name, max_pixels=config["MAX_PHOTO_PIXELS"])
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


def photo_fields(submission: Submission) -> dict[str, dict]:
    return {f["key"]: f for f in submission.deliverable.form["fields"] if f["type"] == "photos"}


def _check_editable(submission: Submission) -> None:
    if submission.state not in TRANSITIONS["save"]:
        raise WorkflowError(REFUSALS["save"])
    if not accepts(submission.deliverable, submission.unit_id, utcnow()):
        raise WorkflowError(closed_message(submission.deliverable))


def _entries(data: dict, key: str) -> list[dict]:
    return [dict(e) for e in (data.get(key) or []) if isinstance(e, dict)]


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
    for upload in files:
        name = display_name(upload.filename)
        if len(entries) >= limit:
            result.errors.append(f"最多可上传 {limit} 张照片，“{name}”未上传。如需更换，请先删除不需要的照片。")
            continue
        try:
            photo, paths = store_photo(submission, field_key, upload.stream, upload.filename, user=user)
        except PhotoRejected as exc:
            result.errors.append(str(exc))
            continue
        result.photos.append(photo)
        result.paths.extend(paths)
        entries.append({"id": str(photo.id), "caption": ""})
    if result.photos:
        submission.data = {**(submission.data or {}), field_key: entries}
        submission.updated_at = utcnow()
        submission.updated_by_id = user.id
        record("photos_uploaded", user=user, campaign_id=submission.deliverable.campaign_id,
               unit_id=submission.unit_id, submission_id=submission.id, photos=[p.id for p in result.photos])
        db.session.flush()
    return result


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
        known = {str(e.get("id")): e for e in _entries(stored, key)}
        kept, seen = [], set()
        for entry in _entries(data, key):
            pid = str(entry.get("id") or "")
            if pid in known and pid not in seen:
                kept.append({"id": pid, "caption": str(entry.get("caption") or "")})
                seen.add(pid)
        kept.extend({"id": pid, "caption": str(e.get("caption") or "")} for pid, e in known.items() if pid not in seen)
        data[key] = kept
    return data


def photos_of(submission: Submission) -> dict[str, Photo]:
    """The submission's photos by id (as the form data holds them)."""
    photos = db.session.scalars(sa.select(Photo).where(Photo.submission_id == submission.id)).all()
    return {str(p.id): p for p in photos}


def viewable_photo(photo_id: int, viewer: User) -> Photo | None:
    """The photo if the viewer may see it: the unit's own reporters, the campaign's coordinators, admins."""
    from ..access import can_manage

    photo = db.session.get(Photo, photo_id)
    if photo is None:
        return None
    submission = photo.submission
    if viewer.is_reporter:
        return photo if viewer.unit_id == submission.unit_id else None
    return photo if can_manage(submission.deliverable.campaign) else None
