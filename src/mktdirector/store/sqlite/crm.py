"""CRM and traffic rows: CRM contacts (per platform) as synced, GA4 traffic snapshots, and their joins
to drafts and posts (the `utm_content` of a link is the draft id)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mktdirector.store.sqlite.db import Connected, immediate

CONTACT_COLUMNS = (
    "platform", "id", "email", "firstname", "lastname", "created_utc", "source", "source_data_1",
    "source_data_2", "latest_source", "utm_source", "utm_medium", "utm_campaign", "utm_content",
    "draft_id", "synced_utc", "raw_json",
)  # fmt: skip
# Rows written without a platform are HubSpot's, as every contact was before m011 (the
# column's default says the same).
CONTACTS_BEFORE_PLATFORMS = "hubspot"
TRAFFIC_KEY = ("property_id", "date", "source", "medium", "campaign", "ad_content", "landing_page")
TRAFFIC_METRICS = ("sessions", "active_users", "engaged_sessions", "key_events", "total_revenue")
# What `--by` groups on; each is a fixed SQL expression (never user text).
TRAFFIC_GROUPS = {
    "source": ("source", "medium"),
    "campaign": ("campaign",),
    "post": ("ad_content", "draft_id"),
}
_CHUNK = 500  # bound parameters per `in (...)` query


class CrmMixin(Connected):
    # drafts and posts, as attribution needs them --------------------------------------------
    def known_draft_ids(self, ids: Iterable[str]) -> set[str]:
        """The subset of `ids` that are drafts in this database (compared case-insensitively)."""
        wanted = sorted({i.strip().upper() for i in ids if i and i.strip()})
        found: set[str] = set()
        for i in range(0, len(wanted), _CHUNK):
            part = wanted[i : i + _CHUNK]
            sql = f"select id from drafts where id in ({','.join('?' * len(part))})"
            found.update(r["id"] for r in self.db.query(sql, part))
        return found

    def drafts_with_posts(self, draft_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """{draft id: {platform, kind, topic, campaign, status, urls: [published post URLs]}}."""
        ids = sorted(set(draft_ids))
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), _CHUNK):
            part = ids[i : i + _CHUNK]
            marks = ",".join("?" * len(part))
            for r in self.db.query(
                "select id, platform, kind, topic, campaign, status from drafts "
                f"where id in ({marks})",
                part,
            ):
                out[r.pop("id")] = {**r, "urls": []}
            for r in self.db.query(
                "select draft_id, url from posts where status = 'published' and url is not null "
                f"and draft_id in ({marks}) order by draft_id, segment",
                part,
            ):
                if r["draft_id"] in out:
                    out[r["draft_id"]]["urls"].append(r["url"])
        return out

    # contacts ----------------------------------------------------------------------------------
    def upsert_contacts(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert or update contacts by (platform, remote id), in one transaction."""
        cols = CONTACT_COLUMNS
        sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in ("platform", "id"))
        sql = (
            f"insert into contacts ({', '.join(cols)}) values ({', '.join('?' * len(cols))}) "
            f"on conflict(platform, id) do update set {sets}"
        )
        with immediate(self.db) as conn:
            for row in rows:
                row = {"platform": CONTACTS_BEFORE_PLATFORMS, **row}
                # Merged CRM contacts keep the email under a new id: drop the stale row.
                conn.execute(
                    "delete from contacts where platform = ? and email = ? and id != ?",
                    [row["platform"], row["email"], row["id"]],
                )
                conn.execute(sql, [row.get(c) for c in cols])
        return len(rows)

    def contact_attribution(self, since_utc: str | None = None) -> list[dict[str, Any]]:
        """Contacts counted by source / campaign / utm_content (most contacts first)."""
        where, params = "", []
        if since_utc:
            where, params = "where created_utc >= ?", [since_utc]
        sql = f"""
            select coalesce(nullif(utm_source, ''), lower(source), '(unknown)') as source,
                   coalesce(nullif(utm_campaign, ''), '(none)') as campaign,
                   nullif(utm_content, '') as utm_content,
                   draft_id,
                   count(*) as contacts,
                   min(created_utc) as first_utc,
                   max(created_utc) as last_utc
            from contacts {where}
            group by 1, 2, 3, 4
            order by contacts desc, source, campaign
        """
        return list(self.db.query(sql, params))

    def contact_count(self) -> int:
        return int(next(iter(self.db.query("select count(*) as n from contacts")))["n"])

    def last_contact_sync(self, platform: str) -> str | None:
        """When contacts of `platform` were last synced (`synced_utc`), or None."""
        sql = "select max(synced_utc) as at from contacts where platform = ?"
        return next(iter(self.db.query(sql, [platform])))["at"]  # type: ignore[no-any-return]

    # GA4 traffic -------------------------------------------------------------------------------
    def upsert_traffic(
        self,
        property_id: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        start: str,
        end: str,
        taken: str,
    ) -> int:
        """Store one fetch of [start, end]: upsert on the unique key, then drop rows of those
        days that the fetch no longer returned (re-fetching a day replaces its rows)."""
        cols = (*TRAFFIC_KEY, *TRAFFIC_METRICS, "draft_id", "taken_utc")
        sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in TRAFFIC_KEY)
        sql = (
            f"insert into traffic_snapshots ({', '.join(cols)}) "
            f"values ({', '.join('?' * len(cols))}) "
            f"on conflict({', '.join(TRAFFIC_KEY)}) do update set {sets}"
        )
        with immediate(self.db) as conn:
            for row in rows:
                values = {**row, "property_id": property_id, "taken_utc": taken}
                conn.execute(sql, [values.get(c) for c in cols])
            conn.execute(
                "delete from traffic_snapshots where property_id = ? and date between ? and ? "
                "and taken_utc != ?",
                [property_id, start, end, taken],
            )
        return len(rows)

    def traffic_summary(
        self, by: str, *, since: str, property_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Stored traffic since a date, summed per group (`source`, `campaign` or `post`)."""
        keys = TRAFFIC_GROUPS[by]
        where, params = ["date >= ?"], [since]
        if property_id:
            where.append("property_id = ?")
            params.append(property_id)
        if by == "post":
            where.append("draft_id is not null")
        sums = ", ".join(f"sum({m}) as {m}" for m in TRAFFIC_METRICS)
        sql = (
            f"select {', '.join(keys)}, {sums}, min(date) as first_date, max(date) as last_date "
            f"from traffic_snapshots where {' and '.join(where)} "
            f"group by {', '.join(keys)} order by sessions desc"
        )
        return list(self.db.query(sql, params))

    def traffic_totals(self, *, since: str, property_id: str | None = None) -> dict[str, Any]:
        where, params = ["date >= ?"], [since]
        if property_id:
            where.append("property_id = ?")
            params.append(property_id)
        sums = ", ".join(f"coalesce(sum({m}), 0) as {m}" for m in TRAFFIC_METRICS)
        sql = (
            f"select {sums}, coalesce(sum(case when draft_id is not null then sessions end), 0) "
            f"as post_sessions from traffic_snapshots where {' and '.join(where)}"
        )
        return dict(next(iter(self.db.query(sql, params))))
