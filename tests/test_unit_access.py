"""A reporter can never read or change another unit's data; other roles cannot use unit pages."""
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Role, Submission
from tests.conftest import login
from tests.helpers import annex1

ROLES = ["anonymous", "own_reporter", "other_reporter", "other_coordinator", "coordinator", "admin"]


@pytest.fixture
def world(app, make_unit, make_user, make_campaign):
    own, other = make_unit("北京市市场监督管理局"), make_unit("天津市市场监督管理委员会")
    coordinator = make_user(Role.coordinator)
    campaign = make_campaign(units=[own], coordinator=coordinator)  # `other` is not a recipient
    other_campaign = make_campaign(units=[other])
    users = {
        "anonymous": None,
        "own_reporter": make_user(Role.reporter, unit=own),
        "other_reporter": make_user(Role.reporter, unit=other),
        "other_coordinator": other_campaign.coordinators[0],
        "coordinator": coordinator,
        "admin": make_user(Role.admin),
    }
    return dict(campaign=campaign, deliverable=campaign.deliverables[0], own=own, users=users,
                other_deliverable=other_campaign.deliverables[0])


def routes(d):
    base = f"/unit/deliverables/{d}"
    return [
        ("GET", "/unit/", None),
        ("GET", base, None),
        ("POST", base, annex1(action="save", study="越权写入")),
        ("POST", base, annex1(action="submit", study="越权写入")),
        ("POST", base + "/autosave", {"study": "越权写入"}),
        ("POST", base + "/withdraw", {}),
        ("GET", base + "/receipt", None),
    ]


# What each role gets from every unit route of a deliverable of its own unit's campaign.
EXPECTED = {
    "anonymous": {401},
    "own_reporter": {200, 302, 400, 404},  # 404: receipt before any submit
    "other_reporter": {404},
    "other_coordinator": {403},
    "coordinator": {403},
    "admin": {403},
}


@pytest.mark.parametrize("role", ROLES)
def test_unit_routes_by_role(client, world, role):
    user = world["users"][role]
    if user is not None:
        login(client, user)
    for method, url, data in routes(world["deliverable"].id):
        response = client.open(url, method=method, data=data)
        if url == "/unit/" and role in ("own_reporter", "other_reporter"):
            assert response.status_code == 200
            continue
        assert response.status_code in EXPECTED[role], (role, method, url, response.status_code)
    stored = db.session.scalars(sa.select(Submission.data)).all()
    if role != "own_reporter":
        assert not any("越权写入" in str(data) for data in stored)


def test_other_units_todo_does_not_list_foreign_deliverables(client, world):
    login(client, world["users"]["other_reporter"])
    page = client.get("/unit/").get_data(as_text=True)
    assert f"/unit/deliverables/{world['deliverable'].id}\"" not in page
    assert f"/unit/deliverables/{world['other_deliverable'].id}\"" in page


def test_draft_campaign_is_invisible_to_its_recipients(client, make_unit, make_user, make_campaign):
    unit = make_unit()
    reporter = make_user(Role.reporter, unit=unit)
    d = make_campaign(units=[unit], publish_it=False).deliverables[0]
    login(client, reporter)
    assert client.get(f"/unit/deliverables/{d.id}").status_code == 404
    assert f"/unit/deliverables/{d.id}" not in client.get("/unit/").get_data(as_text=True)


def test_security_headers_on_every_page(client, world):
    for url in ("/auth/login", "/unit/"):
        response = client.get(url)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite(client, world):
    response = client.post("/auth/login", data={"username": world["users"]["own_reporter"].username,
                                                "password": "correct horse 1"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
