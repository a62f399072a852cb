"""Metric snapshots of published posts (social analytics)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from mktdirector.store.rows import MetricSnapshot, Post
from mktdirector.store.sqlite.db import Connected, immediate

FIELDS = ("impressions", "reach", "likes", "reposts", "replies", "quotes", "bookmarks",
          "link_clicks", "profile_clicks", "engagements")  # fmt: skip

# A post's latest snapshot and the figures the report sums from it (issue 17 item 4, m028: the
# report reads them from the post instead of seeking the snapshot per post). Recomputed, never
# compared with the one just inserted, so snapshots arriving out of order leave the latest by
# taken_utc (the later id on a tie), the pick m028 and the report made. `{remote_id}` is the
# post's remote id: its column, or a parameter when an UPDATE sets a new one (SET reads the
# row's old values). No snapshot: every column NULL.
LATEST_COLUMNS = ("latest_snapshot_id", "latest_taken_utc", "latest_impressions", "latest_reach",
                  "latest_engagements", "latest_link_clicks")  # fmt: skip
LATEST_SNAPSHOT = f"""({", ".join(LATEST_COLUMNS)}) = (
    select s.id, s.taken_utc, s.impressions, s.reach,
           coalesce(s.engagements, coalesce(s.likes, 0) + coalesce(s.reposts, 0)
               + coalesce(s.replies, 0) + coalesce(s.quotes, 0) + coalesce(s.bookmarks, 0)),
           s.link_clicks
    from metric_snapshots s
    where s.platform = posts.platform and s.remote_id = {{remote_id}}
    order by s.taken_utc desc, s.id desc limit 1)"""
# Remote ids per UPDATE: well under SQLite's parameter limit; a fetch stores 100 at a time.
_IDS_PER_UPDATE = 500


class MetricsMixin(Connected):
    def published_posts(
        self,
        *,
        platform: str | None = None,
        since_utc: str | None = None,
        until_utc: str | None = None,
    ) -> list[Post]:
        where, params = ["status = 'published'", "remote_id is not null"], []
        if platform:
            where.append("platform = ?")
            params.append(platform)
        if since_utc:
            where.append("published_utc >= ?")
            params.append(since_utc)
        if until_utc:
            where.append("published_utc < ?")
            params.append(until_utc)
        sql = f"select * from posts where {' and '.join(where)} order by published_utc"
        return cast(list[Post], list(self.db.query(sql, params)))

    def published_page(
        self,
        *,
        limit: int,
        before: tuple[str, str] | None = None,
        platform: str | None = None,
        since_utc: str | None = None,
    ) -> list[Post]:
        """Published posts newest first by (published_utc, id), after the keyset `before`:
        one page cut by the database (GET /posts), whatever the number of posts."""
        where, params = ["status = 'published'", "remote_id is not null"], []
        if platform:
            where.append("platform = ?")
            params.append(platform)
        if since_utc:
            where.append("published_utc >= ?")
            params.append(since_utc)
        if before is not None:
            # (a, b) < (x, y) spelled out: the same on SQLite and PostgreSQL.
            where.append("(published_utc < ? or (published_utc = ? and id < ?))")
            params += [before[0], before[0], before[1]]
        sql = (
            f"select * from posts where {' and '.join(where)} "
            "order by published_utc desc, id desc limit ?"
        )
        return cast(list[Post], list(self.db.query(sql, [*params, limit])))

    def add_snapshots(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Store one fetch: a row per post (`raw` is kept as JSON); returns how many. The
        posts' latest snapshot (LATEST_COLUMNS) is brought up to date in the same transaction."""
        clean = []
        for r in rows:
            item = {
                k: r.get(k)
                for k in ("platform", "remote_id", "draft_id", "post_row_id", "taken_utc", *FIELDS)
            }
            item["private"] = int(bool(r.get("private")))
            item["raw_json"] = json.dumps(r.get("raw") or {})
            clean.append(item)
        if clean:
            remote_ids = sorted({str(r["remote_id"]) for r in clean if r["remote_id"] is not None})
            insert = self.dialect.insert("metric_snapshots", list(clean[0]))
            # The writers' lock (BEGIN IMMEDIATE; PostgreSQL's advisory lock): a post's latest is
            # recomputed from the snapshots committed before this one started. Under PostgreSQL's
            # READ COMMITTED an UPDATE that waited on another fetch's row keeps its statement's
            # snapshot and would miss that fetch's newer reading (test_pg_latest_snapshot_race).
            with immediate(self.db) as conn:
                for item in clean:
                    conn.execute(insert, list(item.values()))
                for i in range(0, len(remote_ids), _IDS_PER_UPDATE):
                    part = remote_ids[i : i + _IDS_PER_UPDATE]
                    self._point_to_latest(f"remote_id in ({','.join('?' * len(part))})", part)
        return len(clean)

    def refresh_latest_snapshots(self) -> None:
        """Recompute every post's latest snapshot (after rows were copied in from elsewhere,
        whose snapshot ids need not be this database's)."""
        with immediate(self.db):
            self._point_to_latest("remote_id is not null", [])

    def _point_to_latest(self, where: str, params: list[Any]) -> None:
        latest = LATEST_SNAPSHOT.format(remote_id="posts.remote_id")
        self.db.conn.execute(f"update posts set {latest} where {where}", params)

    def latest_snapshots(
        self, *, draft_id: str | None = None, remote_id: str | None = None
    ) -> list[MetricSnapshot]:
        """The newest snapshot of each post, optionally of one draft or one remote post."""
        where, params = ["1=1"], []
        if draft_id:
            where.append("draft_id = ?")
            params.append(draft_id)
        if remote_id:
            where.append("remote_id = ?")
            params.append(remote_id)
        sql = f"""
            select m.* from metric_snapshots m
            join (select platform, remote_id, max(taken_utc) as t from metric_snapshots
                  where {" and ".join(where)} group by platform, remote_id) last
              on m.platform = last.platform and m.remote_id = last.remote_id and m.taken_utc = last.t
        """
        return cast(list[MetricSnapshot], list(self.db.query(sql, params)))

    def recent_snapshots(self, limit: int = 200) -> list[MetricSnapshot]:
        """The newest `limit` snapshots, whatever their post."""
        sql = "select * from metric_snapshots order by rowid desc limit ?"
        return cast(list[MetricSnapshot], list(self.db.query(sql, [limit])))
