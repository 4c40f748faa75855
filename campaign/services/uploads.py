"""Files in (离线填报): the unit's offline template out, Word and Excel files in, read by the form's rules
and put into the draft only when confirmed. The file is kept with the submission whatever becomes of it."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from ..documents.convert import to_docx
from ..documents.docx_reader import read_outline
from ..documents.safety import DocumentRefused, is_ole
from ..documents.xlsx_reader import Reading, norm, read_identity, read_table
from ..extensions import db
from ..models import Deliverable, Submission, Unit, UploadedFile, User, record, utcnow
from . import WorkflowError
from .submissions import check_transition, initial_data, save_draft

TABLE_EXTENSIONS = ("xlsx",)
OUTLINE_EXTENSIONS = ("docx", "doc", "wps")


def form_kind(form: dict) -> str | None:
    """"table" for a form with a repeatable group and no outline sections (附件1), "outline" for one with
    sections (附件2); None for others (they are filled on the web)."""
    kinds = {spec["type"] for spec in form["fields"]}
    if "section" in kinds:
        return "outline"
    if "rows" in kinds and "photos" not in kinds:
        return "table"
    return None


def accepted_extensions(deliverable: Deliverable) -> tuple[str, ...]:
    kind = form_kind(deliverable.form)
    return TABLE_EXTENSIONS if kind == "table" else OUTLINE_EXTENSIONS if kind == "outline" else ()


def form_version(form: dict) -> str:
    """Changes whenever the form's definition does: a template of an older form is refused."""
    return hashlib.sha256(json.dumps(form, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _signature(campaign_id, deliverable_id, unit_id, version) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{campaign_id}|{deliverable_id}|{unit_id}|{version}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def template_identity(submission: Submission) -> dict[str, str]:
    """What the unit's template carries so that an upload is matched without guessing."""
    deliverable = submission.deliverable
    version = form_version(deliverable.form)
    return {"campaign": str(deliverable.campaign_id), "deliverable": str(deliverable.id),
            "unit": str(submission.unit_id), "form": version, "draft": str(submission.version),
            "signature": _signature(deliverable.campaign_id, deliverable.id, submission.unit_id, version)}


def template_data(submission: Submission) -> dict:
    return initial_data(submission)


def read_file(deliverable: Deliverable, filename: str, raw: bytes) -> Reading:
    """Read an uploaded file for the deliverable's form; DocumentRefused says why it cannot be."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kind = form_kind(deliverable.form)
    if extension in ("xlsm", "docm", "xltm", "dotm"):
        raise DocumentRefused("文件含有宏，为安全起见不能上传。请另存为不含宏的文件（.xlsx 或 .docx）后再上传。")
    if extension == "xlsx":
        _refuse_other_deliverable(read_identity(raw), deliverable)
    if kind == "table":
        if extension not in TABLE_EXTENSIONS:
            raise DocumentRefused("此事项请上传 Excel 填报表（.xlsx）：在本页下载填报模板，填好后上传。")
        return read_table(raw, deliverable.form)
    if kind == "outline":
        if extension not in OUTLINE_EXTENSIONS:
            raise DocumentRefused("此事项请上传 Word 文件（.docx，或 .doc、.wps）。")
        if extension in ("doc", "wps") or is_ole(raw):
            if extension == "docx":
                raise DocumentRefused("该文件是加密文件或旧版格式，无法读取。请取消密码，另存为 .docx 后再上传。")
            raw = to_docx(raw, extension)
        return read_outline(raw, deliverable.form)
    raise DocumentRefused("此事项含照片等内容，请在网页上填写。")


def _signed(identity: dict[str, str]) -> bool:
    expected = _signature(identity.get("campaign"), identity.get("deliverable"), identity.get("unit"),
                          identity.get("form"))
    return hmac.compare_digest(expected, identity.get("signature", ""))


def _refuse_other_deliverable(identity: dict[str, str], deliverable: Deliverable) -> None:
    """A template this system made for another deliverable is refused, naming the deliverable it is for."""
    if not identity.get("mark") or identity.get("deliverable") == str(deliverable.id) or not _signed(identity):
        return
    number = identity.get("deliverable", "")
    other = db.session.get(Deliverable, int(number)) if number.isdigit() else None
    if other is None:
        raise DocumentRefused("这是其他报送事项的填报模板。请在本事项的填报页下载模板。")
    where = "" if other.campaign_id == deliverable.campaign_id else f"通知“{other.campaign.title}”中"
    raise DocumentRefused(f"这是{where}“{other.label}”的模板，请在该事项的页面上传。")


def check_identity(reading: Reading, submission: Submission) -> None:
    """Refuse a file of another unit, another deliverable or an older form, saying which."""
    identity = reading.identity
    deliverable = submission.deliverable
    if identity.get("mark"):
        if not _signed(identity):
            raise DocumentRefused("文件中的模板标识无效（可能被改动过）。请重新下载填报模板后再填写上传。")
        if identity.get("unit") != str(submission.unit_id):
            other = db.session.get(Unit, int(identity["unit"])) if identity["unit"].isdigit() else None
            raise DocumentRefused(f"这是{other.name if other else '其他单位'}的填报模板，不能用于{submission.unit.name}。")
        _refuse_other_deliverable(identity, deliverable)
        if identity.get("form") != form_version(deliverable.form):
            raise DocumentRefused("通知的表格在您下载模板之后调整过，这是旧版模板。请重新下载模板，把内容复制过去后再上传。")
    elif reading.unit_name and norm(reading.unit_name) != norm(submission.unit.name):
        raise DocumentRefused(f"文件中的填报单位是“{reading.unit_name}”，不是{submission.unit.name}。")


def upload_dir() -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], "documents")


def upload_path(upload: UploadedFile) -> str:
    return os.path.join(upload_dir(), upload.storage_name)


def store(submission: Submission, filename: str, raw: bytes, *, user: User | None,
          on_behalf: bool = False, purpose: str = "import") -> UploadedFile:
    """Keep the file as sent under a random name (flushed; the caller commits)."""
    os.makedirs(upload_dir(), exist_ok=True)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    upload = UploadedFile(submission_id=submission.id, filename=filename[:255] or f"上传文件.{extension}",
                          storage_name=f"{secrets.token_hex(16)}.{extension[:10]}", size=len(raw),
                          uploaded_by_id=user.id if user else None, on_behalf=on_behalf, purpose=purpose)
    with open(upload_path(upload), "wb") as fh:
        fh.write(raw)
    db.session.add(upload)
    db.session.flush()
    record("file_uploaded", user=user, campaign_id=submission.deliverable.campaign_id, unit_id=submission.unit_id,
           submission_id=submission.id, upload_id=upload.id, filename=upload.filename, on_behalf=on_behalf,
           purpose=purpose)
    return upload


def read_stored(upload: UploadedFile, submission: Submission) -> Reading:
    """Read a kept file again (what the comparison shows is what would be applied)."""
    with open(upload_path(upload), "rb") as fh:
        raw = fh.read()
    reading = read_file(submission.deliverable, upload.filename, raw)
    check_identity(reading, submission)
    return reading


def merged(current: dict, read: dict) -> dict:
    """The draft after the import: the fields the file filled replace the draft's, the rest (photos) stays."""
    return {**(current or {}), **read}


def uploads_of(submission: Submission) -> list[UploadedFile]:
    return list(db.session.scalars(sa.select(UploadedFile).where(UploadedFile.submission_id == submission.id)
                                   .order_by(UploadedFile.id)))


def pending_upload(submission: Submission, upload_id: int) -> UploadedFile:
    upload = db.session.get(UploadedFile, upload_id)
    if upload is None or upload.submission_id != submission.id or upload.is_attachment:
        raise WorkflowError("找不到这个上传文件，请重新上传。")
    return upload


@dataclass(frozen=True)
class Applied:
    upload: UploadedFile
    at: datetime


def apply(submission: Submission, upload: UploadedFile, data: dict, *, user: User, base_version: int | None,
          now: datetime | None = None) -> Applied:
    """Put what the file held (already checked by the form's rules) into the draft; never submitted."""
    now = now or utcnow()
    check_transition("save", submission)
    save_draft(submission, data, base_version=base_version, user=user, now=now)
    upload.applied_at = now
    record("file_applied", user=user, campaign_id=submission.deliverable.campaign_id, unit_id=submission.unit_id,
           submission_id=submission.id, upload_id=upload.id)
    db.session.flush()
    return Applied(upload, now)


def attach(submission: Submission, files: list[tuple[str, bytes]], *, user: User) -> list[UploadedFile]:
    """Send files along with the unit's submission as they are (a relaying unit's own 汇总表 and 汇编)."""
    check_transition("save", submission)
    kept = [store(submission, name, raw, user=user, purpose="attachment") for name, raw in files]
    record("files_attached", user=user, campaign_id=submission.deliverable.campaign_id, unit_id=submission.unit_id,
           submission_id=submission.id, files=[k.filename for k in kept])
    return kept
