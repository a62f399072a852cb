"""A glance at the database without opening the store: for the unread line every command shows.

It costs a few milliseconds: the standard library's sqlite3 only (no sqlite-utils, no
migrations), the existing file only, and a short timeout so a busy writer never stalls a command.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def unread_count(path: Path) -> int | None:
    """Unread notifications in the database at `path`; None when it cannot be read right now."""
    if not path.is_file():
        return None  # never create the database just to count
    try:
        # mode=rw: open the existing file only.
        conn = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=0.2)
        try:
            row = conn.execute("select count(*) from notifications where read_utc is null")
            return int(row.fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # an old or busy database: the notice is a convenience, never an error
