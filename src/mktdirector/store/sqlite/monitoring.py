"""Monitoring figures for `mktd status`, read straight from the audit and state tables.

No extra bookkeeping: calls, failures and latency come from `http_calls`, quota from
`rate_limit_state`, token metadata from `connections` and `auth_events`, the queue from `jobs`
and `workers`. Each query is bounded by a time window on an indexed column.
"""

from __future__ import annotations

from typing import Any, cast

from mktdirector.store.rows import Worker
from mktdirector.store.sqlite.db import Connected
from mktdirector.store.sqlite.jobs import ACTIVE_WHERE

# Nearest-rank percentiles (rank = ceil(p * n)) with window functions: SQLite has no
# percentile(), and this sorts each platform's durations once instead of in Python.
_LATENCY = """
with w as (
    select platform, coalesce(account, '') as account, duration_ms,
           row_number() over (partition by platform, coalesce(account, '')
                              order by duration_ms) as rn,
           count(*) over (partition by platform, coalesce(account, '')) as n
    from http_calls
    where time_utc >= ? and status is not null and duration_ms is not null
)
select platform, account,
       max(case when rn = (n * 50 + 99) / 100 then duration_ms end) as p50_ms,
       max(case when rn = (n * 95 + 99) / 100 then duration_ms end) as p95_ms
from w group by platform, account
"""


class MonitoringMixin(Connected):
    def call_windows(self, since_7d: str, since_24h: str) -> list[dict[str, Any]]:
        """Calls, successes and last times per platform and account over 7 days and 24 hours."""
        sql = """
            select platform, coalesce(account, '') as account,
                   count(*) as calls_7d,
                   sum(error_kind is null) as ok_7d,
                   sum(time_utc >= ?) as calls_24h,
                   sum(time_utc >= ? and error_kind is null) as ok_24h,
                   max(case when error_kind is null then time_utc end) as last_success_utc,
                   max(case when error_kind is not null then time_utc end) as last_failure_utc
            from http_calls where time_utc >= ?
            group by platform, coalesce(account, '')
        """
        return list(self.db.query(sql, [since_24h, since_24h, since_7d]))

    def failures_by_kind(self, since_7d: str, since_24h: str) -> list[dict[str, Any]]:
        sql = """
            select platform, coalesce(account, '') as account, error_kind,
                   count(*) as failures_7d, sum(time_utc >= ?) as failures_24h
            from http_calls where time_utc >= ? and error_kind is not null
            group by platform, coalesce(account, ''), error_kind
        """
        return list(self.db.query(sql, [since_24h, since_7d]))

    def calls_by_platform(self) -> list[dict[str, Any]]:
        """Every call ever made, counted per platform: {platform, calls, errors}."""
        sql = (
            "select platform, count(*) as calls, sum(error_kind is not null) as errors "
            "from http_calls group by platform"
        )
        return list(self.db.query(sql))

    def latency_percentiles(self, since_utc: str) -> list[dict[str, Any]]:
        """p50 and p95 of response times (attempts that got an HTTP answer) since a time."""
        return list(self.db.query(_LATENCY, [since_utc]))

    def last_success(self, platform: str, account: str) -> str | None:
        """The newest successful call, however old (walks the platform's time index back)."""
        rows = list(
            self.db.query(
                "select time_utc from http_calls where platform = ? "
                "and coalesce(account, '') = ? and error_kind is null "
                "order by time_utc desc limit 1",
                [platform, account],
            )
        )
        return rows[0]["time_utc"] if rows else None

    def latest_auth_events(self, since_utc: str) -> list[dict[str, Any]]:
        """Per platform and account, the newest auth event and the newest failed one."""
        sql = """
            select a.platform, coalesce(a.account, '') as account, a.id, a.time_utc, a.event,
                   a.ok, a.detail
            from auth_events a
            where a.time_utc >= ? and a.id = (
                select b.id from auth_events b
                where b.platform = a.platform and coalesce(b.account, '') = coalesce(a.account, '')
                order by b.time_utc desc, b.id desc limit 1)
        """
        return list(self.db.query(sql, [since_utc]))

    def queue_summary(self, now_utc: str) -> dict[str, Any]:
        """Queued and running jobs, how many are overdue, and the next one due."""
        row = next(
            iter(
                self.db.query(
                    "select sum(status = 'queued') as queued, sum(status = 'running') as running, "
                    "sum(status = 'queued' and due_utc <= ?) as overdue "
                    "from jobs where status in ('queued', 'running')",
                    [now_utc],
                )
            )
        )
        nxt = list(
            self.db.query(
                "select id, kind, draft_id, platform, account, due_utc from jobs "
                f"where status = 'queued' and {ACTIVE_WHERE} order by due_utc limit 1"
            )
        )
        by_kind = {
            r["kind"]: r["n"]
            for r in self.db.query(
                f"select kind, count(*) as n from jobs where status = 'queued' and {ACTIVE_WHERE} "
                "group by kind"
            )
        }
        return {
            "queued": row["queued"] or 0,
            "running": row["running"] or 0,
            "overdue": row["overdue"] or 0,
            "queued_by_kind": by_kind,
            "next_due": nxt[0] if nxt else None,
        }

    def queued_by_platform(self) -> dict[str, int]:
        rows = self.db.query(
            "select coalesce(platform, '') as platform, count(*) as n from jobs "
            f"where status = 'queued' and {ACTIVE_WHERE} group by coalesce(platform, '')"
        )
        return {r["platform"]: r["n"] for r in rows}

    def worker_rows(self, limit: int = 5) -> list[Worker]:
        return cast(
            list[Worker],
            list(
                self.db.query(
                    "select id, host, pid, started_utc, last_seen_utc, jobs_done from workers "
                    "order by last_seen_utc desc limit ?",
                    [limit],
                )
            ),
        )

    def unread_notifications(self, limit: int = 5) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select id, created_utc, kind, severity, platform, account, subject, hint "
                "from notifications where read_utc is null order by created_utc desc limit ?",
                [limit],
            )
        )
