"""Every route about a campaign, called on a province's relay by each role of the chain.

The relay's 联络员 (the province's reporter) runs it; the ministry's coordinator may only look at its
progress (read-only drill-down); a neighbouring province's 联络员, a city's reporter and strangers get
nothing; an admin may do everything.
"""
import pytest

from tests.conftest import login
from tests.routes import endpoints

OK = {200, 302, 400, 409}
RELAY_ROLES = ("anonymous", "relay_coordinator", "neighbour_coordinator", "upper_coordinator", "city_reporter",
               "admin")
# Campaign-scoped blueprints: every route of theirs that takes a campaign, deliverable or submission id.
SCOPED = ("campaigns.", "review.", "reports.", "reminders.")
CREATION = {"campaigns.new", "campaigns.create_from_preset", "campaigns.create_from_definition",
            "reports.unit_download"}


def expected(endpoint: str, role: str) -> set[int]:
    if role == "anonymous":
        return {401}
    if role in ("relay_coordinator", "admin"):
        return OK
    if role == "city_reporter":
        return {403}  # coordinates nothing
    if role == "upper_coordinator" and endpoint == "review.progress":
        return {200}  # read-only
    return {404}


def scoped_routes(app):
    for rule, method in endpoints(app):
        if rule.endpoint.startswith(SCOPED) and rule.endpoint not in CREATION and rule.arguments:
            yield rule, method


@pytest.mark.parametrize("role", RELAY_ROLES)
def test_relay_routes_by_role(app, client, relay_world, role):
    if role != "anonymous":
        login(client, relay_world["users"][role])
    values = {**relay_world["values"], "kind": "xlsx"}
    failures = []
    checked = 0
    for rule, method in scoped_routes(app):
        url = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]
        response = client.open(url, method=method, data={})
        checked += 1
        allowed = expected(rule.endpoint, role)
        if response.status_code not in allowed:
            failures.append(f"{method} {url} ({rule.endpoint}) → {response.status_code}, expected {sorted(allowed)}")
    assert checked >= 20
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
