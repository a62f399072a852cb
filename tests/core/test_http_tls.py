"""Every HttpClient that talks to the network verifies TLS with one context per process.

httpx builds a new ssl.SSLContext for each transport, which loads certifi's whole CA bundle
(~25 ms; ~40 ms on a loaded machine): a command or a test building several clients paid that
each time. The shared context must still verify certificates and host names.
"""

from __future__ import annotations

import ssl
from typing import Any

import pytest

from mktdirector.core.http import HttpClient


def _tls_context_of(client: HttpClient) -> Any:
    # DeadlineTransport -> httpx.HTTPTransport -> httpcore's pool, which holds the context.
    return client._client._transport._inner._pool._ssl_context  # type: ignore[attr-defined]


def test_clients_share_one_tls_context_that_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    real = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    clients = [HttpClient("x", "https://api.example.test") for _ in range(3)]
    try:
        contexts = [_tls_context_of(c) for c in clients]
        assert len(built) <= 1  # the first client of the process builds it, the others reuse it
        assert contexts[0] is contexts[1] is contexts[2]
        assert contexts[0].verify_mode == ssl.CERT_REQUIRED
        assert contexts[0].check_hostname
        assert contexts[0].cert_store_stats()["x509_ca"] > 0  # the CA bundle is loaded
    finally:
        for client in clients:
            client.close()
