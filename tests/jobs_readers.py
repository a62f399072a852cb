"""Every store method that reads jobs by status (m030's partial index), as each front end calls it:
the SQLite and PostgreSQL query-plan tests run the same list (tests/store/test_m030_jobs_partial_index.py,
tests/store/postgres/test_pg_m030_jobs_index.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

NOW = "2026-01-02T00:00:00.000Z"
READERS: dict[str, Callable[[Any], Any]] = {
    "the worker's claim": lambda s: s.claim_job(
        "w", now=1.0, now_iso=NOW, due_before=NOW, lease_s=60.0
    ),
    "mktd queue list": lambda s: s.list_jobs(),
    "mktd status": lambda s: s.queue_summary(NOW),
    "alert rules: queued": lambda s: s.queued_by_platform(),
    "alert rules: skipped": lambda s: s.skipped_jobs(NOW),
    "--at next-slot": lambda s: s.taken_slots("twitter"),
    "mktd queue cancel": lambda s: s.find_publish_job("J1"),
}
