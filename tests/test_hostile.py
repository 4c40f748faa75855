"""Hostile input: CSRF on every state-changing route, CSP on every page, payloads shown escaped.

Routes come from the app's URL map, so a new route is covered as soon as it exists.
"""
import hashlib
import io
import json

import docx
import openpyxl

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Submission
from campaign.services.submissions import get_submission, submit, withdraw
from tests.rollup_data import annex1_data, annex2_data
from tests.conftest import PASSWORD, login, login_with_token
from tests.routes import ROLES, endpoints

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "{{ 7*7 }}{% raw %}",
    "javascript:alert(3)",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
]
RAW_MARKERS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>"]


# The security audit records refusals by design: what a refused request leaves there is not a change.
AUDIT_TABLES = {"audit_log", "audit_chain", "login_attempts"}


def snapshot() -> str:
    """A digest of every row of every table but the audit's: equal digests mean nothing was stored or changed."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name in AUDIT_TABLES:
            continue
        key = [c for c in table.primary_key.columns] or list(table.columns)
        rows = db.session.execute(sa.select(table).order_by(*key)).all()
        digest.update(table.name.encode())
        digest.update(json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False).encode())
    return digest.hexdigest()


def url_for_rule(rule, values):
    return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]


@pytest.fixture
def csrf_app(make_app, app):
    """A second app on the same database with CSRF protection switched on, as in production."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.mark.parametrize("role", ROLES)
def test_every_post_without_a_token_changes_nothing(csrf_app, world, role):  # noqa: F811
    client = csrf_app.test_client()
    if role != "anonymous":
        login_with_token(client, world["users"][role])
    before = snapshot()
    failures = []
    posts = [(rule, method) for rule, method in endpoints(csrf_app) if method in {"POST", "PUT", "PATCH", "DELETE"}]
    assert posts
    for rule, method in posts:
        url = url_for_rule(rule, world["values"])
        if rule.endpoint == "auth.logout":
            continue  # checked below, it would end the session
        response = client.open(url, method=method, data={"action": "submit", "study": "改动"})
        if response.status_code not in {400, 401, 403, 404}:
            failures.append(f"{method} {url} → {response.status_code}")
        db.session.expire_all()
    assert not failures, "\n".join(failures)
    assert snapshot() == before


def test_logout_needs_a_token(csrf_app, world):  # noqa: F811
    client = csrf_app.test_client()
    login_with_token(client, world["users"]["own_reporter"])
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/unit/").status_code == 200  # still logged in


def test_login_needs_a_token(csrf_app, world):  # noqa: F811
    client = csrf_app.test_client()
    user = world["users"]["own_reporter"]
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/unit/").status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_a_content_security_policy(app, client, world, role):  # noqa: F811
    if role != "anonymous":
        login(client, world["users"][role])
    missing = []
    for rule, method in endpoints(app):
        if method != "GET":
            continue
        response = client.get(url_for_rule(rule, world["values"]))
        policy = response.headers.get("Content-Security-Policy", "")
        if "script-src 'self'" not in policy or "unsafe-inline" in policy:
            missing.append(f"{rule.endpoint} ({response.status_code}): {policy!r}")
        if response.headers.get("X-Content-Type-Options") != "nosniff":
            missing.append(f"{rule.endpoint}: no nosniff")
    assert not missing, "\n".join(missing)


def _fill_every_text_field(form_def, payload):
    data = {}
    for spec in form_def["fields"]:
        if spec["type"] in ("text", "textarea", "section"):
            data[spec["key"]] = payload
        elif spec["type"] == "rows":
            for column in spec["columns"]:
                data[f"{spec['key']}-0-{column['key']}"] = payload
    return data


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_every_field_are_shown_escaped(app, client, world, payload):  # noqa: F811
    users = world["users"]
    login(client, users["own_reporter"])
    deliverable_id = world["values"]["deliverable_id"]
    submission = db.session.get(Submission, world["values"]["submission_id"])
    campaign = submission.deliverable.campaign
    pages = ["/unit/"]
    for deliverable in campaign.deliverables:
        url = f"/unit/deliverables/{deliverable.id}"
        if deliverable.id == deliverable_id:
            client.post(f"{url}/withdraw")
        response = client.post(url, data={**_fill_every_text_field(deliverable.form, payload), "action": "save"})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        pages.append(url)
    db.session.expire_all()
    stored = db.session.get(Submission, world["values"]["submission_id"]).data
    assert stored["study"] == payload  # kept literally, not cleaned
    for page in pages:
        html = client.get(page).get_data(as_text=True)
        for marker in RAW_MARKERS:
            assert marker not in html, f"{page} shows {marker!r} unescaped"
        if page != "/unit/":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "<script>" not in payload
    client.post("/auth/logout")
    login(client, users["coordinator"])
    for rule, method in endpoints(app):
        if method == "GET" and not rule.endpoint.startswith(("unit.", "auth.", "static")):
            response = client.get(url_for_rule(rule, world["values"]))
            body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
            for marker in RAW_MARKERS:
                assert marker not in body, f"{rule.endpoint} shows {marker!r} unescaped"


def _document_texts(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return texts


def test_payloads_arrive_as_literal_text_in_excel_and_word(app, client, world):  # noqa: F811
    """Each payload typed into a field of both annexes comes out unchanged in every rollup download."""
    submission = db.session.get(Submission, world["values"]["submission_id"])
    campaign = submission.deliverable.campaign
    annex1, annex2 = campaign.deliverables
    reporter = world["users"]["own_reporter"]
    fields = ["leader_instructions", "study", "publicity", "experience", "contact_name"]
    withdraw(submission, user=reporter)
    submit(submission, annex1_data(1) | dict(zip(fields, PAYLOADS)), base_version=None, user=reporter)
    sections = ["learning", "documents", "activities", "experience", "exemplars"]
    submit(get_submission(annex2, submission.unit), annex2_data(1) | dict(zip(sections, PAYLOADS)),
           base_version=None, user=reporter)
    db.session.commit()

    login(client, world["users"]["coordinator"])
    base = f"/reports/campaigns/{campaign.id}/deliverables"
    response = client.get(f"{base}/{annex1.id}/xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["汇总表"]
    cells = {c.value: c.data_type for row in sheet.iter_rows() for c in row if c.value is not None}
    response.close()
    for payload in PAYLOADS:
        holding = [kind for value, kind in cells.items() if payload in str(value)]
        assert holding and set(holding) == {"s"}, f"{payload!r} is not literal text in the 汇总表: {holding}"
    for url in (f"{base}/{annex1.id}/docx", f"{base}/{annex2.id}/docx"):
        response = client.get(url)
        assert response.status_code == 200
        texts = _document_texts(response.data)
        response.close()
        for payload in PAYLOADS:
            assert any(payload in text for text in texts), f"{payload!r} missing from {url}"
