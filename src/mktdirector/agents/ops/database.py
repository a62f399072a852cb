"""`mktd db check` / `mktd db recover`: is the local database whole, and saving what is left.

The SQLite file is the ledger of what was sent; a damaged one must be seen (check) and
replaced by what can still be read (recover), never silently used for a publish.
"""

from __future__ import annotations

from pathlib import Path

from mktdirector.core.errors import StoreError
from mktdirector.store.sqlite import repair
from mktdirector.store.sqlite.repair import CheckResult, RecoverResult

__all__ = ["CheckResult", "RecoverResult", "check_database", "recover_database"]


def check_database(path: Path) -> CheckResult:
    """integrity_check and a full read of every table; `ok` is False when anything is hurt."""
    return repair.check(path)


def recover_database(path: Path, *, force: bool = False) -> RecoverResult:
    """Copy what is readable into a fresh file in `path`'s place; the old file is kept.

    A whole database needs no recovery: refused unless `force` (a copy is still made).
    """
    if not force and repair.check(path).ok:
        raise StoreError(
            f"{path} passed the check: there is nothing to recover.",
            hint="mktd db recover --force copies it anyway",
        )
    return repair.recover(path)
