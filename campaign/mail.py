"""Outgoing e-mail: build one message per recipient and deliver it by SMTP or to an outbox."""

from __future__ import annotations

import contextlib
import os
import secrets
import smtplib
import ssl
import tempfile
from collections.abc import Mapping
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

__all__ = ["MailError", "app_settings", "build_message", "deliver", "send_email"]

# Headers that build_message owns; extra headers may not override them.
_RESERVED = frozenset(
    {"from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id",
     "mime-version", "content-type", "content-transfer-encoding"}
)
_FALSE_STRINGS = frozenset({"", "0", "false", "no", "off"})


class MailError(Exception):
    """A message could not be handed to the mail server or outbox; sending may be retried."""

    def __init__(self, message: str, smtp_code: int | None = None) -> None:
        super().__init__(message)
        self.smtp_code = smtp_code


def _check_line(value: str, what: str) -> str:
    """Reject values that would break out of a header line."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}")
    if "\r" in value or "\n" in value:
        raise ValueError(f"{what} must not contain line breaks")
    return value


def _one_address(value: str, what: str) -> Address:
    """Parse a header value that must hold exactly one mailbox."""
    header = policy.SMTP.header_factory(what, _check_line(value, what))
    addresses = getattr(header, "addresses", ())
    if len(addresses) != 1 or len(header.groups) != 1 or header.groups[0].display_name:
        raise ValueError(f"{what} must hold exactly one address: {value!r}")
    address = addresses[0]
    if not address.username or not address.domain or header.defects:
        raise ValueError(f"{what} is not a valid address: {value!r}")
    return address


def _body_cte(content: str) -> str | None:
    """Base64 for non-ASCII bodies (CJK text), the library default otherwise."""
    return None if content.isascii() else "base64"


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    reply_to: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """Build a single-recipient text (+ optional HTML alternative) message."""
    from_addr = _one_address(sender, "From")
    to_addr = _one_address(to, "To")
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = from_addr
    msg["To"] = to_addr
    if reply_to:
        msg["Reply-To"] = _one_address(reply_to, "Reply-To")
    msg["Subject"] = _check_line(subject, "Subject")
    msg["Date"] = format_datetime(datetime.now(timezone.utc).astimezone(), usegmt=False)
    msg["Message-ID"] = make_msgid(domain=from_addr.domain)
    for name, value in (headers or {}).items():
        if name.lower() in _RESERVED:
            raise ValueError(f"header {name!r} cannot be set through headers")
        msg[_check_line(name, "header name")] = _check_line(value, name)
    msg.set_content(text, cte=_body_cte(text))
    if html is not None:
        msg.add_alternative(html, subtype="html", cte=_body_cte(html))
        for part in msg.iter_parts():
            del part["MIME-Version"]  # only the top level carries it
    return msg


def _flag(settings: Mapping[str, Any], key: str, default: bool) -> bool:
    """Read a boolean setting, accepting strings such as "false" or "0"."""
    value = settings.get(key, default)
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_STRINGS
    return bool(value)


def _tls_context(verify: bool) -> ssl.SSLContext:
    """Client TLS context; verification off only for tests and self-signed servers."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _write_outbox(msg: EmailMessage, directory: str) -> None:
    """Write the message atomically as <UTC timestamp>-<random>.eml."""
    os.makedirs(directory, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    final = os.path.join(directory, f"{stamp}-{secrets.token_hex(4)}.eml")
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".eml.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(msg.as_bytes())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def _send_smtp(msg: EmailMessage, settings: Mapping[str, Any]) -> None:
    """Hand the message to the configured SMTP server."""
    use_ssl = _flag(settings, "MAIL_USE_SSL", False)
    use_tls = _flag(settings, "MAIL_USE_TLS", False)
    if use_ssl and use_tls:
        raise ValueError("MAIL_USE_SSL and MAIL_USE_TLS are mutually exclusive")
    host = str(settings["MAIL_SERVER"])
    port = int(settings.get("MAIL_PORT") or 25)
    timeout = float(settings.get("MAIL_TIMEOUT") or 10)
    context = _tls_context(_flag(settings, "MAIL_TLS_VERIFY", True))
    username = str(settings.get("MAIL_USERNAME") or "")
    password = str(settings.get("MAIL_PASSWORD") or "")
    if not (username + password).isascii():
        raise ValueError("MAIL_USERNAME and MAIL_PASSWORD must be ASCII (smtplib limitation)")
    if use_ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if use_tls:
            smtp.starttls(context=context)
        if username:
            smtp.login(username, password)
        smtp.send_message(msg)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def deliver(msg: EmailMessage, settings: Mapping[str, Any]) -> str:
    """Send via MAIL_SERVER, or write to MAIL_OUTBOX_DIR when no server is set; return the Message-ID."""
    message_id = str(msg["Message-ID"] or "")
    if not message_id:
        raise ValueError("message has no Message-ID")
    server = settings.get("MAIL_SERVER")
    try:
        if server:
            _send_smtp(msg, settings)
        else:
            outbox = settings.get("MAIL_OUTBOX_DIR")
            if not outbox:
                raise ValueError("MAIL_OUTBOX_DIR is required when MAIL_SERVER is not set")
            _write_outbox(msg, os.fspath(outbox))
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        raise MailError(f"{type(exc).__name__}: {exc.smtp_code} {reply}", exc.smtp_code) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise MailError(f"recipients refused: {exc.recipients!r}", codes[0] if codes else None) from exc
    except OSError as exc:  # smtplib.SMTPException, socket and ssl errors
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    return message_id


def app_settings() -> dict[str, Any]:
    """The current Flask app's mail settings, with the outbox defaulting to instance/outbox."""
    from flask import current_app

    effective: dict[str, Any] = dict(current_app.config)
    if not effective.get("MAIL_OUTBOX_DIR"):
        effective["MAIL_OUTBOX_DIR"] = os.path.join(current_app.instance_path, "outbox")
    return effective


def send_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    settings: Mapping[str, Any] | None = None,
    sender: str | None = None,
) -> str:
    """Build and deliver one message, defaulting to the current Flask app's config."""
    effective = dict(settings) if settings is not None else app_settings()
    sender = sender or effective.get("MAIL_DEFAULT_SENDER")
    if not sender:
        raise ValueError("no sender given and MAIL_DEFAULT_SENDER is not set")
    msg = build_message(sender=sender, to=to, subject=subject, text=text, html=html)
    return deliver(msg, effective)
