"""Fuzzing every form with hypothesis: arbitrary Unicode, huge input, missing fields.

No post may cause a server error, and whatever a draft save accepts must read back exactly as
sent (after the documented normalisation: CRLF → LF, NFC, U+0000 dropped).
"""
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.extensions import db
from campaign.forms.submission import clean_input
from campaign.forms.wordcount import count_words, normalize
from campaign.models import Role, Submission
from tests.conftest import login
from tests.strategies import TEXT, VALUE

# Text a browser can send: any code point except surrogates (not encodable in UTF-8).
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def expected(value: str) -> str:
    return clean_input(value)


def field_names(form_def):
    """Every form field name a browser could post for this definition, with a few row indexes."""
    names = []
    for spec in form_def["fields"]:
        if spec["type"] in ("text", "textarea", "section"):
            names.append(spec["key"])
        elif spec["type"] == "rows":
            for i in range(3):
                names += [f"{spec['key']}-{i}-{c['key']}" for c in spec["columns"]]
            if spec.get("none_label"):
                names.append(spec["key"] + "_none")
        elif spec["type"] == "photos":
            names += [f"{spec['key']}-0-caption", f"{spec['key']}-0-id"]
    return names + ["version", "action", "unexpected-field"]


@pytest.fixture
def forms(app, make_unit, make_user, make_campaign):
    """A reporter logged in with the SAMR and Xinxiang forms open to them."""
    unit = make_unit("北京市市场监督管理局")
    reporter = make_user(Role.reporter, unit=unit)
    samr = make_campaign("samr_2023_9", units=[unit])
    xinxiang = make_campaign("xinxiang_water_2023", units=[unit])
    client = app.test_client()
    login(client, reporter)
    return client, unit, [d for c in (samr, xinxiang) for d in c.deliverables]


def stored(deliverable, unit):
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission).filter_by(deliverable_id=deliverable.id, unit_id=unit.id))


def test_every_form_is_fuzzed(forms):
    _, _, deliverables = forms
    assert {d.key for d in deliverables} >= {"annex1", "annex2", "study_report"}


@FUZZ
@given(data=st.data())
def test_no_post_breaks_a_form_or_loses_a_saved_value(forms, data):
    client, unit, deliverables = forms
    deliverable = data.draw(st.sampled_from(deliverables))
    names = field_names(deliverable.form)
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    posted = {name: data.draw(VALUE) for name in chosen}
    posted["action"] = data.draw(st.sampled_from(["save", "submit", posted.get("action", "save")]))
    posted.pop("version", None)  # the current version, so a save is not a conflict
    submission = stored(deliverable, unit)
    posted["version"] = str(submission.version)
    if submission.state.value == "submitted":
        client.post(f"/unit/deliverables/{deliverable.id}/withdraw")
        posted["version"] = str(stored(deliverable, unit).version)

    response = client.post(f"/unit/deliverables/{deliverable.id}", data=posted)
    assert response.status_code in {302, 400}, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    if response.status_code == 400:
        # Refused: the page re-shows the form (nothing typed is lost) and says why in Chinese.
        assert "<form" in html and ("未成功" in html or "页面已过期" in html)
        return
    saved = stored(deliverable, unit).data
    for spec in deliverable.form["fields"]:
        key = spec["key"]
        if spec["type"] in ("text", "textarea", "section") and key in posted:
            assert saved[key] == expected(posted[key])
        elif spec["type"] == "rows":
            # Rows are renumbered in the order posted: the i-th saved row is the i-th index sent.
            indexes = sorted({int(n.split("-")[1]) for n in posted if n.startswith(key + "-")})
            assert len(saved.get(key, [])) == len(indexes)
            for row, index in zip(saved.get(key, []), indexes):
                for column in spec["columns"]:
                    assert row[column["key"]] == expected(posted.get(f"{key}-{index}-{column['key']}", ""))


@FUZZ
@given(values=st.dictionaries(st.sampled_from(["leader_instructions", "study", "publicity"]), VALUE))
def test_autosave_never_fails_with_a_server_error(forms, values):
    client, unit, deliverables = forms
    deliverable = deliverables[0]
    submission = stored(deliverable, unit)
    response = client.post(f"/unit/deliverables/{deliverable.id}/autosave",
                           data={**values, "version": str(submission.version)})
    assert response.status_code in {200, 400, 409}
    assert response.is_json and "ok" in response.get_json()


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_wordcount_is_subadditive_and_bounded(a, b):
    """Joining two texts never counts more than both apart, and never more than the characters."""
    joined = count_words(a + b)
    assert joined <= count_words(a) + count_words(b)
    assert count_words(a) <= len(normalize(a))
    assert count_words(a + " " + b) == count_words(a) + count_words(b)


@pytest.mark.parametrize("value", ["前\x00后", "\r\n行\r", "e\u0301", "\ufeff\u200b", "\U0001F468\u200d\U0001F469"])
def test_awkward_characters_are_saved(forms, value):
    client, unit, deliverables = forms
    deliverable = deliverables[0]
    response = client.post(f"/unit/deliverables/{deliverable.id}",
                           data={"study": value, "action": "save", "version": str(stored(deliverable, unit).version)})
    assert response.status_code == 302
    assert stored(deliverable, unit).data["study"] == expected(value)


@FUZZ
@given(username=VALUE, password=VALUE, next_=TEXT, resume=TEXT)
def test_login_form_never_fails_with_a_server_error(app, username, password, next_, resume):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": password,
                                                "next": next_, "resume": resume})
    # Refused with the reason shown (or, after many tries from one address, throttled): never a server error.
    assert response.status_code in (200, 429)
    assert "<form" in response.get_data(as_text=True)
