"""tests/agents/test_worker_dead_lease.py, unchanged, with the product on PostgreSQL (see rerun.py)."""

from collections.abc import Callable
from typing import Any

import pytest
from rerun import on_postgres, rerun_on_postgres, store  # noqa: F401

rerun_on_postgres("agents/test_worker_dead_lease.py", globals())


@pytest.fixture(autouse=True)
def second_store_on_the_same_database(
    monkeypatch: pytest.MonkeyPatch,
    on_postgres: str,  # noqa: F811
) -> None:
    """The keep-alive test opens `Store(deps.store.path)`: a second connection to the worker's
    database (on SQLite, the same file). Here that is the same PostgreSQL database."""
    import mktdirector.store
    from mktdirector.store.postgres.store import PostgresStore

    opener: Callable[[Any], PostgresStore] = lambda _path: PostgresStore(on_postgres)  # noqa: E731
    monkeypatch.setattr(mktdirector.store, "Store", opener)
