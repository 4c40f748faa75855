"""Pytest fixtures around SMTPTestServer; loaded by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.smtp_server import SMTPTestServer, make_self_signed_cert


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One self-signed (cert, key) pair shared by all TLS test servers."""
    return make_self_signed_cert(tmp_path_factory.mktemp("smtp-cert"))


@pytest.fixture
def make_smtp_server(request: pytest.FixtureRequest) -> Iterator[Callable[..., SMTPTestServer]]:
    """Factory: make_smtp_server(**options) returns a started server, closed after the test."""
    servers: list[SMTPTestServer] = []

    def factory(**options: Any) -> SMTPTestServer:
        if (options.get("starttls") or options.get("implicit_ssl")) and "certificate" not in options:
            options["certificate"] = request.getfixturevalue("smtp_certificate")
        server = SMTPTestServer(**options)
        servers.append(server)
        return server.start()

    yield factory
    for server in reversed(servers):
        server.close()


@pytest.fixture
def smtp_server(make_smtp_server: Callable[..., SMTPTestServer]) -> SMTPTestServer:
    """A started plain SMTP server without AUTH."""
    return make_smtp_server()
