"""Command line: init-db applies migrations, seed-demo, create-user."""
import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from campaign import create_app
from campaign.extensions import db
from campaign.models import Campaign, CampaignState, Role, Submission, SubmissionState, Unit, User
from tests.helpers import demo_campaigns


def fresh_app(tmp_path):
    return create_app({"TESTING": True, "SECRET_KEY": "t",
                       "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "fresh.sqlite"),
                       "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")})


def test_init_db_applies_migrations_that_match_the_models(tmp_path):
    app = fresh_app(tmp_path)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        db.engine.dispose()


def _xinxiang_reports_have_photos(xinxiang):
    """Each submitted Xinxiang report carries two demo photos with captions, files on disk."""
    from campaign.services.photos import photo_path, photos_with_captions

    submitted = db.session.scalars(sa.select(Submission).filter_by(
        deliverable_id=xinxiang.deliverables[0].id, state=SubmissionState.submitted)).all()
    assert submitted
    for submission in submitted:
        photos = photos_with_captions(submission.data, "photos")
        assert [caption for _, caption in photos] == ["集中学习《纲要》现场", "专题辅导讲座"]
        assert all(os.path.isfile(photo_path(photo)) for photo, _ in photos)
        assert submission.revisions[-1].data["photos"] == submission.data["photos"]


def test_seed_demo_creates_both_campaigns_with_real_units(tmp_path):
    app = fresh_app(tmp_path)
    runner = app.test_cli_runner()
    runner.invoke(args=["init-db"])
    result = runner.invoke(args=["seed-demo", "--password", "Demo-Check-2026"])
    assert result.exit_code == 0, result.output
    assert "beijing" in result.output and "Demo-Check-2026" in result.output
    with app.app_context():
        samr, xinxiang = demo_campaigns()
        assert samr.doc_number == "国市监质发〔2023〕9号" and samr.state is CampaignState.published
        names = [u.name for u in samr.recipients]
        assert len(names) == 32 and names[0] == "北京市市场监督管理局" and names[1] == "天津市市场监督管理委员会"
        assert names[-1] == "新疆生产建设兵团市场监督管理局"
        assert "卫辉市水利局" in [u.name for u in xinxiang.recipients]
        reporters = db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.reporter))
        recipients = {u.id for c in db.session.scalars(sa.select(Campaign)) for u in c.recipients}
        assert reporters == len(recipients)  # one 填报人 per recipient unit
        # The chain: 河南 relays the SAMR notice to its cities; the bureau's notice relays the city office's.
        henan = db.session.scalar(sa.select(Campaign).where(Campaign.relays_campaign_id == samr.id))
        cities = [u.name for u in henan.recipients]
        assert henan.relaying_unit.name == "河南省市场监督管理局" and len(cities) == 18
        assert cities[0] == "郑州市市场监督管理局" and cities[-1] == "济源示范区市场监督管理局"
        assert xinxiang.relays.issuer == "新乡市质量强市战略工作领导小组办公室"
        assert "新乡市水利局" in [u.name for u in xinxiang.relays.recipients]
        states = set(db.session.scalars(sa.select(Submission.state)))
        assert states == set(SubmissionState)
        beijing = db.session.scalar(sa.select(Unit).filter_by(code="beijing"))
        first = db.session.scalar(sa.select(Submission).filter_by(unit_id=beijing.id,
                                                                   deliverable_id=samr.deliverables[0].id))
        assert first.state is SubmissionState.not_started
        _xinxiang_reports_have_photos(xinxiang)
        db.engine.dispose()
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "已有账号" in again.output


def test_create_user_binds_a_reporter_to_a_unit(runner, make_unit):
    make_unit("河北省市场监督管理局", code="hebei")
    result = runner.invoke(args=["create-user", "--username", "hb", "--role", "reporter", "--unit", "hebei",
                                 "--password", "Hebei-Secret-2026"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).filter_by(username="hb"))
    assert user.unit.name == "河北省市场监督管理局" and user.check_password("Hebei-Secret-2026")
    refused = runner.invoke(args=["create-user", "--username", "x", "--role", "reporter",
                                  "--password", "Strong-Enough-2026"])
    assert refused.exit_code == 1 and "必须绑定一个单位" in refused.output
    weak = runner.invoke(args=["create-user", "--username", "y", "--role", "admin", "--password", "password1"])
    assert weak.exit_code == 1 and "密码不符合要求" in weak.output


@pytest.mark.parametrize("password,message", [
    ("Short-1a", "至少 10 位"),
    ("onlyletters and spaces", "至少三种"),
    ("Hb-Officer-2026", "不能包含用户名"),  # the user name is "officer"
    ("Password123!", "常见密码"),
])
def test_create_user_refuses_a_password_against_the_rule(runner, password, message):
    result = runner.invoke(args=["create-user", "--username", "officer", "--role", "admin", "--password", password])
    assert result.exit_code == 1 and "密码不符合要求" in result.output and message in result.output
    assert db.session.scalar(sa.select(User).filter_by(username="officer")) is None


@pytest.mark.parametrize("password,message", [
    ("pw-demo-1", "至少 10 位"),
    ("demo password 2026", "至少三种"),
    ("Beijing-Demo-2026", "不能包含用户名"),  # a demo account is called beijing
    ("Password123!", "常见密码"),
])
def test_seed_demo_refuses_a_weak_password_and_stores_nothing(runner, password, message):
    result = runner.invoke(args=["seed-demo", "--password", password])
    assert result.exit_code == 1 and "演示密码不符合要求" in result.output and message in result.output
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 0


def test_seed_demo_random_passwords_each_meet_the_rule(runner):
    from campaign.services.accounts import password_problems

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()[1:] if line.strip()]
    accounts = {cells[-2]: cells[-1] for cells in lines}
    assert len(accounts) == db.session.scalar(sa.select(sa.func.count(User.id))) > 50
    assert len(set(accounts.values())) == len(accounts)  # one random password per account
    for username, password in accounts.items():
        assert password_problems(password, username) == [], username
    for username, password in list(accounts.items())[:3]:  # and they are the stored ones
        assert db.session.scalar(sa.select(User).filter_by(username=username)).check_password(password)


def test_secret_key_is_generated_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CAMPAIGN_SECRET_KEY", raising=False)
    from campaign.config import load_or_create_secret_key
    first = load_or_create_secret_key(str(tmp_path))
    assert len(first) == 64 and load_or_create_secret_key(str(tmp_path)) == first


def test_migrations_apply_on_the_test_database_server(database_url, tmp_path):
    """On PostgreSQL, apply the migrations to a scratch database and compare with the models."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "postgresql":
        app = fresh_app(tmp_path)  # SQLite is covered by the test above; check the URL plumbing
        assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
        return
    scratch = f"{url.database}_migrations"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "t",
                          "SQLALCHEMY_DATABASE_URI": url.set(database=scratch).render_as_string(hide_password=False)})
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            with db.engine.connect() as conn:
                assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        admin.dispose()

