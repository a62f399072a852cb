"""Metric snapshots of published posts (social analytics)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

FIELDS = ("impressions", "reach", "likes", "reposts", "replies", "quotes", "bookmarks",
          "link_clicks", "profile_clicks", "engagements")  # fmt: skip


class MetricsMixin:
    db: Database

    def published_posts(
        self, *, platform: str | None = None, since_utc: str | None = None
    ) -> list[dict[str, Any]]:
        where, params = ["status = 'published'", "remote_id is not null"], []
        if platform:
            where.append("platform = ?")
            params.append(platform)
        if since_utc:
            where.append("published_utc >= ?")
            params.append(since_utc)
        sql = f"select * from posts where {' and '.join(where)} order by published_utc"
        return list(self.db.query(sql, params))

    def add_snapshots(self, rows: list[dict[str, Any]]) -> int:
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
            with self.db.atomic():
                self.db["metric_snapshots"].insert_all(clean)
        return len(clean)

    def latest_snapshots(
        self, *, draft_id: str | None = None, remote_id: str | None = None
    ) -> list[dict[str, Any]]:
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
        return list(self.db.query(sql, params))
