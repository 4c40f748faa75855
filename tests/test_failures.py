"""Failures outside the user's control answer in Chinese, and what was typed is not lost: a database that
refuses to write (made read-only for real), an unexpected error, an expired page on 退回 and 延期."""
import re

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import InternalServerError

from campaign.extensions import db
from campaign.models import Role, Submission
from campaign.services.submissions import get_submission, submit
from tests.conftest import PASSWORD, login
from tests.helpers import annex1


def read_only(url: str) -> str:
    """The same database, opened so that every write is refused by the database itself."""
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url[len('sqlite:///'):]}?mode=ro&uri=true"
    return url + ("&" if "?" in url else "?") + "options=-c%20default_transaction_read_only%3Don"


@pytest.fixture
def filing(app, make_unit, make_user, make_campaign):
    unit = make_unit("北京市市场监督管理局")
    reporter = make_user(Role.reporter, unit=unit)
    campaign = make_campaign(units=[unit])
    return campaign, unit, reporter


def test_a_database_that_refuses_to_write_shows_the_form_again_with_what_was_typed(app, make_app, database_url,
                                                                                   filing):
    campaign, unit, reporter = filing
    annex1_id = campaign.deliverables[0].id
    get_submission(campaign.deliverables[0], unit)
    db.session.commit()
    writer = app.test_client()
    login(writer, reporter)  # the session cookie is valid on any instance with the same secret
    frozen = make_app(SQLALCHEMY_DATABASE_URI=read_only(database_url))
    client = frozen.test_client()
    client.set_cookie("session", writer.get_cookie("session").value)
    typed = "2023年3月6日召开党组理论学习中心组专题学习会，局领导班子共12人参加。"
    response = client.post(f"/unit/deliverables/{annex1_id}", data=annex1(study=typed) | {"action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "系统暂时无法写入" in page and typed in page
    with app.app_context():
        stored = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=annex1_id, unit_id=unit.id))
        assert not (stored.data or {}).get("study")


def test_an_unexpected_error_is_a_chinese_page(make_app):
    app = make_app(TESTING=False)

    @app.route("/broken-for-test")
    def broken():
        raise InternalServerError()

    response = app.test_client().get("/broken-for-test")
    assert response.status_code == 500 and "系统出错" in response.get_data(as_text=True)
    assert "Internal Server Error" not in response.get_data(as_text=True)


@pytest.mark.parametrize("action,field", [("return", "reason"), ("extension", "reason")])
def test_an_expired_page_on_return_or_extension_keeps_the_reason_typed(make_app, app, filing, action, field):
    campaign, unit, reporter = filing
    submission = get_submission(campaign.deliverables[0], unit)
    submit(submission, annex1(), base_version=None, user=reporter)
    db.session.commit()
    guarded = make_app(WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    coordinator = campaign.coordinators[0]
    client.post("/auth/login", data={"username": coordinator.username, "password": PASSWORD, "csrf_token": token})
    typed = "请补充集中学习的时间、范围和参加人数，并附会议通知。"
    response = client.post(f"/coordinator/submissions/{submission.id}/{action}",
                           data={field: typed, "deadline": "2030-01-01T18:00", "csrf_token": "expired"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and typed in body and "页面已过期" in body
