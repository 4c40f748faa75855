"""Fuzzing the coordinator's and the administrator's forms: every state-changing route of the URL map
gets arbitrary Unicode, huge values, missing and unexpected fields and odd files. No server error,
and what the coordinator typed is either stored as typed or shown again next to the reason it was refused."""
import importlib
import io
import pkgutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from wtforms import Form
from wtforms.fields import FieldList, FileField, FormField
from wtforms.fields.core import UnboundField

import campaign.forms
from campaign.extensions import db
from campaign.models import Submission
from tests.conftest import login
from tests.routes import endpoints
from tests.strategies import TEXT, VALUE

FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
STAFF_BLUEPRINTS = ("campaigns", "review", "reminders", "admin")
FILES = st.sampled_from([b"", b"\x00" * 10, "单位名称,联系人\n北京,张三\n".encode("gbk"), b"PK\x03\x04garbage",
                         b"\xff\xd8\xff\xe0 not really a jpeg", "title: x\nfields: [".encode()])


def _unbound_fields(form_class):
    for klass in reversed(form_class.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, UnboundField):
                yield name, value


def _names(form_class, prefix=""):
    """Every name a browser could post for this form class, with two entries of each list."""
    for name, unbound in _unbound_fields(form_class):
        field_class = unbound.field_class
        if issubclass(field_class, FieldList):
            inner = unbound.args[0]
            for i in range(2):
                if issubclass(inner.field_class, FormField):
                    yield from _names(inner.args[0], f"{prefix}{name}-{i}-")
                else:
                    yield f"{prefix}{name}-{i}"
        elif issubclass(field_class, FormField):
            yield from _names(unbound.args[0], f"{prefix}{name}-")
        elif not issubclass(field_class, FileField):
            yield prefix + name


def _form_classes():
    for module_info in pkgutil.iter_modules(campaign.forms.__path__):
        module = importlib.import_module(f"campaign.forms.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Form) and value.__module__ == module.__name__:
                yield value


FIELD_NAMES = sorted({name for form in _form_classes() for name in _names(form)} | {"unexpected-field"})
FILE_FIELDS = sorted({name for form in _form_classes() for name, unbound in _unbound_fields(form)
                      if issubclass(unbound.field_class, FileField)})


def staff_routes(app):
    return [(rule.endpoint, rule) for rule, method in endpoints(app)
            if method == "POST" and rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS]


def test_the_fuzzed_names_cover_the_staff_forms(app):
    assert {"reason", "title", "definition", "deliverables-0-deadline", "contact_email", "days_before",
            "overdue_every_days", "selected", "upload_id"} <= set(FIELD_NAMES)
    assert {"file", "upload"} <= set(FILE_FIELDS)
    assert {endpoint for endpoint, _ in staff_routes(app)} >= {
        "campaigns.edit", "campaigns.create_from_definition", "review.return_submission",
        "review.grant_extension", "reminders.schedule", "reminders.send", "admin.import_units"}


@pytest.mark.parametrize("role", ["coordinator", "admin"])
@FUZZ
@given(data=st.data())
def test_no_staff_post_causes_a_server_error(app, world, role, data):  # noqa: F811
    client = app.test_client()
    login(client, world["users"][role])
    endpoint, rule = data.draw(st.sampled_from(staff_routes(app)))
    url = rule.build({n: world["values"][n] for n in rule.arguments}, append_unknown=False)[1]
    chosen = data.draw(st.lists(st.sampled_from(FIELD_NAMES), unique=True, max_size=12))
    files = data.draw(st.lists(st.sampled_from(FILE_FIELDS), unique=True, max_size=1))
    # With a file the body is multipart; the test client spools a huge one to a file it never closes.
    posted = {name: data.draw(TEXT if files else VALUE) for name in chosen}
    for name in files:
        posted[name] = (io.BytesIO(data.draw(FILES)), data.draw(st.sampled_from(["单位.xlsx", "../../etc/passwd",
                                                                                 "定义.yaml", "a.csv"])))
    response = client.post(url, data=posted)
    assert response.status_code < 500, f"{endpoint}: {response.status_code}\n{response.get_data(as_text=True)[:800]}"
    db.session.rollback()


@FUZZ
@given(reason=VALUE)
def test_a_return_reason_is_stored_as_typed_or_shown_again(app, world, reason):  # noqa: F811
    client = app.test_client()
    login(client, world["users"]["coordinator"])
    submission_id = world["values"]["submission_id"]
    response = client.post(f"/coordinator/submissions/{submission_id}/return", data={"reason": reason})
    db.session.expire_all()
    stored = db.session.get(Submission, submission_id)
    typed = reason.replace("\x00", "").strip()
    if response.status_code == 302:
        assert stored.return_reason == typed
        stored.state, stored.return_reason = type(stored.state).submitted, None  # back for the next example
        db.session.commit()
    else:
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "退回原因" in page and str(escape(typed[:200])) in page
