"""Fixtures: the app on SQLite (default) or on PostgreSQL (CAMPAIGN_TEST_DATABASE_URL), clients, factories."""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

# Jobs run at once, inside the request that queues them, unless a test starts real workers
# (tests/test_jobs_workers.py); set before the queue is created on import.
os.environ["CAMPAIGN_QUEUE_URL"] = "memory://"

from campaign import create_app  # noqa: E402
from campaign.extensions import db
from campaign.definitions.presets import load_preset
from campaign.models import Contact, Role, Submission, Unit
from campaign.services.accounts import create_user
from campaign.services.campaigns import create_from_preset, publish, set_recipients
from campaign.services.jobs import start_job  # noqa: E402
from campaign.services.photos import process_photo, store_photo
from campaign.services.relays import RelayDeliverable, create_relay
from campaign.services.submissions import submit
from campaign.services.uploads import store as store_upload
from tests.helpers import annex1
from tests.photo_helpers import jpeg_bytes

pytest_plugins = ["tests.browser", "tests.smtp_fixtures"]

PASSWORD = "correct horse 1"
PG_URL = os.environ.get("CAMPAIGN_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The database every test uses; created once, emptied between tests."""
    if PG_URL:
        engine = sa.create_engine(PG_URL)
        try:
            with engine.connect():
                pass
        except sa.exc.OperationalError as exc:  # the PostgreSQL run must not silently skip
            pytest.exit(f"PostgreSQL at {PG_URL} is not reachable: {exc}", returncode=3)
        finally:
            engine.dispose()
        return PG_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test"})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        db.engine.dispose()
    # No app context stays pushed between tests: each test pushes its own.
    yield tables


def _empty(tables):
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture
def make_app(database_url, _schema, tmp_path):
    """Factory for an app bound to the test database; extra settings override the defaults."""
    created = []

    def factory(**settings):
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            "MAIL_SERVER": None,
            "BASE_URL": "http://campaign.test",
        }
        config.update(settings)
        app = create_app(config)
        created.append(app)
        return app

    yield factory
    for index, app in enumerate(created):
        with app.app_context():
            db.session.remove()
            if index == 0:
                _empty(_schema)
            # Every app owns its own pool: close them all, or PostgreSQL connections linger until GC.
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_unit(app):
    counter = iter(range(1, 100_000))

    def factory(name=None, *, parent=None, email=None, code=None):
        n = next(counter)
        unit = Unit(name=name or f"测试单位{n}", short_name=name or f"单位{n}", code=code or f"u{n}",
                    parent=parent, sort_order=n)
        unit.contacts.append(Contact(name=f"联系人{n}", phone=f"010-8000{n:04d}", email=email or f"u{n}@example.cn"))
        db.session.add(unit)
        db.session.flush()
        return unit

    return factory


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 100_000))

    def factory(role=Role.reporter, *, unit=None, username=None, email=None):
        n = next(counter)
        user = create_user(username=username or f"{role.value}{n}", password=PASSWORD, role=role,
                           name=f"{role.label}{n}", unit=unit, email=email or f"user{n}@example.cn")
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_campaign(app, make_user):
    """A published campaign from a preset, deadlines moved so the first is `days_left` days away."""

    def factory(preset="samr_2023_9", *, units, coordinator=None, days_left=10, publish_it=True,
                late_policy=None):
        coordinator = coordinator or make_user(Role.coordinator)
        p = load_preset(preset)
        first = min(d.deadline for d in p.deliverables)
        target = datetime.now(timezone.utc) + timedelta(days=days_left)
        shift = timedelta(days=(target.date() - first.date()).days)
        campaign = create_from_preset(p, user=coordinator, shift_by=shift)
        if late_policy:
            for d in campaign.deliverables:
                d.late_policy = late_policy
        set_recipients(campaign, units)
        if publish_it:
            publish(campaign, user=coordinator, confirm_past_deadline=True)
        db.session.commit()
        return campaign

    return factory


def login(client, user, password=PASSWORD):
    response = client.post("/auth/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(client):
    def do(user):
        client.post("/auth/logout")
        return login(client, user)

    return do


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


def login_with_token(client, user):
    """Log in through the page, with its CSRF token (for apps that check it)."""
    page = client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD,
                                                "csrf_token": csrf_from(page)})
    assert response.status_code == 302


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def world(app, make_unit, make_user, make_campaign):
    """One unit filing one campaign, a neighbour filing another, and a user of every role (see tests/routes.py)."""
    own, other = make_unit("北京市市场监督管理局"), make_unit("天津市市场监督管理委员会")
    coordinator = make_user(Role.coordinator)
    campaign = make_campaign(units=[own], coordinator=coordinator)
    other_campaign = make_campaign(units=[other])
    users = {
        "own_reporter": make_user(Role.reporter, unit=own),
        "other_reporter": make_user(Role.reporter, unit=other),
        "other_coordinator": other_campaign.coordinators[0],
        "coordinator": coordinator,
        "admin": make_user(Role.admin),
    }
    deliverable = campaign.deliverables[0]
    submission = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=deliverable.id, unit_id=own.id))
    submit(submission, {"study": annex1()["study"]}, base_version=None, user=users["own_reporter"])
    photo, _ = store_photo(submission, "photos", jpeg_bytes(), "活动.jpg", content_type="image/jpeg", size=(40, 20),
                           user=users["own_reporter"])
    process_photo(photo)
    upload = store_upload(submission, "填报表.xlsx", b"not read in this world", user=users["own_reporter"])
    job = start_job("reminders", "发送催报邮件", total=1, user=coordinator)
    db.session.commit()
    values = {
        "deliverable_id": deliverable.id, "campaign_id": campaign.id, "submission_id": submission.id,
        "unit_id": own.id, "number": 1, "filename": "css/app.css", "kind": "xlsx", "fmt": "csv", "photo_id": photo.id,
        "user_id": users["own_reporter"].id, "token": "not-a-valid-link", "upload_id": upload.id, "job_id": job.id,
    }
    return dict(users=users, values=values)


@pytest.fixture
def relay_world(app, make_unit, make_user, make_campaign):
    """A ministry's notice to two provinces; each relays it to its own cities, and 郑州 has filed to 河南.

    Users: the ministry's coordinator, 河南's reporter (its relay's 联络员), 河北's (a neighbour's 联络员),
    郑州's reporter (a city), an admin. Values: the ids of 河南's relay and of what was filed in it.
    """
    henan, hebei = make_unit("河南省市场监督管理局"), make_unit("河北省市场监督管理局")
    zhengzhou = make_unit("郑州市市场监督管理局", parent=henan)
    kaifeng = make_unit("开封市市场监督管理局", parent=henan)
    shijiazhuang = make_unit("石家庄市市场监督管理局", parent=hebei)
    ministry = make_user(Role.coordinator)
    upper = make_campaign(units=[henan, hebei], coordinator=ministry, days_left=20)
    users = {
        "upper_coordinator": ministry,
        "relay_coordinator": make_user(Role.reporter, unit=henan),
        "neighbour_coordinator": make_user(Role.reporter, unit=hebei),
        "city_reporter": make_user(Role.reporter, unit=zhengzhou),
        "admin": make_user(Role.admin),
    }
    relays = {}
    for name, unit, cities in (("relay_coordinator", henan, [zhengzhou, kaifeng]),
                               ("neighbour_coordinator", hebei, [shijiazhuang])):
        chosen = [RelayDeliverable(d, d.deadline - timedelta(days=5)) for d in upper.deliverables]
        relay = create_relay(upper, unit, user=users[name], chosen=chosen, title="", contact_name="联络员",
                             contact_phone="0371-1")
        set_recipients(relay, cities)
        publish(relay, user=users[name])
        relays[name] = relay
    relay = relays["relay_coordinator"]
    filed = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=relay.deliverables[0].id,
                                                               unit_id=zhengzhou.id))
    submit(filed, annex1_data_for_relay(), base_version=None, user=users["city_reporter"])
    db.session.commit()
    return dict(users=users, upper=upper, relay=relay, neighbour_relay=relays["neighbour_coordinator"],
                units=dict(henan=henan, hebei=hebei, zhengzhou=zhengzhou, kaifeng=kaifeng,
                           shijiazhuang=shijiazhuang),
                values={"campaign_id": relay.id, "submission_id": filed.id,
                        "deliverable_id": relay.deliverables[0].id})


def annex1_data_for_relay() -> dict:
    return {"leader_instructions": "市局主要负责同志作出批示。", "study": "召开党组会专题学习。",
            "documents": [{"name": "郑州市贯彻落实《纲要》实施方案", "issuer": "郑州市政府", "progress": "已印发"}],
            "publicity": "开设专栏宣传。", "experience": "清单化推进。", "contact_name": "张三",
            "contact_phone": "0371-12345678"}
