"""A real loopback SMTP server (aiosmtpd) for tests: plain, STARTTLS, implicit TLS, AUTH."""

from __future__ import annotations

import email
import email.policy
import secrets
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

TEMP_FAILURE = "451 4.3.0 Temporary failure, try again later"


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    login: str | None
    tls: bool


def make_self_signed_cert(directory: str | Path) -> tuple[Path, Path]:
    """Create a throwaway certificate for localhost/127.0.0.1 with the openssl CLI."""
    directory = Path(directory)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def _free_port(host: str) -> int:
    """Ask the kernel for a currently unused TCP port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Handler:
    """aiosmtpd handler hooks delegating to the owning SMTPTestServer."""

    def __init__(self, owner: SMTPTestServer) -> None:
        self.owner = owner

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        # AUTH is enforced here rather than with aiosmtpd's auth_required, which
        # cannot tell that an implicit-TLS connection is already encrypted.
        if self.owner.username is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self.owner.failure
        if failure:
            return failure
        raw = bytes(envelope.original_content or b"")
        login = session.auth_data.login.decode() if session.authenticated else None
        self.owner._record(ReceivedMessage(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=raw,
            message=email.message_from_bytes(raw, policy=email.policy.default),  # type: ignore[arg-type]
            login=login,
            tls=session.ssl is not None or self.owner.implicit_ssl,
        ))
        return "250 2.0.0 OK queued"


class SMTPTestServer:
    """Threaded aiosmtpd server on 127.0.0.1 that records what it receives.

    Options: ``username``/``password`` require AUTH; ``starttls`` offers STARTTLS
    (and, with AUTH, only allows AUTH after it); ``implicit_ssl`` wraps the
    listener in TLS from the first byte. ``certificate`` is a (cert, key) pair;
    one is generated when TLS is requested without it. Set ``failure`` to an SMTP
    reply (e.g. ``TEMP_FAILURE``) to reject DATA; ``stop()``/``start()`` keep the port.
    """

    def __init__(self, *, username: str | None = None, password: str | None = None,
                 starttls: bool = False, implicit_ssl: bool = False,
                 require_starttls: bool = True,
                 certificate: tuple[str | Path, str | Path] | None = None,
                 host: str = "127.0.0.1", port: int | None = None) -> None:
        if starttls and implicit_ssl:
            raise ValueError("choose starttls or implicit_ssl, not both")
        if (username is None) != (password is None):
            raise ValueError("username and password go together")
        self.username, self.password = username, password
        self.starttls, self.implicit_ssl = starttls, implicit_ssl
        self.require_starttls = require_starttls
        self.host = host
        self.port = port or _free_port(host)
        self.failure: str | None = None
        self._certificate = certificate
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._controller: Controller | None = None
        self._received: list[ReceivedMessage] = []
        self._cond = threading.Condition()

    # -- TLS and auth ---------------------------------------------------------
    def _ssl_context(self) -> ssl.SSLContext:
        """Server-side TLS context, generating a certificate on first use."""
        if self._certificate is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="smtp-cert-")
            self._certificate = make_self_signed_cert(self._tempdir.name)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*map(str, self._certificate))
        return context

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        """aiosmtpd authenticator comparing against the configured credentials."""
        ok = (
            isinstance(auth_data, LoginPassword)
            and secrets.compare_digest(auth_data.login, str(self.username).encode())
            and secrets.compare_digest(auth_data.password, str(self.password).encode())
        )
        # handled=False makes aiosmtpd send the standard 535 reply itself.
        return AuthResult(success=bool(ok), handled=False, auth_data=auth_data)

    def _controller_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for aiosmtpd's Controller / SMTP."""
        kwargs: dict[str, Any] = {"server_hostname": "smtp.test.invalid"}
        if self.starttls:
            kwargs["tls_context"] = self._ssl_context()
            kwargs["require_starttls"] = self.require_starttls
        if self.implicit_ssl:
            kwargs["ssl_context"] = self._ssl_context()
        if self.username is not None:
            kwargs["authenticator"] = self._authenticate
            # Deliberate: AUTH must follow STARTTLS when it is offered; on a plain
            # loopback server, or one already in implicit TLS, AUTH is allowed as is.
            kwargs["auth_require_tls"] = self.starttls
        return kwargs

    # -- lifecycle ------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the listener is up."""
        return self._controller is not None

    def start(self) -> SMTPTestServer:
        """Start listening (again) on self.host:self.port."""
        if self._controller is not None:
            raise RuntimeError("server already running")
        controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                **self._controller_kwargs())
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening; connections are refused until start() is called."""
        if self._controller is not None:
            controller, self._controller = self._controller, None
            controller.stop()

    def close(self) -> None:
        """Stop and remove any generated certificate."""
        self.stop()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> SMTPTestServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- results --------------------------------------------------------------
    def _record(self, item: ReceivedMessage) -> None:
        with self._cond:
            self._received.append(item)
            self._cond.notify_all()

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A snapshot of everything received so far."""
        with self._cond:
            return list(self._received)

    def clear(self) -> None:
        """Forget received messages."""
        with self._cond:
            self._received.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Block until at least ``count`` messages arrived; return them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._received) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"expected {count} messages, got {len(self._received)}")
                self._cond.wait(remaining)
            return list(self._received)

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Mail settings (campaign.mail keys) pointing at this server."""
        values: dict[str, Any] = {
            "MAIL_SERVER": self.host,
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": self.starttls,
            "MAIL_USE_SSL": self.implicit_ssl,
            "MAIL_USERNAME": self.username,
            "MAIL_PASSWORD": self.password,
            "MAIL_TLS_VERIFY": False,
            "MAIL_TIMEOUT": 5,
        }
        values.update(overrides)
        return values
