"""Every route of the app × every role, built from the URL map so a new route cannot be missed.

Roles: anonymous, the reporter of the unit, a reporter of another unit, the coordinator of another
campaign, the campaign's coordinator, an admin. Each endpoint lists the statuses each role may get;
"denied" roles must get exactly 401 (anonymous), 403 (wrong role) or 404 (out of scope).
"""
import pytest

from tests.conftest import login
from tests.routes import ROLES, endpoints

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
    "auth.change_password": {**ANON},
    "main.index": {"anonymous": {302}},  # to the login page
    # The load balancer's checks answer everyone (and say nothing but "ok" and which part is down).
    "main.healthz": {role: {200} for role in ("anonymous", "own_reporter", "other_reporter", "other_coordinator",
                                              "coordinator", "admin")},
    "main.readyz": {role: {200} for role in ("anonymous", "own_reporter", "other_reporter", "other_coordinator",
                                             "coordinator", "admin")},
    "unit.todo": {**REPORTER_ONLY},
    "unit.deliverable": unit_route(),
    "unit.autosave": unit_route(),
    "unit.withdraw_submission": unit_route(),
    "unit.receipt": unit_route(),
    "coordinator.campaigns": {**STAFF_ONLY},
    "campaigns.new": {**STAFF_ONLY},
    "campaigns.create_from_preset": {**STAFF_ONLY},
    "campaigns.create_from_definition": {**STAFF_ONLY},
    "notices.start": {**STAFF_ONLY},
    "notices.create": {**STAFF_ONLY},
    "design.new_campaign": {**STAFF_ONLY},
    "design.edit": campaign_route(),
    "design.preview": campaign_route(),
    "design.add": campaign_route(),
    "campaigns.show": campaign_route(),
    "campaigns.edit": campaign_route(),
    "campaigns.remove_deliverable": campaign_route(),
    "campaigns.add_deliverables": campaign_route(),
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
    # A job's progress: whoever started it (here the coordinator) and administrators.
    "jobs.show": {**ANON, "own_reporter": {404}, "other_reporter": {404}, "other_coordinator": {404},
                  "coordinator": {200}, "admin": {200}},
    "jobs.download": {**ANON, "own_reporter": {404}, "other_reporter": {404}, "other_coordinator": {404},
                      "coordinator": {404}, "admin": {404}},  # the world's job built no file
    "jobs.status": {**ANON, "own_reporter": {404}, "other_reporter": {404}, "other_coordinator": {404},
                    "coordinator": {200}, "admin": {200}},
    "admin.send_link": {**ADMIN_ONLY},
    "admin.set_active": {**ADMIN_ONLY},
    "audit.index": {**ADMIN_ONLY},
    "audit.export": {**ADMIN_ONLY},
    "photos.show": unit_photo(),
    "photos.thumbnail": unit_photo(),
    "reminders.index": campaign_route(),
    "reminders.preview": campaign_route(),
    "reminders.send": campaign_route(),
    "reminders.schedule": campaign_route(),
    # Relaying needs a unit with units below it, and compiling up a relay: this world has neither
    # (tests/test_relay_access.py walks the routes in a world of relays).
    "intake.index": campaign_route(),
    "intake.confirm": campaign_route(),
    "documents.template": unit_route(),
    "documents.upload": unit_route(),
    "documents.review": unit_route(),
    "documents.confirm": unit_route(),
    "documents.download": unit_photo(),  # the unit's reporters and the campaign's staff, like its photos
    "relays.new": {**REPORTER_ONLY, "own_reporter": {404}, "other_reporter": {404}},
    "relays.gather_preview": {**REPORTER_ONLY, "own_reporter": {404}, "other_reporter": {404}},
    "relays.gather_confirm": {**REPORTER_ONLY, "own_reporter": {404}, "other_reporter": {404}},
    "relays.attach_rollups": {**REPORTER_ONLY, "own_reporter": {404}, "other_reporter": {404}},
}


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
