"""Server errors a tester found, each now a clear answer: ids beyond the database's range, definitions
nested thousands deep, and a line break smuggled into the login page's `next`."""
import pytest

from campaign.definitions.deliverables import load_deliverables_text
from campaign.definitions.presets import load_preset, preset_keys
from campaign.definitions.schema import InvalidDefinition
from tests.conftest import PASSWORD, login
from tests.routes import endpoints


@pytest.mark.parametrize("huge", [2**31, 2**63, 2**64])
def test_every_id_route_answers_not_found_for_ids_beyond_the_databases_range(app, client, world, huge):
    login(client, world["users"]["admin"])
    checked = 0
    for rule, method in endpoints(app):
        ids = [name for name, converter in rule._converters.items() if type(converter).__name__ == "BoundedInt"]
        if not ids:
            continue
        url = rule.rule
        for name in rule.arguments:
            value = huge if name in ids else world["values"][name]
            url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        response = client.open(url, method=method, data={})
        # Not found (or, where another method's route shares the path, not allowed): never a server error.
        assert response.status_code in (404, 405), (method, url, response.status_code)
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("text", ["a:\n" + "".join(" " * (i + 1) + "- b:\n" for i in range(5000)),
                                  "x: " + "[" * 5000 + "]" * 5000, "x: " + "{a: " * 3000 + "1" + "}" * 3000])
def test_a_definition_nested_thousands_deep_is_refused_with_a_message(text):
    with pytest.raises(InvalidDefinition, match="层级嵌套过深"):
        load_deliverables_text(text)


def test_the_built_in_definitions_are_far_from_the_depth_limit():
    for key in preset_keys():
        assert load_preset(key).deliverables


@pytest.mark.parametrize("target", ["/unit/\r\nSet-Cookie: a=b", "/unit/%0d%0aX: y", "/\n/evil.example"])
def test_a_line_break_in_next_does_not_break_the_login(client, world, target):
    user = world["users"]["own_reporter"]
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD, "next": target})
    assert response.status_code in (302, 303) and "\n" not in response.headers["Location"]


@pytest.mark.parametrize("field", ["title", "contact_name", "issuer", "contact_phone"])
def test_line_breaks_are_refused_in_one_line_fields_beside_the_field(client, world, field):
    campaign_id = world["values"]["campaign_id"]
    login(client, world["users"]["coordinator"])
    page = client.get(f"/coordinator/campaigns/{campaign_id}/edit").get_data(as_text=True)
    assert "通知标题" in page
    from campaign.extensions import db
    from campaign.models import Campaign
    campaign = db.session.get(Campaign, campaign_id)
    data = {"title": campaign.title, field: "第一行\r\n第二行"}
    for i, d in enumerate(campaign.deliverables):
        data |= {f"deliverables-{i}-id": str(d.id), f"deliverables-{i}-late_policy": "flag",
                 f"deliverables-{i}-deadline": d.deadline.astimezone(campaign.zone).strftime("%Y-%m-%dT%H:%M")}
    response = client.post(f"/coordinator/campaigns/{campaign_id}/edit", data=data)
    assert response.status_code == 400 and "不能换行，请写在一行内" in response.get_data(as_text=True)
    db.session.expire_all()
    assert "\n" not in (getattr(db.session.get(Campaign, campaign_id), field) or "")


def test_line_breaks_are_refused_in_a_definitions_labels():
    with pytest.raises(InvalidDefinition, match="不能换行"):
        load_deliverables_text('title: "表\\n格"\nfields:\n  - key: a\n    type: text\n    label: 甲\n')


def test_a_unit_list_with_a_dtd_or_a_zip_bomb_is_refused_in_chinese():
    import io
    import zipfile

    from campaign.services.unit_files import UnreadableFile, read_rows, template_xlsx

    with zipfile.ZipFile(io.BytesIO(template_xlsx())) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    for part, content in (("xl/workbook.xml", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a/>'),
                          ("xl/sharedStrings.xml", b"<s>" + b"A" * (50 * 1024 * 1024) + b"</s>")):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for name, data in (parts | {part: content}).items():
                package.writestr(name, data)
        with pytest.raises(UnreadableFile, match="文档类型声明|解压后过大"):
            read_rows("单位名单.xlsx", out.getvalue())
