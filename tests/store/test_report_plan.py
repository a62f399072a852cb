"""The report's per-post lookups read only indexes (issue 17 item 4): EXPLAIN QUERY PLAN of the
SQL the report runs, on a fresh store (no ANALYZE statistics, as a user's file has none)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mktdirector.store.sqlite import reporting
from mktdirector.store.sqlite.store import Store


def _plan(path: Path, sql: str, params: list[object]) -> str:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(f"explain query plan {sql}", params).fetchall()
    return " | ".join(str(r[-1]) for r in rows)


def _fresh(tmp_path: Path) -> Path:
    store = Store(tmp_path / "mktd.db")
    store.open()
    store.close()
    return tmp_path / "mktd.db"


def test_m026_covers_the_llm_cost_and_traffic_lookups(tmp_path: Path) -> None:
    path = _fresh(tmp_path)
    sql, params = reporting.posts_query(["linkedin", "twitter"], "2026-04-01", "2026-07-01",
                                        now_utc="2026-07-01T00:00:00Z")  # fmt: skip
    plan = _plan(path, sql, params)
    # Each post's generations and GA4 rows are read from the index alone: no row of the
    # table (a generation's row holds its prompts and output, often overflow pages).
    assert "COVERING INDEX idx_generations_draft_id_cost_usd (draft_id=?)" in plan
    assert "COVERING INDEX idx_traffic_snapshots_draft_id_date_sessions_key_events" in plan
    # A post's latest snapshot is kept on its row (m028): no snapshot is read at all, neither
    # a seek through the post's history nor a lookup of a row, never a scan.
    assert "metric_snapshots" not in plan and " m " not in f"{plan} " and "SCAN p" not in plan
    assert "SCAN s" not in plan and "SCAN m" not in plan


def test_m026_replaces_the_narrower_indexes(tmp_path: Path) -> None:
    path = _fresh(tmp_path)
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'index'")}
    # The wider index serves every lookup the narrower one did; keeping both costs writes.
    assert "idx_generations_draft_id" not in names
    assert "idx_traffic_snapshots_draft_id_date" not in names
    assert "idx_traffic_snapshots_date" not in names
    assert {"idx_generations_draft_id_cost_usd",
            "idx_traffic_snapshots_draft_id_date_sessions_key_events",
            "idx_traffic_snapshots_date_draft_id_sessions_key_events"} <= names  # fmt: skip


def test_m026_covers_the_daily_traffic_of_a_date_range(tmp_path: Path) -> None:
    path = _fresh(tmp_path)
    sql, params = reporting.daily_traffic_query(["linkedin", "twitter"], "2026-04-01",
                                                "2026-06-30")  # fmt: skip
    plan = _plan(path, sql, params)
    # Whichever side SQLite starts from, the traffic rows are read from an index alone.
    assert "SEARCH t USING COVERING INDEX idx_traffic_snapshots_" in plan, plan
    assert "SCAN t" not in plan


def test_m031_the_report_reads_no_post_or_draft_row(tmp_path: Path) -> None:
    path = _fresh(tmp_path)
    sql, params = reporting.posts_query(["linkedin", "twitter", "email"], "2026-04-01",
                                        "2026-07-01", now_utc="2026-07-01T00:00:00Z")  # fmt: skip
    plan = _plan(path, sql, params)
    # A LinkedIn post's rows are a page (and overflow pages) each: the post's figures and the
    # draft's topic and people are read from the two indexes that hold them, on a file without
    # ANALYZE statistics too (the drafts join names its index: the planner would take the
    # unique id index and read each draft's row).
    assert "SEARCH p USING COVERING INDEX idx_posts_platform_published_utc (platform=? AND" in plan
    assert plan.count("USING COVERING INDEX idx_drafts_id_topic_approved_by_published_by") == 2
    assert "sqlite_autoindex_drafts_1" not in plan and "SCAN p" not in plan


def test_m031_keeps_the_posts_index_partial_and_its_name(tmp_path: Path) -> None:
    path = _fresh(tmp_path)
    with sqlite3.connect(path) as conn:
        [sql] = conn.execute(
            "select sql from sqlite_master where name = 'idx_posts_platform_published_utc'"
        ).fetchone()
    assert sql.startswith("CREATE INDEX idx_posts_platform_published_utc on posts")
    assert "(platform, published_utc, draft_id," in sql and "latest_link_clicks, status)" in sql
    assert sql.endswith("where status = 'published'")  # an intent row still enters none (m029)
