"""The web app over ASGI (no socket): a client for the API with the bearer token, and a
logged-in browser-like client for the dashboard."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mktdirector.web.app import ServeOptions, create_app
from mktdirector.wiring import Deps

from web_token import TOKEN

BASE = "http://127.0.0.1:8484"


class Wiring:
    """What each request's Deps gets: a fake LLM when a test sets one."""

    def __init__(self) -> None:
        self.llm: Any = None
        self.made = 0

    def __call__(self) -> Deps:
        d = Deps()
        if self.llm is not None:
            d.set_llm(self.llm)
        self.made += 1
        return d


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with every migration applied, made once: each test starts from a copy
    instead of migrating its own (most of a web test's time otherwise)."""
    from mktdirector.store import Store

    path = tmp_path_factory.mktemp("template") / "mktd.db"
    store = Store(path)
    store.open()  # opening migrates
    store.close()
    return path


@pytest.fixture(autouse=True)
def fresh_db(home: Path, migrated_db: Path) -> None:
    from mktdirector.core.paths import db_path

    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copyfile(migrated_db, db_path(home))
    db_path(home).chmod(0o600)


@pytest.fixture
def wiring() -> Wiring:
    return Wiring()


@pytest.fixture
def app(wiring: Wiring) -> Any:
    return create_app(ServeOptions(token=TOKEN), wiring)


@pytest.fixture
def anon(app: Any) -> Iterator[TestClient]:
    """No token, no session."""
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield c


@pytest.fixture
def api(app: Any) -> Iterator[TestClient]:
    with TestClient(
        app, base_url=BASE, headers={"Authorization": f"Bearer {TOKEN}"}, follow_redirects=False
    ) as c:
        yield c


@pytest.fixture
def browser(app: Any) -> Iterator[TestClient]:
    """Logged in through a one-time link, as a user's browser would be."""
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        code = app.state.sessions.new_login_code()
        r = c.get(f"/login?code={code}")
        assert r.status_code == 303, r.text
        yield c


@pytest.fixture
def csrf_of() -> Callable[[str], str]:
    """The CSRF token a page carries in its forms."""
    import re

    def find(html: str) -> str:
        m = re.search(r'name="csrf" value="([^"]+)"', html)
        assert m, "no CSRF field on the page"
        return m.group(1)

    return find
