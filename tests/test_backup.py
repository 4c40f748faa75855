"""Backups: `flask backup` then `flask restore` into an empty database and upload directory finds every
submission, revision and photo again (SQLite through its online backup API, PostgreSQL via pg_dump)."""
import os
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from campaign import create_app
from campaign.extensions import db
from campaign.models import Photo, Revision, Submission
from campaign.services.photos import photo_path


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A fresh, empty database of the same kind as the test one (created, then dropped)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_then_restore_into_an_empty_database_finds_everything(app, runner, world, empty_database, tmp_path):
    before = {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (Submission, Revision, Photo)}
    assert before["revisions"] >= 1 and before["photos"] >= 1
    out = tmp_path / "campaign-backup.tar"
    result = runner.invoke(args=["backup", str(out)])
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output and "上传文件" in result.output

    restored = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x",
                           "UPLOAD_DIR": str(tmp_path / "restored-uploads")})
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(out)])
        assert result.exit_code == 0, result.output
        after = {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Submission, Revision, Photo)}
        assert after == before
        for photo in db.session.scalars(sa.select(Photo)):
            assert os.path.exists(photo_path(photo)) and os.path.getsize(photo_path(photo)) > 0
        # A second restore onto the now full database is refused: nothing is overwritten.
        again = restored.test_cli_runner().invoke(args=["restore", str(out)])
        assert again.exit_code == 1 and "目标数据库已有数据" in again.output
        db.session.remove()
        db.engine.dispose()
