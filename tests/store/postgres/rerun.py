"""Run another test module's tests again with the whole product on PostgreSQL.

`rerun_on_postgres("agents/test_worker.py", globals())` copies that module's tests and fixtures
into the calling module, which adds `on_postgres`: every Deps (the CLI's, the agents') then
finds MKTD_DATABASE_URL set to a fresh migrated database, and the `store` fixture opens the same
database, so the tests check what they checked on SQLite, unchanged. They are marked slow.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pg_fixture

TESTS = Path(__file__).resolve().parents[2]


def rerun_on_postgres(
    relative: str, namespace: dict[str, Any], *, leave_out: dict[str, str] | None = None
) -> None:
    """Copy `relative`'s tests and fixtures into `namespace`; `leave_out` names tests not
    re-run, each with the reason (kept in the module as LEFT_OUT, for readers and reviews)."""
    path = TESTS / relative
    # Its sibling helpers (`from test_publish import …`) import as when pytest collects it.
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    name = "pg_rerun_" + relative.replace("/", "_").removesuffix(".py")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as an import does: dataclasses look their module up there
    spec.loader.exec_module(module)
    leave_out = leave_out or {}
    for key, value in vars(module).items():
        if not key.startswith("__") and key not in namespace and key not in leave_out:
            namespace[key] = value
    namespace["LEFT_OUT"] = leave_out
    # A second run of a whole module on a server: slow by the project's rule (> 1 s); CI runs it.
    marks = getattr(module, "pytestmark", [])
    namespace["pytestmark"] = [*(marks if isinstance(marks, list) else [marks]), pytest.mark.slow]


def fixtures_from_conftest(folder: str, namespace: dict[str, Any], *names: str) -> None:
    """Copy the named fixtures of `folder`/conftest.py (pytest applies them to that folder
    only) into `namespace`, unless the module defines its own. Named one by one: a folder's autouse fixtures (web's copies a
    SQLite file into the home) must not come along."""
    path = TESTS / folder / "conftest.py"
    spec = importlib.util.spec_from_file_location(f"pg_rerun_{folder}_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in names:
        namespace.setdefault(name, getattr(module, name))  # the module's own one wins, as in pytest


@pytest.fixture(autouse=True)
def on_postgres(monkeypatch: pytest.MonkeyPatch, home: Path) -> Iterator[str]:
    url = pg_fixture.migrated_url()
    monkeypatch.setenv("MKTD_DATABASE_URL", url)
    # On SQLite opening the store makes the home (its file lives there) and with it the log
    # the tests read; a PostgreSQL host gets its home from `mktd init`, as here.
    from mktdirector.core.paths import ensure_dir

    ensure_dir(home)
    yield url
    # Proof the test ran on PostgreSQL: nothing it did made a SQLite file in the home.
    assert not (home / "mktd.db").exists(), "a re-run test wrote to SQLite"


@pytest.fixture
def store(on_postgres: str) -> Iterator[Any]:
    """The database the CLI and agents use in these tests (tests/conftest.py's is SQLite's)."""
    from mktdirector.store.postgres.store import PostgresStore

    s = PostgresStore(on_postgres)
    try:
        yield s
    finally:
        s.close()
