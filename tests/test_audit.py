"""The security audit: who did what, when, from where and with what result; sealed into a hash chain that
detects a changed or removed entry; filtered, verified and exported by admins; kept at least 180 days."""
import csv
import io
from datetime import timedelta

import openpyxl
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import AuditChain, AuditEntry, Role, record, utcnow
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


def _chain_of(*actions, at=None):
    """Entries recorded (by no account) and committed, optionally dated back before they are written."""
    written = []
    for action in actions:
        entry = record(action, username="someone")
        if at is not None:
            entry.at = at
        written.append(entry)
    db.session.commit()
    return written


def test_entries_are_chained_with_an_hmac_as_they_are_written(app):
    login_entry, export, logout = _chain_of("login", "export", "logout")
    assert [e.seq for e in (login_entry, export, logout)] == [1, 2, 3]
    assert login_entry.prev_mac == "0" * 64 and export.prev_mac == login_entry.mac and len(export.mac) == 64
    assert db.session.get(AuditChain, 1).seq == 3 and db.session.get(AuditChain, 1).mac == logout.mac
    verdict = verify()
    assert verdict.ok and verdict.checked == 3
    app.config["AUDIT_HMAC_KEY"] = "another key"  # the HMAC depends on the server's key
    assert not verify().ok and verify().broken_at == login_entry.id


def test_a_changed_field_is_detected_at_its_entry(app):
    _, export, _ = _chain_of("login", "export", "logout")
    for column, value in (("action", "login"), ("address", "1.2.3.4"), ("result", "failure"),
                          ("detail", {"username": "other"})):
        original = getattr(export, column)
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == export.id).values({column: value}))
        db.session.commit()
        verdict = verify()
        assert not verdict.ok and verdict.broken_at == export.id and "不一致" in verdict.reason, column
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == export.id).values({column: original}))
        db.session.commit()
        assert verify().ok


def test_a_removed_or_inserted_entry_is_detected(app):
    first, second, third, last = _chain_of("login", "export", "audit_exported", "logout")
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == second.id))
    db.session.commit()
    verdict = verify()
    assert not verdict.ok and verdict.broken_at == third.id and "之前的记录已被删除" in verdict.where
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id.in_([first.id, third.id, last.id])))
    db.session.commit()
    assert "最后的记录已被删除" in verify().where  # the tail still says four were written
    # Written through the database, not the application: no HMAC, or one that cannot be right.
    db.session.execute(sa.insert(AuditEntry).values(action="login", detail={}, result="success"))
    db.session.commit()
    assert "没有校验码" in verify().where


def test_entries_written_at_once_by_many_writers_form_one_chain(app):
    import threading

    def write(n):
        with app.app_context():
            for i in range(5):
                record("export", username=f"writer{n}", step=i)
                db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    seqs = sorted(db.session.scalars(sa.select(AuditEntry.seq)))
    assert seqs == list(range(1, 31))
    assert verify().ok and verify().checked == 30


def test_entries_from_before_the_chain_are_chained_by_seal(app):
    db.session.execute(sa.insert(AuditEntry).values([
        {"action": "login", "detail": {"n": i}, "result": "success", "at": utcnow()} for i in range(3)]))
    legacy_upto = db.session.scalar(sa.select(sa.func.max(AuditEntry.id)))
    db.session.add(AuditChain(id=1, seq=0, mac="0" * 64, legacy_upto=legacy_upto))  # as the migration leaves it
    db.session.commit()
    _chain_of("logout")  # written after the upgrade: chained at once
    assert verify().ok and verify().unsealed == 3
    assert seal() == 3 and seal() == 0
    verdict = verify()
    assert verdict.ok and verdict.checked == 4 and verdict.unsealed == 0


def test_retention_keeps_at_least_180_days_and_the_chain_stays_verifiable(make_app):
    app = make_app(AUDIT_RETENTION_DAYS=30)  # asked for less than the law allows: 180 days apply
    with app.app_context():
        _chain_of("login", "export", at=utcnow() - timedelta(days=200))
        kept = _chain_of("logout", at=utcnow() - timedelta(days=100))[0]
        _chain_of("login")
        assert purge() == 2
        left = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        assert left == ["logout", "login", "audit_purged"]
        purged = db.session.scalars(sa.select(AuditEntry).filter_by(action="audit_purged")).one()
        assert purged.detail["anchor_seq"] == 2 and kept.prev_mac == purged.detail["anchor"]
        assert verify().ok and verify().checked == 3
        # The oldest remaining entry removed by hand, not by a purge: the chain no longer starts at an anchor.
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == kept.id))
        db.session.commit()
        assert "之前的记录已被删除" in verify().where


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
    first = db.session.scalar(sa.select(AuditEntry.id).order_by(AuditEntry.seq).limit(1))
    assert result.exit_code == 1 and f"审计记录被改动：第 {first} 号记录的内容与写入时不一致" in result.output


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id)))


def test_objects_of_others_refused_with_404_or_403_are_recorded_and_unknown_paths_are_not(
        app, client, make_unit, make_user, make_campaign):
    mine, theirs = make_unit("北京市市场监督管理局"), make_unit("天津市市场监督管理委员会")
    reporter = make_user(Role.reporter, unit=mine)
    their_campaign = make_campaign(units=[theirs])
    login(client, reporter)
    addr = {"REMOTE_ADDR": "10.0.0.9"}
    deliverable_path = f"/unit/deliverables/{their_campaign.deliverables[0].id}"
    assert client.get(deliverable_path, environ_base=addr).status_code == 404
    assert client.get(f"/coordinator/campaigns/{their_campaign.id}", environ_base=addr).status_code == 403
    assert client.get("/no-such-page", environ_base=addr).status_code == 404
    client.post("/auth/logout")
    login(client, make_user(Role.coordinator))  # another office's campaign: answered as if it did not exist
    assert client.get(f"/coordinator/campaigns/{their_campaign.id}").status_code == 404
    refused = _entries("access_refused")
    assert [(e.detail["target"], e.detail["status"]) for e in refused] == [
        (deliverable_path, 404), (f"/coordinator/campaigns/{their_campaign.id}", 403),
        (f"/coordinator/campaigns/{their_campaign.id}", 404)]
    first = refused[0]
    assert first.user_id == reporter.id and first.address == "10.0.0.9" and first.result == "failure"
    assert first.at is not None and first.detail["method"] == "GET"
    from campaign.reports.audit import LABELS, rows
    line = next(iter(rows([first], "Asia/Shanghai", LABELS)))
    assert line[2:7] == ["安全", "越权访问被拒绝", f"{reporter.username}（{reporter.name}）", deliverable_path, "失败"]


def test_account_creation_is_recorded_from_the_command_line_and_the_import(app, runner, client, make_user):
    from campaign.services.unit_files import read_rows
    from campaign.services.unit_import import apply_import, plan_import
    from tests.unit_lists import XINXIANG, xlsx

    result = runner.invoke(args=["create-user", "--username", "officer", "--role", "coordinator",
                                 "--password", "Strong-Secret-2026"])
    assert result.exit_code == 0, result.output
    admin = make_user(Role.admin)
    accounts = apply_import(plan_import(read_rows("a.xlsx", xlsx(XINXIANG))), user=admin)
    db.session.commit()
    created = _entries("account_created")
    assert created[0].detail["target"] == "officer" and created[0].detail["role"] == "coordinator"
    assert created[0].user_id is None  # the command line: no account did it
    by_import = [e for e in created if e.user_id == admin.id]
    assert sorted(e.detail["target"] for e in by_import) == sorted(a.username for a in accounts)
    assert all(e.detail["role"] == "reporter" and e.detail["unit"] and e.result == "success" for e in by_import)
    login(client, admin)
    page = client.get("/admin/audit/?kind=security").get_data(as_text=True)
    assert "创建账号" in page and "officer" in page


def test_downloading_a_rollup_built_by_a_worker_is_recorded(app, client, make_unit, make_user, make_campaign):
    app.config["ROLLUP_INLINE_UNITS"] = 0  # every rollup goes through a job
    unit = make_unit("卫辉市水利局")
    campaign = make_campaign("xinxiang_water_2023", units=[unit])
    deliverable, coordinator = campaign.deliverables[0], campaign.coordinators[0]
    login(client, coordinator)
    response = client.get(f"/reports/campaigns/{campaign.id}/deliverables/{deliverable.id}/docx")
    assert response.status_code == 302 and "/jobs/" in response.location
    before = len(_entries("export"))
    built = client.get(response.location + "/file", environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert built.status_code == 200 and built.data[:2] == b"PK"
    built.close()
    downloads = _entries("export")[before:]
    assert len(downloads) == 1
    entry = downloads[0]
    job_id = int(response.location.rstrip("/").rsplit("/", 1)[-1])
    assert entry.user_id == coordinator.id and entry.campaign_id == campaign.id and entry.address == "10.0.0.5"
    assert entry.detail["job"] == job_id and entry.detail["target"].endswith(".docx") and entry.result == "success"


def test_upgrading_keeps_the_old_entries_and_chains_them_with_the_servers_key(tmp_path):
    from flask_migrate import downgrade, upgrade

    from campaign import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "AUDIT_HMAC_KEY": "site key",
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "old.sqlite")})
    with app.app_context():
        upgrade(revision="photos_2")
        with db.engine.begin() as conn:  # a log written by the previous version
            for n in range(3):
                conn.execute(sa.text("INSERT INTO audit_log (at, action, detail, result) "
                                     "VALUES (:at, 'login', :detail, 'success')"),
                             {"at": "2026-01-0%d 08:00:00.000000" % (n + 1), "detail": '{"n": %d}' % n})
        upgrade()
        tail = db.session.get(AuditChain, 1)
        assert (tail.seq, tail.legacy_upto) == (0, 3)
        record("logout", username="after")
        db.session.commit()
        assert verify().ok and verify().unsealed == 3
        assert seal() == 3
        assert verify().ok and verify().checked == 4
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        assert actions == ["logout", "login", "login", "login"]
        db.session.remove()
        downgrade(revision="photos_2")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM audit_log")).scalar() == 4
        db.engine.dispose()
