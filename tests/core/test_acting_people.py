"""Who acts (core/people.py): MKTD_USER, else the OS user; a worker's job names its cause."""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterator

import httpx
import pytest
import respx

from mktdirector.core.http import Exchange, HttpClient
from mktdirector.core.people import acting, current_actor, current_user, worker_actor

BASE = "https://api.people.test"


def test_mktd_user_wins_over_the_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTD_USER", "  ann  ")
    assert current_user() == "ann" and current_actor() == "ann"
    monkeypatch.delenv("MKTD_USER")
    assert current_actor() == getpass.getuser()


def test_the_os_user_is_looked_up_once_and_mktd_user_still_read_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every audit row names its actor: the passwd lookup must not run per HTTP call."""
    from mktdirector.core import people

    asked: list[int] = []
    monkeypatch.setattr(getpass, "getuser", lambda: asked.append(1) or "osuser")
    people._os_user.cache_clear()
    monkeypatch.delenv("MKTD_USER", raising=False)
    try:
        assert [current_actor() for _ in range(5)] == ["osuser"] * 5
        assert len(asked) == 1
        monkeypatch.setenv("MKTD_USER", "ann")  # set later (a test, a long-lived process)
        assert current_actor() == "ann"
    finally:
        people._os_user.cache_clear()


def test_acting_names_the_cause_inside_the_block_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTD_USER", "svc")
    host = socket.gethostname()
    assert worker_actor() == f"worker:svc@{host}"
    with acting(worker_actor("carol")):
        assert current_actor() == f"carol via worker:svc@{host}"
        with acting(None):  # None keeps the outer actor
            assert current_actor() == f"carol via worker:svc@{host}"
    assert current_actor() == "svc"


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def test_the_choke_point_writes_the_actor_on_every_attempt(
    api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_USER", "dave")
    api.get("/me").mock(side_effect=[httpx.Response(500), httpx.Response(200)])
    audit: list[Exchange] = []
    with HttpClient("sandbox", BASE, audit=audit.append) as client:
        client.request("GET", "/me")
        with acting(worker_actor("carol")):
            api.get("/me").mock(return_value=httpx.Response(200))
            client.request("GET", "/me")
    assert [(x.status, x.actor) for x in audit] == [
        (500, "dave"),
        (200, "dave"),
        (200, f"carol via worker:dave@{socket.gethostname()}"),
    ]
