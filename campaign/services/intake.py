"""The coordinator's intake (代录) of files that arrived by e-mail: each file (or each file of a .zip) is matched
to a recipient unit — by the identity its template carries, else the 填报单位 written in it, else a unit
name in the file name — read by the form's rules, shown, and on confirmation stored as that unit's
submission marked 代报, with the original file kept and the unit told by e-mail. A refused file leaves
nothing behind; an upload never confirmed is deleted after INTAKE_KEEP_HOURS."""
from __future__ import annotations

import io
import os
import secrets
import shutil
import time
import zipfile
from dataclasses import dataclass, field

from flask import current_app, render_template

from ..documents.safety import MAX_FILE_BYTES, DocumentRefused  # noqa: F401 - raised through this module
from ..documents.xlsx_reader import Reading, norm
from ..extensions import db
from ..mail import MailError, send_email
from ..models import Campaign, Deliverable, Submission, Unit, User, record
from . import WorkflowError
from .submissions import get_submission, submit
from .uploads import check_identity, read_file, store

MAX_FILES = 200
MAX_BATCH_BYTES = 100 * 1024 * 1024
BATCH_ID_LENGTH = 32


@dataclass
class IntakeFile:
    """One file of a batch: where it came from, the unit it belongs to and how that was decided, what was read."""

    name: str
    raw: bytes = field(repr=False)
    unit: Unit | None = None
    matched_by: str = ""  # 模板标识 / 文件中的填报单位 / 文件名
    reading: Reading | None = None
    refused: str = ""  # why nothing of this file will be stored

    @property
    def ok(self) -> bool:
        return not self.refused


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Zip entry names from Chinese Windows are GBK bytes without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def expand(files: list[tuple[str, bytes]]) -> list[IntakeFile]:
    """Every file of the upload, a .zip opened (bounded in count, size and ratio; folders and hidden files skipped)."""
    found: list[IntakeFile] = []
    total = 0
    for name, raw in files:
        if name.lower().endswith(".zip"):
            try:
                package = zipfile.ZipFile(io.BytesIO(raw))
                infos = [i for i in package.infolist() if not i.is_dir()]
            except (zipfile.BadZipFile, ValueError, OSError):
                found.append(IntakeFile(name, b"", refused="压缩包已损坏，无法打开。"))
                continue
            for info in infos:
                inner = _zip_name(info)
                base = inner.rsplit("/", 1)[-1]
                if not base or base.startswith((".", "~$")) or "__MACOSX" in inner:
                    continue
                if info.file_size > MAX_FILE_BYTES or info.file_size > 120 * max(info.compress_size, 1) + 1024 * 1024:
                    found.append(IntakeFile(base, b"", refused="文件过大或压缩异常，未读取。"))
                    continue
                total += info.file_size
                if total > MAX_BATCH_BYTES or len(found) >= MAX_FILES:
                    raise DocumentRefused(f"一次最多处理 {MAX_FILES} 个文件、共 {MAX_BATCH_BYTES // 1024 // 1024} MB，请分批上传。")
                found.append(IntakeFile(base, package.read(info)))
        else:
            total += len(raw)
            if total > MAX_BATCH_BYTES or len(found) >= MAX_FILES:
                raise DocumentRefused(f"一次最多处理 {MAX_FILES} 个文件、共 {MAX_BATCH_BYTES // 1024 // 1024} MB，请分批上传。")
            found.append(IntakeFile(name, raw))
    return found


def _by_name(recipients: list[Unit], text: str) -> Unit | None:
    """The recipient whose full name (or, failing that, a short name of two or more characters) the text holds;
    the longest name wins, so 新乡县水利局 is not taken for 新乡市水利局's short name."""
    text = norm(text)
    for unit in sorted(recipients, key=lambda u: -len(u.name)):
        if norm(unit.name) and norm(unit.name) in text:
            return unit
    shorts = [u for u in recipients if len(norm(u.short_name)) >= 2]
    hits = [u for u in shorts if norm(u.short_name) in text]
    longest = max((len(norm(u.short_name)) for u in hits), default=0)
    hits = [u for u in hits if len(norm(u.short_name)) == longest]
    return hits[0] if len(hits) == 1 else None


def match(item: IntakeFile, deliverable: Deliverable, recipients: list[Unit]) -> None:
    """Read the file and find its unit; set `refused` with the reason when either fails."""
    try:
        item.reading = read_file(deliverable, item.name, item.raw)
    except DocumentRefused as exc:
        item.refused = str(exc)
        return
    identity = item.reading.identity
    by_id = {str(u.id): u for u in recipients}
    if identity.get("mark") and identity.get("unit") in by_id:
        item.unit, item.matched_by = by_id[identity["unit"]], "模板标识"
    elif item.reading.unit_name and (unit := _by_name(recipients, item.reading.unit_name)):
        item.unit, item.matched_by = unit, "文件中的填报单位"
    elif unit := _by_name(recipients, item.name.rsplit(".", 1)[0]):
        item.unit, item.matched_by = unit, "文件名"
    else:
        item.refused = "无法确定是哪个单位的材料：文件中没有填报单位，文件名中也没有报送单位的名称。请把文件名改为单位名称后再上传。"
        return
    try:
        check_identity(item.reading, get_submission(deliverable, item.unit))
    except DocumentRefused as exc:
        item.refused = str(exc)


def check(deliverable: Deliverable, files: list[tuple[str, bytes]]) -> list[IntakeFile]:
    """Each file matched and read; two files for one unit refuse the later one."""
    recipients = list(deliverable.campaign.recipients)
    items = expand(files)
    seen: dict[int, str] = {}
    for item in items:
        if item.refused:
            continue
        match(item, deliverable, recipients)
        if item.ok and item.unit.id in seen:
            item.refused = f"与“{seen[item.unit.id]}”是同一单位（{item.unit.name}）的材料，只导入前一个。"
        elif item.ok:
            seen[item.unit.id] = item.name
    return items


def batch_dir() -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], "intake")


def purge_batches(now: float | None = None) -> int:
    """Delete uploads never confirmed, kept longer than INTAKE_KEEP_HOURS; returns how many."""
    folder = batch_dir()
    if not os.path.isdir(folder):
        return 0
    cutoff = (time.time() if now is None else now) - current_app.config["INTAKE_KEEP_HOURS"] * 3600
    removed = 0
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += 1
    return removed


def keep_batch(files: list[tuple[str, bytes]]) -> str:
    """Keep an upload until it is confirmed (the preview and the confirmation read the very same files);
    older batches never confirmed go first."""
    purge_batches()
    batch = secrets.token_hex(BATCH_ID_LENGTH // 2)
    folder = os.path.join(batch_dir(), batch)
    os.makedirs(folder)
    for index, (name, raw) in enumerate(files):
        with open(os.path.join(folder, f"{index:04d}"), "wb") as fh:
            fh.write(raw)
        with open(os.path.join(folder, f"{index:04d}.name"), "w", encoding="utf-8") as fh:
            fh.write(name)
    return batch


def load_batch(batch: str) -> list[tuple[str, bytes]]:
    if len(batch) != BATCH_ID_LENGTH or not all(c in "0123456789abcdef" for c in batch):
        raise WorkflowError("这批文件已处理或已过期，请重新上传。")
    folder = os.path.join(batch_dir(), batch)
    if not os.path.isdir(folder):
        raise WorkflowError("这批文件已处理或已过期，请重新上传。")
    files = []
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".name"):
            continue
        with open(os.path.join(folder, entry + ".name"), encoding="utf-8") as fh:
            name = fh.read()
        with open(os.path.join(folder, entry), "rb") as fh:
            files.append((name, fh.read()))
    return files


def drop_batch(batch: str) -> None:
    shutil.rmtree(os.path.join(batch_dir(), batch), ignore_errors=True)


def refusal(deliverable: Deliverable, item: IntakeFile) -> str:
    """Why the matched unit's submission cannot be filed on its behalf now, or ''."""
    submission = get_submission(deliverable, item.unit)
    if not submission.state.allows("submit"):
        return f"{item.unit.name}的材料已是“{submission.state.label}”，不能代报。如需更新，请先退回该单位的材料。"
    return ""


def take_in(deliverable: Deliverable, item: IntakeFile, data: dict, *, user: User, via: str = "web") -> Submission:
    """Store a matched file as the unit's submission, marked 代报, with the original file kept (flushed)."""
    if reason := refusal(deliverable, item):
        raise WorkflowError(reason)
    submission = get_submission(deliverable, item.unit)
    kept = store(submission, item.name, item.raw, user=user, on_behalf=True)
    revision = submit(submission, {**(submission.data or {}), **data}, base_version=None, user=user, on_behalf=True)
    kept.applied_at = revision.submitted_at
    record("taken_in", user=user, campaign_id=deliverable.campaign_id, unit_id=item.unit.id,
           submission_id=submission.id, filename=item.name, matched_by=item.matched_by, via=via)
    db.session.flush()
    return submission


def tell_unit(submission: Submission, coordinator_name: str) -> list[str]:
    """E-mail the unit's contacts that its material was filed on its behalf; returns the failures."""
    deliverable = submission.deliverable
    campaign: Campaign = deliverable.campaign
    subject = f"【代报】{deliverable.short_title or deliverable.title}：联络员已代为报送贵单位的材料"
    context = dict(submission=submission, deliverable=deliverable, campaign=campaign, unit=submission.unit,
                   coordinator=coordinator_name)
    failed = []
    for contact in submission.unit.contacts:
        if not contact.email:
            continue
        try:
            send_email(to=contact.email, subject=subject, text=render_template("email/intake.txt", **context),
                       html=render_template("email/intake.html", **context))
        except (MailError, ValueError) as exc:
            failed.append(f"{contact.email}：{exc}")
    return failed
