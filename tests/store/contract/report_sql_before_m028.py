"""The report's per-post SQL as it was before m028 (issue 17 item 4), kept verbatim so a test can
prove the pointer gives byte-identical results: each segment's latest snapshot sought per post
(SQLite: a correlated `order by taken_utc desc, id desc limit 1`; PostgreSQL: the same in a
LATERAL join), and the attributed figures looked up in the per-draft select."""

from __future__ import annotations

from typing import Any

# Engagements when the platform gives no total: the sum of the interactions it does give.
_ENGAGEMENTS = """case when m.id is null then null else coalesce(m.engagements,
    coalesce(m.likes, 0) + coalesce(m.reposts, 0) + coalesce(m.replies, 0)
    + coalesce(m.quotes, 0) + coalesce(m.bookmarks, 0)) end"""

SOCIAL_SQLITE = f"""
with seg as (
    select p.draft_id, p.platform, p.account, p.segment, p.url, p.published_utc, p.cost_usd,
           (select s.id from metric_snapshots s
             where s.platform = p.platform and s.remote_id = p.remote_id
             order by s.taken_utc desc, s.id desc limit 1) as snap_id
    from posts p
    where p.status = 'published' and p.platform in ({{marks}})
      and p.published_utc >= ? and p.published_utc < ?
),
d as (
    select seg.draft_id, seg.platform as channel, min(seg.account) as account,
           min(seg.published_utc) as published_utc, count(*) as segments,
           max(case when seg.segment = 0 then seg.url end) as url,
           sum(seg.cost_usd) as api_cost_usd, count(m.id) as measured_segments,
           max(m.taken_utc) as metrics_utc,
           sum(m.impressions) as impressions, sum(m.reach) as reach,
           sum({_ENGAGEMENTS}) as engagements, sum(m.link_clicks) as link_clicks
    from seg left join metric_snapshots m on m.id = seg.snap_id
    group by seg.draft_id, seg.platform
)
"""

SOCIAL_POSTGRES = f"""
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

EMAIL = """
with d as (
    select e.draft_id, 'email' as channel,
           e.platform || coalesce(' ' || min(e.from_email), '') as account,
           min(coalesce(e.sent_utc, e.send_at_utc)) as published_utc, count(*) as segments,
           null as url, cast(null as double precision) as api_cost_usd,
           count(st.category) as measured_segments,
           max(st.taken_utc) as metrics_utc, sum(st.unique_opens) as impressions,
           sum(coalesce(st.delivered, e.recipients)) as reach,
           sum(st.unique_clicks) as engagements, sum(st.unique_clicks) as link_clicks
    from emails e
    left join (select platform, category, sum(delivered) as delivered,
                      sum(unique_opens) as unique_opens, sum(unique_clicks) as unique_clicks,
                      max(taken_utc) as taken_utc
               from email_stats where category != '' group by platform, category) st
      on st.category = e.category and st.platform = e.platform
    where (e.status = 'sent' or (e.status = 'scheduled' and e.send_at_utc <= ?))
      and coalesce(e.sent_utc, e.send_at_utc) >= ? and coalesce(e.sent_utc, e.send_at_utc) < ?
    group by e.draft_id, e.platform
)
"""

PER_DRAFT = """
select d.draft_id, d.channel, d.account, d.published_utc, dr.topic, dr.approved_by,
       dr.published_by, d.url,
       d.segments,
       d.measured_segments > 0 as measured, d.metrics_utc, d.impressions, d.reach,
       d.engagements, d.link_clicks,
       (select sum(t.sessions) from traffic_snapshots t where t.draft_id = d.draft_id)
           as sessions,
       (select sum(t.key_events) from traffic_snapshots t where t.draft_id = d.draft_id)
           as key_events,
       (select count(*) from contacts c where c.draft_id = d.draft_id) as leads,
       (select case when count(*) = count(g.cost_usd) then coalesce(sum(g.cost_usd), 0) end
          from generations g where g.draft_id = d.draft_id) as llm_cost_usd,
       d.api_cost_usd
from d left join drafts dr on dr.id = d.draft_id
"""


def posts_query(
    channels: list[str], start: str, end: str, *, now_utc: str, postgres: bool
) -> tuple[str, list[Any]]:
    """reporting.posts_query as it was (the same union and parameters)."""
    parts: list[str] = []
    params: list[Any] = []
    social = [c for c in channels if c != "email"]
    if social:
        shape = SOCIAL_POSTGRES if postgres else SOCIAL_SQLITE
        sql = shape.format(marks=",".join("?" * len(social))) + PER_DRAFT
        parts.append(f"select * from ({sql}) as social")
        params += [*social, start, end]
    if "email" in channels:
        parts.append(f"select * from ({EMAIL + PER_DRAFT}) as email")
        params += [now_utc, start, end]
    return " union all ".join(parts), params
