"""PostgreSQL's answers to the questions store/sqlite/dialect.py names.

The statements are written in the store's own SQL (`?` placeholders): the adapter translates
every statement, these included.
"""

from __future__ import annotations

from mktdirector.store.sqlite.dialect import Dialect

# Every write transaction takes this one transaction-scoped advisory lock first: writers are
# serialized across all hosts exactly as SQLite's BEGIN IMMEDIATE serializes them on one, so
# every read-then-write the store does inside `immediate()` (claim a draft, de-duplicate a
# notification, read-modify-write a rate limit) keeps the guarantee it has on SQLite. Readers
# never take it. The key is arbitrary but fixed: every mktd process must use the same.
WRITER_LOCK_KEY = 0x6D6B7464  # "mktd"

POSTGRES = Dialect(
    begin=f"begin; select pg_advisory_xact_lock({WRITER_LOCK_KEY})",
    placeholder="?",
    # The claim also skips rows another transaction holds, so it never waits on a row lock.
    skip_locked="for update skip locked",
    # Rate state and audit rows: the commit returns before the WAL flush. A server crash may
    # lose the last few (never corrupt them); the publish ledger's commits stay synchronous.
    relaxed="set local synchronous_commit = off",
    for_update="for update",
    # No writer lock: the job claim (its rows read `for update skip locked`) takes only the
    # rows it claims, so workers on different jobs never wait for each other; every other
    # transaction that writes a job it read reads it `for update` (schedule, cancel).
    begin_row_locked="begin",
)
