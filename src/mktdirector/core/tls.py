"""The TLS context every HttpClient verifies with: built once per process.

httpx builds a new ssl.SSLContext for each transport, and building one loads certifi's whole CA
bundle (~25 ms): a command, the worker or a test suite building several clients paid that each
time. A context is safe to share between clients and threads; httpcore sets its ALPN list on
each connection, and every HttpClient speaks HTTP/1.1, so they all set the same list.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_context() -> ssl.SSLContext:
    """httpx's default verifying context (certifi, or SSL_CERT_FILE / SSL_CERT_DIR if set)."""
    return httpx.create_ssl_context()
