"""The PostgreSQL report path's settings: what benchmarks/pg_report.py found costly."""

from __future__ import annotations

import pg_fixture
from mktdirector.store.postgres.store import PostgresStore


def test_the_store_session_never_jit_compiles() -> None:
    # At 1M snapshots the server spent ~1.7 s JIT-compiling the report's query, which then runs
    # index probes that JIT cannot speed up. Every mktd session turns it off.
    store = PostgresStore(pg_fixture.migrated_url())  # skips with a reason without a server
    try:
        [row] = store.db.query("select current_setting('jit') as jit")
        assert row["jit"] == "off"
    finally:
        store.close()


def test_the_report_rows_counts_arrive_as_bigint_not_numeric() -> None:
    # numeric is loaded in Python (adapter.NumberLoader), one call per value of every post: the
    # social part's sums were bigint, but the email part's numeric sums and the sessions made
    # the united query's counts numeric for every post (`union all` takes the wider type).
    from mktdirector.store.postgres.adapter import translate

    store = PostgresStore(pg_fixture.migrated_url())
    try:
        sql, params = store.report_posts_query(
            ["linkedin", "email"], "2027-01-01", "2027-02-01", now_utc="2027-02-01T00:00:00Z"
        )
        conn = store.db.conn.raw  # type: ignore[attr-defined]
        cursor = conn.execute(translate(sql + " limit 0"), params)
        types = {d.name: conn.adapters.types.get(d.type_code).name for d in cursor.description}
        counts = ("impressions", "reach", "engagements", "link_clicks", "sessions", "leads")
        assert {c: types[c] for c in counts} == dict.fromkeys(counts, "int8")
    finally:
        store.close()
