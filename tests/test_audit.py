"""The security audit: who did what, when, from where and with what result; sealed into a hash chain that
detects a changed or removed entry; filtered, verified and exported by admins; kept at least 180 days."""
import csv
import io
from datetime import timedelta

import openpyxl
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import AuditEntry, Role, record, utcnow
from campaign.services.audit import purge, seal, verify
from tests.conftest import PASSWORD, login


def test_logins_refusals_and_account_changes_are_recorded_with_address_and_result(app, make_unit, make_user):
    admin, reporter = make_user(Role.admin), make_user(Role.reporter, unit=make_unit())
    client = app.test_client()
    client.post("/auth/login", data={"username": reporter.username, "password": "wrong"},
                environ_base={"REMOTE_ADDR": "10.0.0.7"})
    client.post("/auth/login", data={"username": reporter.username, "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "10.0.0.7"})
    client.get("/admin/units", environ_base={"REMOTE_ADDR": "10.0.0.7"})  # refused: not an admin
    client.post("/auth/logout")
    login(client, admin)
    client.post(f"/admin/users/{reporter.id}/active", data={"active": "0"})
    by_action: dict[str, AuditEntry] = {}
    for entry in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)):
        by_action.setdefault(entry.action, entry)  # the first of each kind
    assert by_action["login_failed"].result == "failure" and by_action["login_failed"].address == "10.0.0.7"
    assert by_action["login"].user_id == reporter.id and by_action["login"].result == "success"
    assert by_action["access_refused"].detail["target"] == "/admin/units"
    assert by_action["logout"].user_id == reporter.id
    assert by_action["account_disabled"].detail["target"] == reporter.username


def test_the_chain_detects_a_changed_or_removed_entry(app, make_user):
    user = make_user(Role.admin)
    for action in ("login", "export", "logout"):
        record(action, user=user)
    db.session.commit()
    assert seal() == 3 and verify().ok and verify().checked == 3
    second = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()[1]
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == second.id).values(action="login"))
    db.session.commit()
    verdict = verify()
    assert not verdict.ok and verdict.broken_at == second.id and "不一致" in verdict.reason
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == second.id).values(action="export"))
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == second.id))
    db.session.commit()
    assert not verify().ok and "删除" in verify().reason


def test_retention_keeps_at_least_180_days_and_the_chain_stays_verifiable(make_app, make_user):
    app = make_app(AUDIT_RETENTION_DAYS=30)  # asked for less than the law allows: 180 days apply
    with app.app_context():
        user = make_user(Role.admin)
        old, recent = record("login", user=user), record("logout", user=user)
        old.at = utcnow() - timedelta(days=200)
        recent.at = utcnow() - timedelta(days=100)
        db.session.commit()
        assert purge() == 1
        left = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert left == ["logout", "audit_purged"]
        seal()
        assert verify().ok


def test_admin_filters_and_exports_the_security_events_as_text(app, client, make_unit, make_user):
    admin = make_user(Role.admin)
    record("login", user=admin)
    record("submitted", user=admin)
    record("login_failed", username="=cmd|' /C calc'!A0", address="10.0.0.8")
    db.session.commit()
    login(client, admin)
    page = client.get("/admin/audit/?kind=security").get_data(as_text=True)
    assert "审计记录完整" in page and "登录失败" in page and "报送</td>" not in page
    workflow = client.get("/admin/audit/?kind=workflow").get_data(as_text=True)
    assert "报送" in workflow and "登录失败" not in workflow
    text = client.get("/admin/audit/export.csv?kind=security").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:3] == ["序号", "日期时间", "事件类型"]
    assert any(cell.startswith("'=cmd") for line in lines for cell in line)  # stays text in a spreadsheet
    book = openpyxl.load_workbook(io.BytesIO(client.get("/admin/audit/export.xlsx?kind=security").data))
    cells = [c for row in book.active.iter_rows() for c in row if c.value]
    hostile = next(c for c in cells if str(c.value).startswith("=cmd"))
    assert hostile.data_type == "s"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).filter_by(action="audit_exported")) == 2


def test_cli_verify_fails_on_a_tampered_log(app, runner, make_user):
    user = make_user(Role.admin)
    record("login", user=user)
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    db.session.execute(sa.update(AuditEntry).values(address="1.2.3.4"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "审计记录被改动" in result.output
