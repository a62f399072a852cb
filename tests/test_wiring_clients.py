"""Deps and the HTTP clients it makes: closed with the command, never kept alive by it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mktdirector.wiring import Deps


def test_a_long_lived_deps_lets_closed_clients_go(home: Path) -> None:
    # The worker keeps one Deps for its whole life and makes (and closes) clients every cycle:
    # holding each one would grow without bound.
    deps = Deps()
    for _ in range(20):
        deps.http(platform="twitter", base_url="http://127.0.0.1:9").close()
    live = deps.http(platform="twitter", base_url="http://127.0.0.1:9")
    assert deps._http_clients == [live]  # the 20 closed ones are not held
    deps.close()


def test_close_closes_the_clients_still_open(home: Path) -> None:
    deps = Deps()
    client = deps.http(platform="twitter", base_url="http://127.0.0.1:9")
    deps.close()
    assert client._client.is_closed


def test_audit_rows_of_wired_clients_carry_the_work_else_the_command_run(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client asks the wiring which id a row belongs to: built right once, never copied."""
    from mktdirector import wiring
    from mktdirector.core.correlation import correlated

    copies: list[object] = []
    real_replace = wiring.replace
    monkeypatch.setattr(
        wiring, "replace", lambda obj, **kw: copies.append(obj) or real_replace(obj, **kw)
    )
    deps = Deps()
    deps.run_id = "RUN-1"
    client = deps.http(
        platform="twitter",
        base_url="http://x.test",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json={})),
    )
    client.request("GET", "/2/users/me")
    with correlated("DRAFT-7"):
        client.request("GET", "/2/users/me")
    rows = deps.store.calls(platform="twitter")
    assert [r["correlation_id"] for r in rows] == ["RUN-1", "DRAFT-7"]
    assert copies == []
    deps.close()
