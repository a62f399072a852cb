"""The product's state, behind one protocol per aggregate (protocols/) with typed rows (rows.py).

`Store` is today's backend, SQLite (store/sqlite/). Names are resolved on first use so that
importing a small part of the store (a row type, the unread count) loads no database library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mktdirector.store.protocols import StoreLike
    from mktdirector.store.sqlite.store import Store

__all__ = ["Store", "StoreLike"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from mktdirector.store.sqlite.store import Store

        return Store
    if name == "StoreLike":
        from mktdirector.store.protocols import StoreLike

        return StoreLike
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
