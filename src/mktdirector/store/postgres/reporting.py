"""The report's matched posts in PostgreSQL's own shape (store/sqlite/reporting.py has the rest).

Each segment's latest snapshot is kept on its post row (posts.latest_*, m028), as on SQLite:
no snapshot is read. (Before m028 the shared SQL picked it in a correlated subquery, which
PostgreSQL's planner ran by hashing the whole metric history; a LATERAL join replaced it, one
index seek per segment; the kept figures need neither.)

The sums are cast back to bigint: PostgreSQL's sum() of integers is `numeric`, which psycopg
can only load in Python (adapter.NumberLoader), one call per value of every post; a bigint
loads in C. The per-post columns and their values are the same as on SQLite (the store
contract suite runs the report on both).
"""

from __future__ import annotations

from mktdirector.store.sqlite.reporting import ATTRIBUTED, LATEST_SUMS, ReportingMixin

SOCIAL_KEPT = f"""
with d as (
    select p.draft_id, p.platform as channel, min(p.account) as account,
           min(p.published_utc) as published_utc, count(*) as segments,
           max(case when p.segment = 0 then p.url end) as url,
           sum(p.cost_usd) as api_cost_usd,
           {LATEST_SUMS.format(cast="::bigint")}{ATTRIBUTED.format(draft="p.draft_id")}
    from posts p
    where p.status = 'published' and p.platform in ({{marks}})
      and p.published_utc >= ? and p.published_utc < ?
    group by p.draft_id, p.platform
)
"""


class PgReportingMixin(ReportingMixin):
    report_social_sql = SOCIAL_KEPT
