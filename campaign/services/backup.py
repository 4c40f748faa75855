"""Backups: the database and the upload directory (photos, uploaded files) in one .tar file.

SQLite is copied with its online backup API (consistent while the app runs); PostgreSQL with
pg_dump's custom format. `restore` puts both back into an empty database and upload directory.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import make_url

from ..extensions import db
from ..models import utcnow
from . import WorkflowError

FORMAT = 1
COUNTED = ("units", "users", "campaigns", "deliverables", "submissions", "revisions", "photos", "uploaded_files",
           "audit_log")


@dataclass
class BackupInfo:
    kind: str
    created_at: str
    counts: dict[str, int]
    files: int


def _counts() -> dict[str, int]:
    names = set(sa.inspect(db.engine).get_table_names())
    return {t: db.session.scalar(sa.text(f"SELECT COUNT(*) FROM {t}")) for t in COUNTED if t in names}


def _libpq(url) -> str:
    """A SQLAlchemy URL as pg_dump and pg_restore take it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup(out_path: str) -> BackupInfo:
    """Write the database and the upload directory to `out_path` (.tar)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    uploads = current_app.config["UPLOAD_DIR"]
    with tempfile.TemporaryDirectory() as work:
        if url.get_backend_name() == "sqlite":
            kind, dump = "sqlite", os.path.join(work, "database.sqlite")
            source = sqlite3.connect(url.database)
            target = sqlite3.connect(dump)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        elif url.get_backend_name() == "postgresql":
            kind, dump = "postgresql", os.path.join(work, "database.dump")
            subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", dump, _libpq(url)], check=True,
                           capture_output=True)
        else:
            raise WorkflowError(f"不支持备份这种数据库：{url.get_backend_name()}")
        info = BackupInfo(kind=kind, created_at=utcnow().isoformat(), counts=_counts(), files=0)
        with tarfile.open(out_path, "w") as archive:
            archive.add(dump, arcname=os.path.basename(dump))
            if os.path.isdir(uploads):
                for folder, _, files in os.walk(uploads):
                    for name in files:
                        path = os.path.join(folder, name)
                        archive.add(path, arcname=os.path.join("uploads", os.path.relpath(path, uploads)))
                        info.files += 1
            manifest = json.dumps({"format": FORMAT, **info.__dict__}, ensure_ascii=False, indent=2).encode()
            entry = tarfile.TarInfo("manifest.json")
            entry.size = len(manifest)
            archive.addfile(entry, io.BytesIO(manifest))
    return info


def _manifest(archive: tarfile.TarFile) -> dict:
    try:
        return json.load(archive.extractfile("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise WorkflowError("这不是本系统的备份文件（缺少 manifest.json）。") from exc


def _empty_database() -> bool:
    names = set(sa.inspect(db.engine).get_table_names())
    return "units" not in names or not db.session.scalar(sa.text("SELECT COUNT(*) FROM units"))


def restore(in_path: str) -> BackupInfo:
    """Put a backup back into the configured database (which must be empty) and upload directory."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    uploads = current_app.config["UPLOAD_DIR"]
    with tarfile.open(in_path, "r") as archive:
        manifest = _manifest(archive)
        if manifest.get("kind") != url.get_backend_name():
            raise WorkflowError(f"备份来自 {manifest.get('kind')} 数据库，不能恢复到 {url.get_backend_name()} 数据库。")
        if not _empty_database():
            raise WorkflowError("目标数据库已有数据。为避免覆盖，请恢复到一个新建的空数据库。")
        db.session.remove()
        db.engine.dispose()
        with tempfile.TemporaryDirectory() as work:
            archive.extractall(work, filter="data")
            if manifest["kind"] == "sqlite":
                shutil.copyfile(os.path.join(work, "database.sqlite"), url.database)
            else:
                subprocess.run(["pg_restore", "--no-owner", "--clean", "--if-exists", "--dbname", _libpq(url),
                                os.path.join(work, "database.dump")], check=True, capture_output=True)
            restored = os.path.join(work, "uploads")
            if os.path.isdir(restored):
                shutil.copytree(restored, uploads, dirs_exist_ok=True)
    counts = _counts()
    if counts != manifest["counts"]:
        raise WorkflowError(f"恢复后的记录数与备份时不一致：{counts} ≠ {manifest['counts']}")
    return BackupInfo(kind=manifest["kind"], created_at=manifest["created_at"], counts=counts,
                      files=manifest["files"])
