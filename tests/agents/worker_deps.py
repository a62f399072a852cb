"""The Deps the worker tests publish through: X at a respx base URL with a user token in the
environment, no waiting on rate limits. One body for the three worker test modules (each keeps
its own `deps` fixture and token, so tests/store/postgres/rerun.py can copy a module whole)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mktdirector.wiring import Deps


def x_worker_deps(monkeypatch: pytest.MonkeyPatch, base_url: str, token: str) -> Iterator[Deps]:
    monkeypatch.setenv("MKTD_TWITTER_BASE_URL", base_url)
    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", token)
    monkeypatch.setenv("MKTD_MAX_WAIT", "0")
    d = Deps()
    yield d
    d.close()
