"""The report's matched posts in PostgreSQL's own shape (store/sqlite/reporting.py has the rest).

The shared SQL picks each segment's latest snapshot id in a correlated subquery and joins the
snapshots on it. SQLite runs that as one index seek per segment; PostgreSQL's planner instead
hashes the whole metric history (1M rows: most of the report's time, benchmarks/pg_report.py)
and evaluates the subquery twice per segment. A LATERAL join (which SQLite lacks) says what is
meant: per segment, the newest row of the (platform, remote_id, taken_utc) index, fetched once.

The sums are cast back to bigint: PostgreSQL's sum() of integers is `numeric`, which psycopg
can only load in Python (adapter.NumberLoader), one call per value of every post; a bigint
loads in C. The per-post columns and their values are the same as on SQLite (the store
contract suite runs the report on both).
"""

from __future__ import annotations

from mktdirector.store.sqlite.reporting import _ENGAGEMENTS, ReportingMixin

SOCIAL_LATERAL = f"""
with d as (
    select p.draft_id, p.platform as channel, min(p.account) as account,
           min(p.published_utc) as published_utc, count(*) as segments,
           max(case when p.segment = 0 then p.url end) as url,
           sum(p.cost_usd) as api_cost_usd, count(m.id) as measured_segments,
           max(m.taken_utc) as metrics_utc,
           sum(m.impressions)::bigint as impressions, sum(m.reach)::bigint as reach,
           sum({_ENGAGEMENTS})::bigint as engagements,
           sum(m.link_clicks)::bigint as link_clicks
    from posts p
    left join lateral (
        select s.* from metric_snapshots s
        where s.platform = p.platform and s.remote_id = p.remote_id
        order by s.taken_utc desc, s.id desc limit 1
    ) as m on true
    where p.status = 'published' and p.platform in ({{marks}})
      and p.published_utc >= ? and p.published_utc < ?
    group by p.draft_id, p.platform
)
"""


class PgReportingMixin(ReportingMixin):
    report_social_sql = SOCIAL_LATERAL
