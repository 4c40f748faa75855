"""campaign.mail against a real loopback SMTP server."""

from __future__ import annotations

import email
import email.policy
import re
import ssl
from datetime import datetime
from email.utils import parsedate_to_datetime

import pytest

from campaign.mail import MailError, build_message, deliver, send_email
from tests.smtp_server import TEMP_FAILURE, SMTPTestServer


SENDER = '"学习宣贯填报系统" <noreply@campaign.example.cn>'
UNIT = '"北京市市场监督管理局" <bjsamr@example.gov.cn>'
SUBJECT = "【提醒】请于9月30日前填报学习宣贯情况（第2次提醒）"
TEXT = "北京市市场监督管理局：\n\n您单位尚未提交学习宣贯情况报告，请尽快登录系统填报。\n"
HTML = "<p>北京市市场监督管理局：</p><p>您单位尚未提交学习宣贯情况报告，请尽快<a href='https://x.example.cn/'>登录系统</a>填报。</p>"
MSGID = re.compile(r"^<[^<>@\s]+@campaign\.example\.cn>$")


def message(to: str = UNIT, **kwargs: object) -> email.message.EmailMessage:
    return build_message(sender=SENDER, to=to, subject=SUBJECT, text=TEXT, html=HTML, **kwargs)  # type: ignore[arg-type]


def body(part: email.message.EmailMessage) -> str:
    return str(part.get_content()).replace("\r\n", "\n")


def test_plain_delivery(smtp_server: SMTPTestServer) -> None:
    msg = message()
    message_id = deliver(msg, smtp_server.settings())
    assert message_id == msg["Message-ID"]
    [got] = smtp_server.messages
    assert got.mail_from == "noreply@campaign.example.cn"
    assert got.rcpt_tos == ("bjsamr@example.gov.cn",)
    assert got.message["Message-ID"] == message_id
    assert got.login is None and not got.tls


def test_one_recipient_per_message(smtp_server: SMTPTestServer) -> None:
    units = ["a@unit1.example.cn", '"新乡市水利局" <b@unit2.example.cn>', "c@unit3.example.cn"]
    for unit in units:
        deliver(message(to=unit), smtp_server.settings())
    received = smtp_server.messages
    assert [r.rcpt_tos for r in received] == [
        ("a@unit1.example.cn",), ("b@unit2.example.cn",), ("c@unit3.example.cn",)
    ]
    for r, expected in zip(received, ["a@unit1.example.cn", "b@unit2.example.cn", "c@unit3.example.cn"]):
        addresses = r.message["To"].addresses
        assert [a.addr_spec for a in addresses] == [expected]
        assert r.message["Cc"] is None and r.message["Bcc"] is None
    assert len({r.message["Message-ID"] for r in received}) == 3


def test_chinese_subject_and_display_names_survive(smtp_server: SMTPTestServer) -> None:
    deliver(message(), smtp_server.settings())
    [got] = smtp_server.messages
    assert got.raw.isascii()  # headers are RFC 2047 encoded, bodies base64
    assert got.message["Subject"] == SUBJECT
    [to] = got.message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("北京市市场监督管理局", "bjsamr@example.gov.cn")
    [sender] = got.message["From"].addresses
    assert sender.display_name == "学习宣贯填报系统"


def test_text_and_html_alternatives(smtp_server: SMTPTestServer) -> None:
    deliver(message(), smtp_server.settings())
    msg = smtp_server.messages[0].message
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert body(msg.get_body(("plain",))) == TEXT
    assert body(msg.get_body(("html",))) == HTML + "\n"


def test_text_only_message_is_single_part(smtp_server: SMTPTestServer) -> None:
    msg = build_message(sender=SENDER, to=UNIT, subject="通知", text="请填报。")
    deliver(msg, smtp_server.settings())
    got = smtp_server.messages[0].message
    assert got.get_content_type() == "text/plain"
    assert body(got) == "请填报。\n"


def test_message_id_and_date_well_formed(smtp_server: SMTPTestServer) -> None:
    before = datetime.now().astimezone()
    deliver(message(), smtp_server.settings())
    got = smtp_server.messages[0].message
    assert MSGID.match(got["Message-ID"])
    sent = parsedate_to_datetime(got["Date"])
    assert sent.tzinfo is not None
    assert abs((sent - before).total_seconds()) < 60
    assert got["MIME-Version"] == "1.0"


def test_reply_to_and_extra_headers(smtp_server: SMTPTestServer) -> None:
    msg = message(reply_to='"市局办公室" <office@example.gov.cn>', headers={"Auto-Submitted": "auto-generated"})
    deliver(msg, smtp_server.settings())
    got = smtp_server.messages[0].message
    assert got["Reply-To"].addresses[0].display_name == "市局办公室"
    assert got["Auto-Submitted"] == "auto-generated"


def test_starttls_with_login(make_smtp_server) -> None:
    server = make_smtp_server(starttls=True, username="campaign", password="s3cret!")
    deliver(message(), server.settings())
    [got] = server.messages
    assert got.tls and got.login == "campaign"
    assert got.message["Subject"] == SUBJECT


def test_non_ascii_credentials_are_a_configuration_error(smtp_server: SMTPTestServer) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        deliver(message(), smtp_server.settings(MAIL_USERNAME="user", MAIL_PASSWORD="密码"))


def test_starttls_required_by_server(make_smtp_server) -> None:
    server = make_smtp_server(starttls=True)
    with pytest.raises(MailError) as info:
        deliver(message(), server.settings(MAIL_USE_TLS=False))
    assert info.value.smtp_code == 530
    assert server.messages == []


def test_login_required_by_server(make_smtp_server) -> None:
    server = make_smtp_server(username="campaign", password="pw")
    with pytest.raises(MailError) as info:
        deliver(message(), server.settings(MAIL_USERNAME=None))
    assert info.value.smtp_code == 530


def test_implicit_ssl_with_login(make_smtp_server) -> None:
    server = make_smtp_server(implicit_ssl=True, username="campaign", password="pw")
    deliver(message(), server.settings())
    [got] = server.messages
    assert got.tls and got.login == "campaign"


def test_self_signed_certificate_rejected_when_verifying(make_smtp_server) -> None:
    server = make_smtp_server(implicit_ssl=True)
    with pytest.raises(MailError) as info:
        deliver(message(), server.settings(MAIL_TLS_VERIFY=True))
    assert isinstance(info.value.__cause__, ssl.SSLCertVerificationError)
    assert server.messages == []


def test_wrong_password(make_smtp_server) -> None:
    server = make_smtp_server(starttls=True, username="campaign", password="right")
    with pytest.raises(MailError) as info:
        deliver(message(), server.settings(MAIL_PASSWORD="wrong"))
    assert info.value.smtp_code == 535
    assert server.messages == []


def test_server_down_then_up(smtp_server: SMTPTestServer) -> None:
    settings = smtp_server.settings(MAIL_TIMEOUT=2)
    smtp_server.stop()
    with pytest.raises(MailError) as info:
        deliver(message(), settings)
    assert isinstance(info.value.__cause__, OSError)
    smtp_server.start()
    msg = message()
    assert deliver(msg, settings) == msg["Message-ID"]
    assert [m.message["Message-ID"] for m in smtp_server.messages] == [msg["Message-ID"]]


def test_temporary_failure_then_success(smtp_server: SMTPTestServer) -> None:
    smtp_server.failure = TEMP_FAILURE
    with pytest.raises(MailError) as info:
        deliver(message(), smtp_server.settings())
    assert info.value.smtp_code == 451
    smtp_server.failure = None
    deliver(message(), smtp_server.settings())
    assert len(smtp_server.messages) == 1


def test_outbox_mode_writes_parseable_eml(tmp_path) -> None:
    outbox = tmp_path / "outbox"
    msg = message()
    message_id = deliver(msg, {"MAIL_SERVER": "", "MAIL_OUTBOX_DIR": str(outbox)})
    files = list(outbox.iterdir())
    assert len(files) == 1
    assert re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{8}\.eml", files[0].name)
    raw = files[0].read_bytes()
    assert raw == msg.as_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        assert parsed[name] == msg[name]
    assert parsed["Message-ID"] == message_id
    assert parsed["Subject"] == SUBJECT
    assert body(parsed.get_body(("plain",))) == TEXT


def test_outbox_requires_directory() -> None:
    with pytest.raises(ValueError):
        deliver(message(), {"MAIL_SERVER": None})


@pytest.mark.parametrize("to", [
    "a@unit1.example.cn, b@unit2.example.cn",
    '"北京市市场监督管理局" <a@b.cn>, c@d.cn',
    ["a@unit1.example.cn"],
    "not-an-address",
    "a@b.cn\r\nBcc: spy@example.com",
])
def test_build_message_rejects_anything_but_one_recipient(to: object) -> None:
    with pytest.raises(ValueError):
        build_message(sender=SENDER, to=to, subject="s", text="t")  # type: ignore[arg-type]


def test_build_message_refuses_to_override_recipients() -> None:
    with pytest.raises(ValueError):
        message(headers={"Bcc": "spy@example.com"})


def test_send_email_with_explicit_settings(smtp_server: SMTPTestServer) -> None:
    message_id = send_email(to=UNIT, subject=SUBJECT, text=TEXT, html=HTML,
                            settings=smtp_server.settings(MAIL_DEFAULT_SENDER=SENDER))
    [got] = smtp_server.messages
    assert got.message["Message-ID"] == message_id
    assert got.message["From"].addresses[0].display_name == "学习宣贯填报系统"


def test_send_email_uses_flask_config_and_instance_outbox(tmp_path) -> None:
    flask = pytest.importorskip("flask")
    app = flask.Flask("mailtest", instance_path=str(tmp_path / "instance"))
    app.config["MAIL_DEFAULT_SENDER"] = SENDER
    with app.app_context():
        message_id = send_email(to=UNIT, subject=SUBJECT, text=TEXT)
    [eml] = (tmp_path / "instance" / "outbox").glob("*.eml")
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == message_id
    assert parsed["To"].addresses[0].addr_spec == "bjsamr@example.gov.cn"


@pytest.mark.parametrize("name", ['张三, <evil@attacker.example>', '王五" <evil@attacker.example>, "x',
                                  "赵六 <evil@attacker.example>; 钱七", "李四,\u3000<x@y.z>"])
def test_a_hostile_display_name_stays_one_display_name(smtp_server: SMTPTestServer, name) -> None:
    from email.headerregistry import Address

    to = str(Address(display_name=name, addr_spec="unit@units.example.cn"))
    deliver(message(to=to), smtp_server.settings())
    [got] = smtp_server.messages
    assert got.rcpt_tos == ("unit@units.example.cn",)
    addresses = got.message["To"].addresses
    assert [a.addr_spec for a in addresses] == ["unit@units.example.cn"]
    assert "evil@attacker.example" not in {a.addr_spec for a in addresses}
