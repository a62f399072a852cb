"""Deps and the HTTP clients it makes: closed with the command, never kept alive by it."""

from __future__ import annotations

from pathlib import Path

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
