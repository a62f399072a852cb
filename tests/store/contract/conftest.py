"""The `store` every contract test runs against: each backend, behind the protocols only.

A new backend (PostgreSQL) adds itself to BACKENDS and must pass every test here unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, DraftStatus


def _sqlite_file(tmp_path: Path) -> StoreLike:
    from mktdirector.store.sqlite.store import Store

    return Store(tmp_path / "mktd.db")


def _sqlite_memory(tmp_path: Path) -> StoreLike:
    from mktdirector.store.sqlite.store import Store

    return Store(":memory:")


def _postgres(tmp_path: Path) -> StoreLike:
    import pg_fixture
    from mktdirector.store.postgres.store import PostgresStore

    return PostgresStore(pg_fixture.migrated_url())


BACKENDS: dict[str, Callable[[Path], StoreLike]] = {
    "sqlite": _sqlite_file,
    # The tests' own fixture uses :memory:; it must behave like a file.
    "sqlite-memory": _sqlite_memory,
    "postgres": _postgres,
}


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreLike]:
    s = BACKENDS[request.param](tmp_path)
    s.open()
    yield s
    s.close()


@pytest.fixture
def add_draft(store: StoreLike) -> Callable[..., Draft]:
    """Adds a draft as the content agents make one (approved when `approved=True`)."""
    return lambda **fields: _add_draft(store, **fields)


def _add_draft(store: StoreLike, **fields: Any) -> Draft:
    body = fields.pop("body", ["Hello from the contract tests"])
    approved = fields.pop("approved", False)
    row: dict[str, Any] = {
        "platform": "linkedin",
        "kind": "post",
        "body_json": json.dumps(body),
        "content_hash": "h1",
        "status": DraftStatus.DRAFT,
        **fields,
    }
    if approved:
        row.update(status=DraftStatus.APPROVED, approved_hash=row["content_hash"])
    return store.insert_draft(row)
