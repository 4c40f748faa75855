"""Accounts for imported contacts: a set-password link by real e-mail, usable once, expiring, resendable."""
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Role, User, utcnow
from campaign.services.accounts import renew_password_link, send_password_link
from campaign.services.unit_import import apply_import, plan_import
from campaign.services.unit_files import read_rows
from tests.conftest import login
from tests.smtp_server import TEMP_FAILURE
from tests.unit_lists import XINXIANG, xlsx

NEW_PASSWORD = "Xinxiang-Water-2023"
LINK = re.compile(r"http://campaign\.test(/auth/set-password/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def mail_app(app, smtp_server):
    """The test app, sending through the loopback SMTP server."""
    app.config.update(smtp_server.settings())
    return app


def text_of(received):
    part = received.message.get_body(("plain",))
    return part.get_content()


def link_in(received) -> str:
    match = LINK.search(text_of(received))
    assert match, text_of(received)
    return match.group(1)


def import_and_mail(app, smtp_server, *, now=None):
    """Import the Xinxiang list and mail the new accounts, as the confirm page does."""
    accounts = apply_import(plan_import(read_rows("a.xlsx", xlsx(XINXIANG))), user=None)
    db.session.commit()
    for account in accounts:
        send_password_link(account, now=now)
    db.session.commit()
    received = smtp_server.wait_for(len(accounts))
    return {m.rcpt_tos[0]: m for m in received}


def test_imported_contact_gets_a_chinese_message_with_username_and_link(mail_app, smtp_server):
    mails = import_and_mail(mail_app, smtp_server)
    mail = mails["weihui@example.cn"]
    assert str(mail.message["Subject"]) == "【学习宣贯填报汇总系统】请设置登录密码"
    text = text_of(mail)
    assert "王建国：" in text and "卫辉市水利局" in text and "用户名：weihui@example.cn" in text
    assert "72 小时内有效" in text and "北京时间" in text
    assert link_in(mail) in mail.message.get_body(("html",)).get_content()


def test_link_sets_the_password_once(mail_app, smtp_server):
    path = link_in(import_and_mail(mail_app, smtp_server)["weihui@example.cn"])
    client = mail_app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "weihui@example.cn" in page.get_data(as_text=True)
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.location.endswith("/auth/login")
    user = db.session.scalar(sa.select(User).filter_by(username="weihui@example.cn"))
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD) and user.unit.code == "weihui" and user.role is Role.reporter
    login(client, user, NEW_PASSWORD)
    assert client.get("/unit/").status_code == 200
    # A second use is refused, whoever tries it.
    again = mail_app.test_client().post(path, data={"password": "Another-Pass-99", "confirm": "Another-Pass-99"})
    assert again.status_code == 400 and "链接已失效" in again.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("password,confirm,message", [
    ("", "", "请输入新密码。"),
    ("Short-1", "Short-1", "密码至少 10 位。"),
    ("onlyletters and spaces", "onlyletters and spaces", "至少三种"),
    ("password1", "password1", "至少 10 位"),
    ("Password123!", "Password123!", "这是常见密码"),
    ("beijing1", "beijing1", "至少 10 位"),
    ("Xinxiang-2023", "Xinxiang-2024", "两次输入的密码不一致，请重新输入。"),
])
def test_weak_or_mismatched_passwords_are_explained_next_to_the_field(mail_app, smtp_server, password, confirm,
                                                                      message):
    path = link_in(import_and_mail(mail_app, smtp_server)["weihui@example.cn"])
    client = mail_app.test_client()
    response = client.post(path, data={"password": password, "confirm": confirm})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'class="errors"' in page
    # The link still works after a refused attempt.
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_password_equal_to_the_username_is_refused(mail_app, smtp_server, make_unit, make_user):
    user = User(username="abc12345", name="王", email="abc@example.cn", role=Role.reporter, unit=make_unit())
    db.session.add(user)
    renew_password_link(user)
    db.session.commit()
    send_password_link(user)
    path = link_in(smtp_server.wait_for(1)[0])
    response = mail_app.test_client().post(path, data={"password": "xABC12345-z", "confirm": "xABC12345-z"})
    assert response.status_code == 400 and "密码不能包含用户名。" in response.get_data(as_text=True)


def test_an_expired_link_is_refused(mail_app, smtp_server):
    issued = utcnow() - timedelta(hours=72, minutes=1)
    path = link_in(import_and_mail(mail_app, smtp_server, now=issued)["weihui@example.cn"])
    client = mail_app.test_client()
    response = client.get(path)
    assert response.status_code == 400
    assert "链接已过期（有效期 72 小时）。请联系管理员重新发送" in response.get_data(as_text=True)
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400
    user = db.session.scalar(sa.select(User).filter_by(username="weihui@example.cn"))
    assert user.password_hash is None


def test_a_link_just_inside_its_lifetime_works(mail_app, smtp_server):
    issued = utcnow() - timedelta(hours=71, minutes=59)
    path = link_in(import_and_mail(mail_app, smtp_server, now=issued)["weihui@example.cn"])
    assert mail_app.test_client().get(path).status_code == 200


def test_a_tampered_link_is_refused(mail_app, smtp_server):
    path = link_in(import_and_mail(mail_app, smtp_server)["weihui@example.cn"])
    client = mail_app.test_client()
    for bad in (path[:-2] + ("AA" if not path.endswith("AA") else "BB"), "/auth/set-password/x", path + "x"):
        response = client.get(bad)
        assert response.status_code == 400 and "链接" in response.get_data(as_text=True)


def test_admin_resends_the_link_and_only_the_newest_works(mail_app, smtp_server, make_user):
    first = link_in(import_and_mail(mail_app, smtp_server)["weihui@example.cn"])
    user = db.session.scalar(sa.select(User).filter_by(username="weihui@example.cn"))
    admin = mail_app.test_client()
    login(admin, make_user(Role.admin))
    assert "重新发送链接" in admin.get("/admin/units").get_data(as_text=True)
    smtp_server.clear()
    response = admin.post(f"/admin/users/{user.id}/send-link")
    assert response.status_code == 302
    assert "之前发送的链接已失效" in admin.get("/admin/units").get_data(as_text=True)
    [resent] = smtp_server.wait_for(1)
    assert resent.rcpt_tos == ("weihui@example.cn",)
    second = link_in(resent)
    assert second != first
    client = mail_app.test_client()
    assert client.get(first).status_code == 400
    assert client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_mail_failure_on_import_is_reported_and_the_import_is_kept(mail_app, smtp_server, make_user):
    smtp_server.failure = TEMP_FAILURE
    admin = mail_app.test_client()
    login(admin, make_user(Role.admin))
    preview = admin.post("/admin/units/import", data={"file": (io.BytesIO(xlsx(XINXIANG)), "a.xlsx")},
                         content_type="multipart/form-data").get_data(as_text=True)
    upload_id = preview.split('name="upload_id" type="hidden" value="')[1].split('"')[0]
    done = admin.post("/admin/units/import/confirm", data={"upload_id": upload_id})
    progress = admin.get(done.location).get_data(as_text=True)
    assert "3 封邮件未能发送，系统会自动重试" in progress
    page = admin.get("/admin/units").get_data(as_text=True)
    assert page.count("设置密码邮件：发送失败") == 3 and "重新发送链接" in page
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 4


def test_cli_resends_a_link(mail_app, smtp_server):
    first = link_in(import_and_mail(mail_app, smtp_server)["weihui@example.cn"])
    smtp_server.clear()
    result = mail_app.test_cli_runner().invoke(args=["send-password-link", "weihui@example.cn"])
    assert result.exit_code == 0, result.output
    second = link_in(smtp_server.wait_for(1)[0])
    client = mail_app.test_client()
    assert client.get(first).status_code == 400 and client.get(second).status_code == 200


def test_an_unknown_account_is_404_for_the_admin_actions(client, make_user):
    login(client, make_user(Role.admin))
    for action in ("send-link", "active"):
        response = client.post(f"/admin/users/987654/{action}", data={"active": "1"})
        assert response.status_code == 404 and "找不到" in response.get_data(as_text=True)
