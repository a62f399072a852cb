"""Report figures in SQL: one row per published draft, and daily traffic and leads.

Everything is aggregated in SQLite so a report costs the posts it matches, not the history:
- posts in the timeframe come from the (platform, published_utc) index;
- each segment's LATEST metric snapshot is kept on its post row (latest_snapshot_id and the
  figures summed here, m028, kept by the analytics fetch): no snapshot is read at all, never a
  seek through the history, a scan or a sum over all snapshots;
- LLM cost, GA4 traffic and HubSpot contacts are looked up by draft id (their draft_id indexes);
- who approved and who published a post (issue 16) come with its draft's row, joined already
  for the topic: no extra lookup.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mktdirector.store.sqlite.db import Connected

# What is attributed to a draft (utm_content): GA4 sessions and key events, CRM contacts, and
# its LLM cost (NULL when a generation is unpriced). Looked up in the grouped `d` (once per
# draft, `{draft}` its id column): as columns of a flattened outer select, SQLite ran a lookup
# again for every later expression naming it (the generations 4 times per post in a CSV).
# `{cast}` gives PostgreSQL's sum of sessions its type (see social_sql).
ATTRIBUTED = """,
           (select sum(t.sessions){cast} from traffic_snapshots t where t.draft_id = {draft})
               as sessions,
           (select sum(t.key_events) from traffic_snapshots t where t.draft_id = {draft})
               as key_events,
           (select count(*) from contacts c where c.draft_id = {draft}) as leads,
           (select case when count(*) = count(g.cost_usd) then coalesce(sum(g.cost_usd), 0) end
              from generations g where g.draft_id = {draft}) as llm_cost_usd"""

# Each segment's latest snapshot, as its post row keeps it (m028; metrics.py): summed over a
# thread's segments with no lookup of any snapshot. `{cast}` gives PostgreSQL's sums their type.
LATEST_SUMS = """count(p.latest_snapshot_id) as measured_segments,
           max(p.latest_taken_utc) as metrics_utc,
           sum(p.latest_impressions){cast} as impressions, sum(p.latest_reach){cast} as reach,
           sum(p.latest_engagements){cast} as engagements,
           sum(p.latest_link_clicks){cast} as link_clicks"""


def social_sql(cast: str = "") -> str:
    """The published posts a report matches, one row per draft and platform; `cast` gives
    the sums their type (PostgreSQL: its sum() of integers is numeric, loaded in Python)."""
    return f"""
with d as (
    select p.draft_id, p.platform as channel, min(p.account) as account,
           min(p.published_utc) as published_utc, count(*) as segments,
           max(case when p.segment = 0 then p.url end) as url,
           sum(p.cost_usd) as api_cost_usd,
           {LATEST_SUMS.format(cast=cast)}{ATTRIBUTED.format(draft="p.draft_id", cast=cast)}
    from posts p
    where p.status = 'published' and p.platform in ({{marks}})
      and p.published_utc >= ? and p.published_utc < ?
    group by p.draft_id, p.platform
)
"""


_SOCIAL = social_sql()


# Emails: a sent (or scheduled and due) send is a post, one per draft and email platform (its
# account says which: "sendgrid news@…", "mailchimp …"); the platform's stats for the email's
# category (SendGrid: its category; Mailchimp: its campaign id) give delivered (reach), unique
# opens (impressions) and unique clicks. `cast` as in social_sql: without it PostgreSQL's
# numeric sums here made the united posts query's counts numeric for every post (`union all`
# takes the wider type), each loaded in Python.
def email_sql(cast: str = "") -> str:
    return f"""
with d as (
    select e.draft_id, 'email' as channel,
           e.platform || coalesce(' ' || min(e.from_email), '') as account,
           min(coalesce(e.sent_utc, e.send_at_utc)) as published_utc, count(*) as segments,
           null as url, cast(null as double precision) as api_cost_usd,
           count(st.category) as measured_segments,
           max(st.taken_utc) as metrics_utc, sum(st.unique_opens){cast} as impressions,
           sum(coalesce(st.delivered, e.recipients)){cast} as reach,
           sum(st.unique_clicks){cast} as engagements,
           sum(st.unique_clicks){cast} as link_clicks{ATTRIBUTED.format(draft="e.draft_id", cast=cast)}
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


_EMAIL = email_sql()

PER_DRAFT = """
select d.draft_id, d.channel, d.account, d.published_utc, dr.topic, dr.approved_by,
       dr.published_by, d.url, d.segments, d.measured_segments > 0 as measured, d.metrics_utc,
       d.impressions, d.reach, d.engagements, d.link_clicks, d.sessions, d.key_events, d.leads,
       d.llm_cost_usd, d.api_cost_usd
from d left join drafts dr on dr.id = d.draft_id
"""
# SQLite reads each draft's topic and people from the index that holds them (m031): without
# ANALYZE statistics (a user's file has none) its planner takes the unique id index instead and
# reads every draft's row, a page of its own for a LinkedIn post. PostgreSQL plans it itself.
PER_DRAFT_SQLITE = PER_DRAFT.replace(
    "drafts dr on", "drafts dr indexed by idx_drafts_id_topic_approved_by_published_by on"
)

# Each post's LLM and API cost rounded to 6 decimals (`llm`, `api`), in the `b` of the derived
# figures; on PostgreSQL (report_rounds_once) computed once per post into the temp table: its
# round() of a float goes through numeric (schema.py), ~0.3 s of a 50k-post report when repeated
# in the sums and every later use. SQLite's is cheap: keeping them costs more than it saves.
_ROUNDED = """select *, round(llm_cost_usd, 6) as llm,
                  round(coalesce(api_cost_usd, 0), 6) as api from {source}"""

# Costs and rates of each post, computed by SQLite over the matched posts: the temp table, or
# (a CSV, which needs nothing else) the posts query itself.
# A post written by a model without a price has an unknown LLM cost (NULL), never $0: the one
# lookup of its generations (one index probe, not two) gives NULL when any is unpriced.
_FIGURES = """
select draft_id, channel, account, published_utc, topic, approved_by, published_by, url,
       segments, measured, metrics_utc, impressions, reach, engagements,
       case when impressions > 0 and engagements is not null
            then round(1.0 * engagements / impressions, 4) end as engagement_rate,
       link_clicks, sessions, round(key_events, 2) as key_events, leads,
       llm as llm_cost_usd, api as api_cost_usd, round(llm + api, 6) as cost_usd,
       case when engagements > 0 then round(round(llm + api, 6) / engagements, 6) end
           as cost_per_engagement,
       case when leads > 0 then round(round(llm + api, 6) / leads, 6) end as cost_per_lead
from b
"""
_DERIVED = "\nwith b as (" + _ROUNDED + ")" + _FIGURES
_DERIVED_KEPT = "\nwith b as (select * from {source})" + _FIGURES

# Sums per channel (and for all): unknown stays NULL; the rate only over posts with impressions.
_TOTALS = """
select {label} as channel, count(*) as posts, sum(measured) as measured_posts,
       sum(impressions) as impressions, sum(reach) as reach, sum(engagements) as engagements,
       sum(link_clicks) as link_clicks, sum(sessions) as sessions,
       round(sum(key_events), 2) as key_events, sum(leads) as leads,
       sum(case when impressions is not null then engagements end) as _rate_engagements,
       sum(impressions) as _rate_impressions,
       sum({llm}) as llm_cost_usd, sum({api}) as api_cost_usd,
       sum(case when llm_cost_usd is null then 1 else 0 end) as unpriced_posts
from temp.report_posts {group}
"""

# The sums' costs when the temp table does not keep them rounded.
_ROUND_COSTS = {"llm": "round(llm_cost_usd, 6)", "api": "round(coalesce(api_cost_usd, 0), 6)"}

_DAILY_POSTS = """
select substr(published_utc, 1, 10) as day, channel, count(*) as posts,
       sum(coalesce(impressions, 0)) as impressions, sum(coalesce(engagements, 0)) as engagements
from temp.report_posts group by day, channel
"""

# Rows a streamed report fetches from its cursor at a time.
_FETCH = 256

# What top/bottom may rank by (fixed column names, never user text).
RANKABLE = ("engagements", "impressions", "link_clicks", "leads")
TOP_N = 5
# How a page of posts is ordered (rank_by is one of RANKABLE, checked before formatting).
_POSTS_ORDER = {
    "published": " order by published_utc, draft_id",
    "rank": " order by {rank_by} is null, {rank_by} desc, published_utc, draft_id",
}

# Per draft, the newest SPARK_POINTS readings of its FIRST post (a thread's first segment tells
# the story), oldest first. One query for the asked drafts only (a page of posts), read through
# the (draft_id, taken_utc) index; each reading is a point (not a day's bucket) so two fetches
# hours apart already draw a line.
SPARK_POINTS = 90
_SPARK_SERIES = """
select draft_id, taken_utc, engagements, clicks from (
    select s.draft_id, s.taken_utc,
           coalesce(s.engagements, coalesce(s.likes, 0) + coalesce(s.reposts, 0)
               + coalesce(s.replies, 0) + coalesce(s.quotes, 0) + coalesce(s.bookmarks, 0))
               as engagements,
           coalesce(s.link_clicks, 0) as clicks,
           row_number() over (partition by s.draft_id order by s.taken_utc desc, s.id desc) as n
    from metric_snapshots s
    join posts p on p.draft_id = s.draft_id and p.segment = 0 and p.remote_id = s.remote_id
    where s.draft_id in ({marks})
) as newest
where n <= ?
order by draft_id, taken_utc, n desc
"""


def posts_query(
    channels: list[str],
    start: str,
    end: str,
    *,
    now_utc: str,
    social_sql: str = _SOCIAL,
    email_sql: str = _EMAIL,
    per_draft: str = PER_DRAFT_SQLITE,
) -> tuple[str, list[Any]]:
    """One SELECT of every post published in [start, end) on `channels` with its summed
    figures (the social part and the email part united), and its parameters. `social_sql` and
    `email_sql` are the backend's shapes of the two parts (ReportingMixin.report_social_sql)."""
    parts: list[str] = []
    params: list[Any] = []
    social = [c for c in channels if c != "email"]
    if social:
        sql = social_sql.format(marks=",".join("?" * len(social))) + per_draft
        parts.append(f"select * from ({sql}) as social")
        params += [*social, start, end]
    if "email" in channels:
        parts.append(f"select * from ({email_sql + per_draft}) as email")
        params += [now_utc, start, end]
    if not parts:
        raise ValueError("a report needs at least one channel")
    return " union all ".join(parts), params


def _compact(day: str) -> str:
    return day.replace("-", "")


def daily_traffic_query(channels: list[str], first: str, last: str) -> tuple[str, list[Any]]:
    """The SELECT of GA4 sessions and key events per day (first..last inclusive) of drafts on
    `channels`, and its parameters."""
    marks = ",".join("?" * len(channels))
    # GA4 returns dates as YYYYMMDD; accept both that and YYYY-MM-DD as stored.
    sql = f"""
        select case when length(t.date) = 8 then substr(t.date, 1, 4) || '-'
                    || substr(t.date, 5, 2) || '-' || substr(t.date, 7, 2) else t.date end
               as day, sum(t.sessions) as sessions, sum(t.key_events) as key_events
        from traffic_snapshots t join drafts d on d.id = t.draft_id
        where ((t.date >= ? and t.date <= ?) or (t.date >= ? and t.date <= ?))
          and d.platform in ({marks})
        group by day order by day
    """
    return sql, [first, last, _compact(first), _compact(last), *channels]


class ReportingMixin(Connected):
    # The matched posts with each segment's latest snapshot (a backend may give its own shape:
    # store/postgres/reporting.py); `{marks}` takes the channels, then start and end follow.
    report_social_sql: str = _SOCIAL
    report_email_sql: str = _EMAIL
    report_per_draft_sql: str = PER_DRAFT_SQLITE
    # Whether the temp table keeps each post's rounded costs (`_ROUNDED`): PostgreSQL's choice.
    report_rounds_once: bool = False

    def report_figures(
        self,
        channels: list[str],
        start: str,
        end: str,
        *,
        now_utc: str,
        rank_by: str,
        posts_limit: int | None = None,
        posts_offset: int = 0,
        posts_order: str = "published",
        posts_stream: bool = False,
        posts_only: bool = False,
    ) -> dict[str, Any]:
        """Every per-post figure and its sums, for drafts published in [start, end) (dates,
        end exclusive) on `channels`: {posts, by_channel, totals, top, bottom, daily_posts}.

        `posts` is the whole list unless `posts_limit` asks for one page of it (from
        `posts_offset`, in published order or, with posts_order="rank", best `rank_by` first);
        the sums, rankings and days are always over every post of the timeframe.
        With `posts_stream`, `posts` is an iterator of row TUPLES over a cursor (one row in
        memory at a time; `post_columns` names their fields): no dict per row, so a renderer can
        hand the rows straight to a C writer. Read it before the next report on this store; it
        drops the temp table when done. With `posts_only` too, the sums, rankings and days are
        not computed (left empty): a CSV of the posts needs nothing else.

        A post's metrics are the sum over its segments of each segment's latest snapshot;
        traffic, key events and contacts are everything attributed to the draft (utm_content).
        The matched posts go into a temp table once; the sums, rankings and days read it.
        """
        if rank_by not in RANKABLE:
            raise ValueError(f"cannot rank by {rank_by!r}")
        if posts_order not in _POSTS_ORDER:
            raise ValueError(f"cannot order posts by {posts_order!r}")
        conn = self.db.conn
        posts_sql, params = self.report_posts_query(channels, start, end, now_utc=now_utc)
        order = _POSTS_ORDER[posts_order].format(rank_by=rank_by)
        if posts_stream and posts_only:
            # A CSV of the posts needs no sums: one query, its rows straight from the cursor,
            # no temp table written and read again.
            derived = _DERIVED.format(source=f"({posts_sql}) as report_posts") + order
            rows = self._stream_posts(derived, params)
            return {"by_channel": [], "totals": {"posts": 0}, "top": [], "bottom": [],
                    "daily_posts": [], "post_columns": next(rows), "posts": rows}  # fmt: skip
        # The temp table lives in memory: a report must not write files beside the database.
        conn.execute("pragma temp_store = memory")
        conn.execute("drop table if exists temp.report_posts")
        kept = False
        try:
            if self.report_rounds_once:
                posts_sql = _ROUNDED.format(source=f"({posts_sql}) as matched")
            conn.execute(f"create temp table report_posts as {posts_sql}", params)
            figs = self._report_from_temp(
                rank_by, 0 if posts_stream else posts_limit, posts_offset, order
            )
            if posts_stream:
                rows = self._stream_posts(self._derived_temp() + order, [], drop=True)
                figs["post_columns"] = next(rows)  # runs the query; the rows follow
                figs["posts"] = rows
                kept = True
            return figs
        finally:
            if not kept:
                conn.execute("drop table if exists temp.report_posts")

    def report_posts_query(
        self, channels: list[str], start: str, end: str, *, now_utc: str
    ) -> tuple[str, list[Any]]:
        """posts_query in this backend's shapes."""
        return posts_query(channels, start, end, now_utc=now_utc,
                           social_sql=self.report_social_sql, email_sql=self.report_email_sql,
                           per_draft=self.report_per_draft_sql)  # fmt: skip

    def _stream_posts(
        self, sql: str, params: list[Any], *, drop: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        """The column names, then the posts as tuples from a cursor (SQLite's query yields row
        by row), then (`drop`) the temp table dropped."""
        try:
            cursor = self.db.conn.execute(sql, params)
            yield tuple(d[0] for d in cursor.description)
            # In batches: psycopg loads a batch of rows in one C call, but one row per call
            # (its Python __next__) when iterated, ~0.2 s of a 50k-post report on PostgreSQL.
            while rows := cursor.fetchmany(_FETCH):
                yield from rows
        finally:
            if drop:
                self.db.conn.execute("drop table if exists temp.report_posts")

    def _derived_temp(self) -> str:
        """The derived figures of the posts in the temp table."""
        kept = _DERIVED_KEPT if self.report_rounds_once else _DERIVED
        return kept.format(source="temp.report_posts")

    def _report_from_temp(
        self, rank_by: str, limit: int | None, offset: int, order: str
    ) -> dict[str, Any]:
        q = self.db.query
        derived = self._derived_temp()
        page = derived + order
        if limit is None:
            posts = list(q(page))
        else:
            posts = list(q(page + " limit ? offset ?", [max(limit, 0), max(offset, 0)]))
        costs = {"llm": "llm", "api": "api"} if self.report_rounds_once else _ROUND_COSTS
        by_channel = list(q(_TOTALS.format(label="channel", group="group by channel", **costs)))
        totals = next(iter(q(_TOTALS.format(label="'all'", group="", **costs))))
        [known] = self.db.conn.execute(
            f"select count(*) from temp.report_posts where {rank_by} is not null"
        ).fetchone()
        k = min(TOP_N, (known + 1) // 2)  # with few posts: the better half on top
        ranked = f"select * from ({derived}) as derived where {rank_by} is not null"
        top = list(q(f"{ranked} order by {rank_by} desc, published_utc, draft_id limit ?", [k]))
        taken = [p["draft_id"] for p in top]
        marks = ",".join("?" * len(taken)) or "null"
        bottom = list(
            q(
                f"{ranked} and draft_id not in ({marks}) "
                f"order by {rank_by}, published_utc, draft_id limit ?",
                [*taken, min(TOP_N, known - k)],
            )
        )
        return {
            "posts": posts,
            "by_channel": by_channel,
            "totals": totals,
            "top": top,
            "bottom": bottom,
            "daily_posts": list(q(_DAILY_POSTS)),
        }

    def sparkline_series(self, draft_ids: list[str]) -> list[dict[str, Any]]:
        """Engagements and clicks of each asked draft's first post, its newest SPARK_POINTS
        readings, oldest first."""
        if not draft_ids:
            return []
        sql = _SPARK_SERIES.format(marks=",".join("?" * len(draft_ids)))
        return list(self.db.query(sql, [*draft_ids, SPARK_POINTS]))

    def report_daily_traffic(
        self, channels: list[str], first: str, last: str
    ) -> list[dict[str, Any]]:
        """GA4 sessions and key events per day (first..last inclusive) of our drafts' links."""
        sql, params = daily_traffic_query(channels, first, last)
        return list(self.db.query(sql, params))

    def report_daily_leads(self, channels: list[str], start: str, end: str) -> list[dict[str, Any]]:
        """HubSpot contacts created per day in [start, end) that came from our drafts."""
        marks = ",".join("?" * len(channels))
        sql = f"""
            select substr(c.created_utc, 1, 10) as day, count(*) as leads
            from contacts c join drafts d on d.id = c.draft_id
            where c.created_utc >= ? and c.created_utc < ? and d.platform in ({marks})
            group by day order by day
        """
        return list(self.db.query(sql, [start, end, *channels]))
