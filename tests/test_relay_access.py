"""Every route a relay's people could reach, called on each of two provinces' relays by each role of the chain.

The relay's 联络员 (the province's reporter) runs it; the ministry's coordinator may only look at its
progress (read-only drill-down); a neighbouring province's 联络员 runs its own relay and gets nothing of
this one; a city's reporter files in its province's relay only; strangers get nothing; an admin may do
every coordinator's action. Each route is called twice: on 河南's relay and on 河北's (its sibling).
"""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.jobs.rollups import run_rollup
from campaign.models import Submission
from campaign.services.campaigns import publish, set_recipients
from campaign.services.jobs import queue_rollup
from campaign.services.photos import process_photo, store_photo
from campaign.services.relays import RelayDeliverable, create_relay
from campaign.services.submissions import save_draft
from campaign.services.uploads import store as store_upload
from tests.conftest import login
from tests.photo_helpers import jpeg_bytes
from tests.routes import endpoints

OK = {200, 302, 400, 409}
RELAY_ROLES = ("anonymous", "relay_coordinator", "neighbour_coordinator", "upper_coordinator", "city_reporter",
               "admin")
TARGETS = ("henan", "hebei")  # 河南's relay (the 联络员's own, 郑州's province) and its sibling 河北's
OWNER = {"relay_coordinator": "henan", "neighbour_coordinator": "hebei"}

# Route families, by endpoint prefix; every route that takes an id must be in one (see the first test).
COORDINATOR_SIDE = ("campaigns.", "review.", "reports.campaign", "reports.download", "reminders.",
                    "intake.")  # the relay's dashboard, review, reminders, rollups, intake and its settings
DESIGN = ("design.",)  # designing forms: a relay passes the upper forms down (or adds one from a definition)
UNIT_SIDE = ("unit.", "documents.template", "documents.upload", "documents.review", "documents.confirm",
             "reports.unit_download")  # a city filing the relay's deliverable
FILES = ("documents.download", "photos.")  # what a city filed: its original files and photos
JOBS = ("jobs.",)  # a rollup the relay's 联络员 had built
RELAYS = ("relays.",)  # relaying the notice the province received, compiling up and attaching rollups
FAMILIES = COORDINATOR_SIDE + DESIGN + UNIT_SIDE + FILES + JOBS + RELAYS
NOT_ABOUT_A_RELAY = ("admin.", "audit.", "auth.", "static")
CREATION = {"campaigns.new", "campaigns.create_from_preset", "campaigns.create_from_definition",
            "design.new_campaign"}


def expected(endpoint: str, role: str, target: str) -> set[int]:
    """What `role` may get from `endpoint` about `target`'s relay (or what was filed or built in it)."""
    own = OWNER.get(role) == target
    if role == "anonymous":
        return {401}
    if endpoint.startswith(COORDINATOR_SIDE):
        if role == "admin" or own:
            return OK
        if role == "city_reporter":
            return {403}  # coordinates nothing
        if role == "upper_coordinator" and endpoint == "review.progress":
            return {200}  # read-only drill-down into either province's relay
        return {404}
    if endpoint.startswith(DESIGN):
        if role == "admin":
            return OK
        return {404} if role == "upper_coordinator" else {403}  # a 联络员 is a reporter: no form designer
    if endpoint.startswith(UNIT_SIDE):
        if role in ("upper_coordinator", "admin"):
            return {403}  # filing is for reporters
        if role == "city_reporter" and target == "henan":
            return OK  # 郑州 files in 河南's relay
        return {404}  # a province is not a recipient of a relay, its own or its sibling's
    if endpoint.startswith(FILES):
        if role == "admin" or own or (role == "city_reporter" and target == "henan"):
            return {200}
        return {404}
    if endpoint.startswith(JOBS):
        if role == "admin" or own:
            return {200}
        return {404}
    if endpoint.startswith(RELAYS):
        if role in ("upper_coordinator", "admin"):
            return {403}  # relaying and compiling up are a reporter's pages
        return OK if own else {404}
    raise AssertionError(f"{endpoint} is in no route family")


def _relay_of_own_notice(make_campaign, unit, cities, user):
    """A notice only `unit` received, relayed by it to `cities`: the upper campaign."""
    upper = make_campaign(units=[unit], days_left=20)
    relay = create_relay(upper, unit, user=user, title="", contact_name="联络员", contact_phone="0371-1",
                         chosen=[RelayDeliverable(d, d.deadline - timedelta(days=5)) for d in upper.deliverables])
    set_recipients(relay, cities)
    publish(relay, user=user)
    return upper


def _files(submission, user):
    """An original file and a photo filed in the submission."""
    upload = store_upload(submission, "填报表.xlsx", b"filed by the city " + str(submission.unit_id).encode(),
                          user=user)
    photo, _ = store_photo(submission, "photos", jpeg_bytes(), "活动.jpg", content_type="image/jpeg",
                           size=(40, 20), user=user)
    process_photo(photo)
    return upload, photo


@pytest.fixture
def relay_walk(relay_world, make_campaign):
    """relay_world plus, for each province's relay: a city's file and photo, a built rollup job of its
    联络员, and a notice only that province received and relayed (the ids the relays routes take)."""
    users, units = relay_world["users"], relay_world["units"]
    values = {}
    for target, relay, city, coordinator in (
            ("henan", relay_world["relay"], "zhengzhou", "relay_coordinator"),
            ("hebei", relay_world["neighbour_relay"], "shijiazhuang", "neighbour_coordinator")):
        submission = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=relay.deliverables[0].id,
                                                                       unit_id=units[city].id))
        if not submission.state.reported:
            save_draft(submission, {"study": "石家庄草稿"}, base_version=None, user=users["admin"])
        upload, photo = _files(submission, users["admin"])
        job = queue_rollup(relay.id, relay.deliverables[0].id, "xlsx", "汇总表", user=users[coordinator],
                           back_url="")
        db.session.commit()
        run_rollup(job.id)
        province = units[target]
        upper = _relay_of_own_notice(make_campaign, province, [units[city]], users[coordinator])
        db.session.commit()
        values[target] = {
            "campaign_id": relay.id, "deliverable_id": relay.deliverables[0].id, "submission_id": submission.id,
            "upload_id": upload.id, "photo_id": photo.id, "job_id": job.id, "number": 1, "kind": "xlsx",
            "relays": {"campaign_id": upper.id, "deliverable_id": upper.deliverables[0].id},
        }
    return dict(relay_world, walk=values)


def relay_routes(app):
    for rule, method in endpoints(app):
        if rule.arguments and rule.endpoint not in CREATION and not rule.endpoint.startswith(NOT_ABOUT_A_RELAY):
            yield rule, method


def test_every_route_with_an_id_is_in_a_family(app):
    stray = sorted({rule.endpoint for rule, _ in relay_routes(app)} - {
        rule.endpoint for rule, _ in relay_routes(app) if rule.endpoint.startswith(FAMILIES)})
    assert not stray, f"add these endpoints to a family in {__file__}: {stray}"


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", RELAY_ROLES)
def test_relay_routes_by_role(app, client, relay_walk, role, target):
    if role != "anonymous":
        login(client, relay_walk["users"][role])
    values = relay_walk["walk"][target]
    failures, families = [], set()
    for rule, method in relay_routes(app):
        given = values["relays"] if rule.endpoint.startswith(RELAYS) else values
        url = rule.build({name: given[name] for name in rule.arguments}, append_unknown=False)[1]
        response = client.open(url, method=method, data={})
        response.close()  # a built rollup is sent from its file
        families.add(next(f for f in FAMILIES if rule.endpoint.startswith(f)))
        allowed = expected(rule.endpoint, role, target)
        if response.status_code not in allowed:
            failures.append(f"{method} {url} ({rule.endpoint}) → {response.status_code}, expected {sorted(allowed)}")
    assert set(FAMILIES) <= families  # every family was walked
    assert not failures, "\n".join(failures)


def test_read_only_drill_down_offers_no_action(client, relay_world):
    login(client, relay_world["users"]["upper_coordinator"])
    relay = relay_world["relay"]
    page = client.get(f"/coordinator/campaigns/{relay.id}/progress").get_data(as_text=True)
    assert "此页只供查看" in page and "郑州市市场监督管理局" in page and "开封市市场监督管理局" in page
    assert "/coordinator/submissions/" not in page and "/reminders/" not in page and "/reports/" not in page
    assert "石家庄市市场监督管理局" not in page


def test_upper_dashboard_shows_each_relaying_units_progress_below(client, relay_world):
    login(client, relay_world["users"]["upper_coordinator"])
    upper, relay = relay_world["upper"], relay_world["relay"]
    page = client.get(f"/coordinator/campaigns/{upper.id}/progress").get_data(as_text=True)
    assert "下级报送 1/2" in page  # 郑州 of 郑州 and 开封, for 附件1
    assert f'href="/coordinator/campaigns/{relay.id}/progress"' in page
    assert "下级报送 0/1" in page  # 河北: 石家庄 has not filed


def test_relay_recipients_come_from_the_relaying_units_subtree(client, relay_world):
    login(client, relay_world["users"]["relay_coordinator"])
    relay, units = relay_world["relay"], relay_world["units"]
    page = client.get(f"/coordinator/campaigns/{relay.id}/recipients").get_data(as_text=True)
    assert "郑州市市场监督管理局" in page and "石家庄市市场监督管理局" not in page
    response = client.post(f"/coordinator/campaigns/{relay.id}/recipients",
                           data={"unit": [str(units["zhengzhou"].id), str(units["shijiazhuang"].id)],
                                 "subtree": []})
    assert response.status_code == 400
    assert "只能选择本单位的下级单位" in response.get_data(as_text=True)
    assert sorted(u.name for u in relay.recipients) == ["开封市市场监督管理局", "郑州市市场监督管理局"]


def test_neighbours_gathering_shows_only_its_own_cities(client, relay_world):
    upper = relay_world["upper"]
    login(client, relay_world["users"]["neighbour_coordinator"])
    page = client.get(f"/relays/deliverables/{upper.deliverables[0].id}/gather").get_data(as_text=True)
    assert "已报 0 家 / 应报 1 家" in page and "郑州" not in page


def test_the_relays_liaison_downloads_what_its_cities_filed_and_nothing_of_a_neighbours(client, relay_walk):
    users, henan, hebei = relay_walk["users"], relay_walk["walk"]["henan"], relay_walk["walk"]["hebei"]
    login(client, users["relay_coordinator"])
    page = client.get(f"/coordinator/submissions/{henan['submission_id']}").get_data(as_text=True)
    assert f'href="/uploads/{henan["upload_id"]}"' in page and "填报表.xlsx" in page
    download = client.get(f"/uploads/{henan['upload_id']}")
    city = relay_walk["units"]["zhengzhou"]
    assert download.data == b"filed by the city " + str(city.id).encode()
    assert "attachment" in download.headers["Content-Disposition"]
    for path in (f"/photos/{henan['photo_id']}", f"/photos/{henan['photo_id']}/thumbnail"):
        photo = client.get(path)
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and photo.data[:2] == b"\xff\xd8"
    for path in (f"/uploads/{hebei['upload_id']}", f"/photos/{hebei['photo_id']}",
                 f"/photos/{hebei['photo_id']}/thumbnail", f"/coordinator/submissions/{hebei['submission_id']}"):
        refused = client.get(path)
        assert refused.status_code == 404 and b"filed by the city" not in refused.data


def test_a_unit_outside_the_relaying_units_subtree_stays_out_of_reach(client, relay_walk):
    """Even if a neighbour's city were made a recipient of the relay behind the pages' back, its files stay
    out of the 联络员's reach: the relay's files are its own subtree's only."""
    users, units, relay = relay_walk["users"], relay_walk["units"], relay_walk["relay"]
    set_recipients(relay, [units["zhengzhou"], units["kaifeng"], units["shijiazhuang"]])
    stray = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=relay.deliverables[0].id,
                                                               unit_id=units["shijiazhuang"].id))
    upload, photo = _files(stray, users["admin"])
    db.session.commit()
    login(client, users["relay_coordinator"])
    assert client.get(f"/uploads/{upload.id}").status_code == 404
    assert client.get(f"/photos/{photo.id}/thumbnail").status_code == 404
    assert client.get(f"/uploads/{relay_walk['walk']['henan']['upload_id']}").status_code == 200


def test_relay_pages_answer_404_outside_the_reporters_own_round(client, relay_world, make_campaign):
    """access.relayable_campaign_or_404 and relayed_deliverable_or_404: a city has no units below it, a
    province cannot gather what it did not relay, and its own relay is not a notice it received."""
    upper, relay = relay_world["upper"], relay_world["relay"]
    not_relayed = make_campaign(units=[relay_world["units"]["henan"]])
    login(client, relay_world["users"]["city_reporter"])
    assert client.get(f"/relays/new/{upper.id}").status_code == 404  # 郑州 did not receive it
    client.post("/auth/logout")
    login(client, relay_world["users"]["relay_coordinator"])
    assert client.get(f"/relays/new/{upper.id}").status_code == 200
    assert client.get(f"/relays/new/{relay.id}").status_code == 404  # its own relay: not received
    assert client.get("/relays/new/987654").status_code == 404
    assert client.get(f"/relays/deliverables/{upper.deliverables[0].id}/gather").status_code == 200
    for deliverable in (not_relayed.deliverables[0], relay.deliverables[0]):  # received, not relayed / not received
        assert client.get(f"/relays/deliverables/{deliverable.id}/gather").status_code == 404
        response = client.post(f"/relays/deliverables/{deliverable.id}/attach")
        assert response.status_code == 404 and "找不到" in response.get_data(as_text=True)
