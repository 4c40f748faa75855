"""Every route of the app × every role, built from the URL map so a new route cannot be missed.

Roles: anonymous, the reporter of the unit, a reporter of another unit, the coordinator of another
campaign, the campaign's coordinator, an admin. Each endpoint lists the statuses each role may get;
"denied" roles must get exactly 401 (anonymous), 403 (wrong role) or 404 (out of scope).
"""
import io

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Role, Submission
from campaign.services.photos import store_photo
from campaign.services.submissions import submit
from tests.conftest import login
from tests.helpers import annex1
from tests.photo_helpers import jpeg_bytes

ROLES = ("anonymous", "own_reporter", "other_reporter", "other_coordinator", "coordinator", "admin")
OK = {200, 302, 400, 409}  # allowed: shown, done, or refused for its content
ANON = {"anonymous": {401}}
STAFF_ONLY = {**ANON, "own_reporter": {403}, "other_reporter": {403}}
REPORTER_ONLY = {**ANON, "other_coordinator": {403}, "coordinator": {403}, "admin": {403}}
ADMIN_ONLY = {**STAFF_ONLY, "other_coordinator": {403}, "coordinator": {403}}


def unit_route(own=OK):
    return {**REPORTER_ONLY, "own_reporter": own, "other_reporter": {404}}


def campaign_route():
    """A route about one campaign: its coordinators and admins only."""
    return {**STAFF_ONLY, "other_coordinator": {404}, "coordinator": OK, "admin": OK}


def unit_photo():
    """A unit's photo: that unit's reporters, the campaign's coordinators and admins see it."""
    return {**ANON, "own_reporter": {200}, "other_reporter": {404}, "other_coordinator": {404},
            "coordinator": {200}, "admin": {200}}


# endpoint → {role: allowed statuses}; roles not listed get OK.
EXPECTED = {
    "auth.login": {},
    "auth.logout": {**ANON},
    "main.index": {**ANON},
    "unit.todo": {**REPORTER_ONLY},
    "unit.deliverable": unit_route(),
    "unit.autosave": unit_route(),
    "unit.withdraw_submission": unit_route(),
    "unit.receipt": unit_route(),
    "coordinator.campaigns": {**STAFF_ONLY},
    "campaigns.new": {**STAFF_ONLY},
    "campaigns.create_from_preset": {**STAFF_ONLY},
    "campaigns.create_from_definition": {**STAFF_ONLY},
    "campaigns.show": campaign_route(),
    "campaigns.edit": campaign_route(),
    "campaigns.remove_deliverable": campaign_route(),
    "campaigns.recipients": campaign_route(),
    "campaigns.publish": campaign_route(),
    "campaigns.close": campaign_route(),
    "review.progress": campaign_route(),
    "review.submission": campaign_route(),
    "review.return_submission": campaign_route(),
    "review.accept_submission": campaign_route(),
    "review.grant_extension": campaign_route(),
    "reports.campaign": campaign_route(),
    "reports.download": campaign_route(),
    "reports.unit_download": unit_route(),
    "auth.set_password": {},  # the e-mailed link works without a login; a bad token is refused with 400
    "admin.units": {**ADMIN_ONLY},
    "admin.import_template": {**ADMIN_ONLY},
    "admin.import_units": {**ADMIN_ONLY},
    "admin.confirm_import": {**ADMIN_ONLY},
    "admin.send_link": {**ADMIN_ONLY},
    "photos.show": unit_photo(),
    "photos.thumbnail": unit_photo(),
    "reminders.index": campaign_route(),
    "reminders.preview": campaign_route(),
    "reminders.send": campaign_route(),
    "reminders.schedule": campaign_route(),
}


@pytest.fixture
def world(app, make_unit, make_user, make_campaign):
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
    data = {k: v for k, v in annex1().items()}
    submit(submission, {"study": data["study"]}, base_version=None, user=users["own_reporter"])
    photo, _ = store_photo(submission, "photos", io.BytesIO(jpeg_bytes()), "活动.jpg", user=users["own_reporter"])
    db.session.commit()
    values = {
        "deliverable_id": deliverable.id, "campaign_id": campaign.id, "submission_id": submission.id,
        "unit_id": own.id, "number": 1, "filename": "css/app.css", "kind": "xlsx", "photo_id": photo.id,
        "user_id": users["own_reporter"].id, "token": "not-a-valid-link",
    }
    return dict(users=users, values=values)


def endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_is_in_the_matrix(app):
    missing = sorted({rule.endpoint for rule, _ in endpoints(app)} - set(EXPECTED))
    assert not missing, f"add these endpoints to EXPECTED in {__file__}: {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_route_by_role(app, client, world, role):
    if role != "anonymous":
        login(client, world["users"][role])
    failures = []
    for rule, method in endpoints(app):
        url = rule.build({name: world["values"][name] for name in rule.arguments}, append_unknown=False)[1]
        if rule.endpoint == "auth.logout":
            continue  # would end this client's session; checked separately
        response = client.open(url, method=method, data={})
        allowed = EXPECTED.get(rule.endpoint, {}).get(role, OK)
        if response.status_code not in allowed:
            failures.append(f"{method} {url} ({rule.endpoint}) → {response.status_code}, expected {sorted(allowed)}")
    assert not failures, "\n".join(failures)


def test_logout_needs_a_login(client):
    assert client.post("/auth/logout").status_code == 401
