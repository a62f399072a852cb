"""m029 (issue 17 item 2b): an intent row writes no page of the three indexes that only
published posts are looked up by, and the queries that read them still use them."""

from __future__ import annotations

import sqlite3

import pytest

from mktdirector.store.rows import PostStatus

INDEXES = ("idx_posts_platform_published_utc", "idx_posts_published_utc_id", "idx_posts_remote_id")


def entries(conn: sqlite3.Connection, index: str) -> int:
    where = "remote_id is not null" if index.endswith("remote_id") else "status = 'published'"
    sql = f"select count(*) from posts indexed by {index} where {where}"
    return int(conn.execute(sql).fetchone()[0])


def test_an_intent_row_enters_none_of_them_and_its_publication_enters_each(file_store):
    conn = file_store.db.conn
    conn.execute(
        "insert into drafts (id, platform, kind, status) values ('D1', 'twitter', 'post', 'x')"
    )
    conn.commit()
    pid = file_store.write_intent(
        "D1", 0, platform="twitter", account=None, text="t", reply_to=None
    )
    assert [entries(conn, i) for i in INDEXES] == [0, 0, 0]
    file_store.mark_post(pid, PostStatus.PUBLISHED, remote_id="190", url="https://x.com/i/190")
    assert [entries(conn, i) for i in INDEXES] == [1, 1, 1]


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        # GET /posts, first page: newest first over every platform, no temp sort.
        ("select * from posts where status = 'published' and remote_id is not null "
         "order by published_utc desc, id desc limit 50", "idx_posts_published_utc_id"),
        # The report's posts of a period per platform.
        ("select * from posts p where p.status = 'published' and p.platform in ('x', 'y') "
         "and p.published_utc >= '2026' and p.published_utc < '2027'",
         "idx_posts_platform_published_utc"),
        ("select * from posts where remote_id = '190'", "idx_posts_remote_id"),
    ],
)  # fmt: skip
def test_the_queries_that_read_them_still_do(file_store, sql, index):
    plan = " | ".join(str(r[-1]) for r in file_store.db.conn.execute(f"explain query plan {sql}"))
    assert f"INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
