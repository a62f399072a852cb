"""Schema migrations. APPEND-ONLY: never edit, rename or reorder one that has shipped.

Each migration runs in its own transaction with its record (sqlite-utils `Migrations`).
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database, Migrations

from mktdirector.store.sqlite import migrations_first

migrations = Migrations("mktd")

# The spine, registered first and in its shipped order (the list is the order they run in).
for _first in migrations_first.SHIPPED:
    # m002 switches the journal to WAL, which SQLite cannot do inside a transaction.
    migrations(transactional=_first is not migrations_first.m002_wal)(_first)


@migrations()
def m007_jobs(db: Database) -> None:
    # The schedule and the worker's queue; claimed with a lease in one BEGIN IMMEDIATE.
    db.table("jobs").create(
        {
            "id": str,
            "kind": str,  # publish | analytics | token_refresh | expiry_check | send_email
            "draft_id": str,
            "platform": str,
            "account": str,
            "due_utc": str,
            "status": str,  # queued | running | done | failed | cancelled | skipped
            "lease_owner": str,
            "lease_until": float,
            "attempts": int,
            "last_error": str,
            "payload_json": str,
            "result_json": str,
            "created_utc": str,
            "updated_utc": str,
            "finished_utc": str,
        },
        pk="id",
    )
    db.table("jobs").create_index(["status", "due_utc"])
    db.table("jobs").create_index(["draft_id"])
    db.table("workers").create(
        {
            "id": str,
            "host": str,
            "pid": int,
            "started_utc": str,
            "last_seen_utc": str,
            "jobs_done": int,
        },
        pk="id",
    )


@migrations()
def m008_email_send_key(db: Database) -> None:
    # Exactly-once for email: a re-run of the same send (same content, sender and recipients)
    # finds its earlier row by this key and refuses instead of sending twice.
    db.table("emails").add_column("send_key", str)
    db.table("emails").add_column("subject", str)
    db.table("emails").create_index(["send_key"])
    db.table("emails").create_index(["batch_id"])


@migrations()
def m009_jobs_one_active(db: Database) -> None:
    # At most one active publish job per draft, and one active periodic job per kind and
    # platform/account: a second worker or a racing `mktd schedule` cannot queue a duplicate.
    db.execute(
        "create unique index jobs_one_active_publish on jobs (draft_id) "
        "where kind = 'publish' and status in ('queued', 'running')"
    )
    db.execute(
        "create unique index jobs_one_active_periodic "
        "on jobs (kind, coalesce(platform, ''), coalesce(account, '')) "
        "where kind != 'publish' and status in ('queued', 'running')"
    )
    db.table("workers").create_index(["last_seen_utc"])


@migrations()
def m010_drafts_input_key(db: Database) -> None:
    # What a `mktd social` run was asked for (platform, text or topic, options): re-running the
    # same command after a crash finds and resumes its draft instead of posting a new one.
    db.table("drafts").add_column("input_key", str)
    db.table("drafts").create_index(["input_key"])


@migrations()
def m011_contacts_emails_platform(db: Database) -> None:
    # A second CRM and email platform (Salesforce, Mailchimp) are coming: each contact and email
    # row says which platform it belongs to. Rows from before were HubSpot's and SendGrid's.
    # A contact is keyed by (platform, remote id), and an email address is unique per platform
    # only (the same person can be in two CRMs).
    contacts, emails = db.table("contacts"), db.table("emails")
    # The defaults also cover writers that name no platform (as every writer did before).
    contacts.add_column("platform", str, not_null_default="hubspot")
    contacts.transform(pk=("platform", "id"), not_null={"platform", "id"})
    db.execute("drop index if exists idx_contacts_email")
    contacts.create_index(["platform", "email"], unique=True)
    emails.add_column("platform", str, not_null_default="sendgrid")
    emails.create_index(["platform", "status"])


@migrations()
def m012_http_calls_correlation(db: Database) -> None:
    # The draft, job or command run a call was made for: `mktd logs --draft ID` lists every
    # call one publish made. Numbered after m011 (added alongside); order only matters per table.
    calls = db.table("http_calls")
    calls.add_column("correlation_id", str)
    calls.create_index(["correlation_id", "time_utc"])


@migrations()
def m013_actions(db: Database) -> None:
    # What a person or an assistant did through a front end (an MCP tool call, and later a
    # dashboard or API approval): who, what, with which arguments (secrets removed), how it ended
    # and the draft it touched. http_calls says what mktd sent; this says who asked for it.
    db.execute(
        "create table actions ("
        "id text primary key, time_utc text not null, source text not null, actor text, "
        "action text not null, arguments_json text, outcome text not null, detail text, "
        "draft_id text, correlation_id text, duration_ms integer)"
    )
    db.execute("create index idx_actions_source_time on actions (source, time_utc)")
    db.execute("create index idx_actions_draft on actions (draft_id, time_utc)")


@migrations()
def m017_unclaim_duplicate_posts(db: Database) -> None:
    # Issue 11 item 1: mktd used to adopt another draft's post when a platform answered
    # "duplicate", so one platform post had several published rows and reports counted it once
    # per claiming draft. The first row (ULIDs sort by time) keeps the post; later claims are
    # failed, naming the draft that published it. Plain UPDATEs that PostgreSQL runs as well.
    db.execute(
        """
        update posts set status = 'failed',
            error = 'not published by this draft: ' || remote_id || ' is the post of draft '
                || (select min(q.draft_id) from posts q
                     where q.platform = posts.platform and q.remote_id = posts.remote_id
                       and q.status = 'published' and q.id < posts.id
                       and q.draft_id != posts.draft_id)
                || ', adopted as a duplicate (repaired by m017)'
        where status = 'published' and remote_id is not null
          and exists (select 1 from posts q
                       where q.platform = posts.platform and q.remote_id = posts.remote_id
                         and q.status = 'published' and q.id < posts.id
                         and q.draft_id != posts.draft_id)
        """
    )
    db.execute(
        """
        update drafts set status = 'failed',
            error = 'Not published: its post ' || (select p.remote_id from posts p
                where p.draft_id = drafts.id and p.error like '%(repaired by m017)' limit 1)
                || ' belongs to another draft (a duplicate adopted by an earlier mktd)'
        where status = 'published'
          and exists (select 1 from posts p
                       where p.draft_id = drafts.id and p.error like '%(repaired by m017)')
          and not exists (select 1 from posts p
                           where p.draft_id = drafts.id and p.status = 'published')
        """
    )


@migrations()
def m014_email_stats_platform(db: Database) -> None:
    # Mailchimp's campaign reports sit beside SendGrid's stats: each stats row says whose it is
    # (a Mailchimp row's category is its campaign id, which its emails row carries too), and
    # both platforms report unsubscribes. Plain ADD COLUMNs, as PostgreSQL runs them too.
    db.execute("alter table email_stats add column platform text not null default 'sendgrid'")
    db.execute("alter table email_stats add column unsubscribes integer not null default 0")
    db.execute("create index idx_email_stats_platform_category on email_stats (platform, category)")
    # A campaign send is resumed by the next run after a crash; the lease keeps two live runs
    # of the same send from both resuming it (a dead owner's lease is taken over at once).
    db.execute("alter table emails add column lease_owner text")
    db.execute("alter table emails add column lease_until real")


@migrations()
def m016_people(db: Database) -> None:
    # A team shares one database: who approved, last edited and published each draft
    # (MKTD_USER, else the OS user; core/people.py). Empty on rows from before.
    drafts = db.table("drafts")
    drafts.add_column("approved_by", str)
    drafts.add_column("edited_by", str)
    drafts.add_column("published_by", str)


@migrations()
def m019_posts_deleted(db: Database) -> None:
    # `mktd posts delete`: a post deleted on the platform keeps its row (status `deleted`) with
    # when it was deleted, so the ledger never forgets it was published and reports skip it.
    db.execute("alter table posts add column deleted_utc text")


@migrations()
def m020_drafts_created_index(db: Database) -> None:
    # Every draft list (inbox, GET /drafts, calendar) orders by (created_utc, id) and pages by
    # a keyset over it: without this index each page load sorts all drafts (45-63 ms at 10k).
    # `if not exists` and plain SQL, as PostgreSQL's DDL writer runs the same statement.
    db.execute("create index if not exists idx_drafts_created_utc_id on drafts (created_utc, id)")


@migrations()
def m021_posts_published_index(db: Database) -> None:
    # GET /posts pages newest first by (published_utc, id) over every platform: the
    # (platform, published_utc) index does not serve that order. Plain SQL, as m020.
    db.execute("create index if not exists idx_posts_published_utc_id on posts (published_utc, id)")


@migrations()
def m024_rate_limit_recent_calls(db: Database) -> None:
    # The limiter's record of a rolling-window counter's recent call times (comma-separated
    # epoch seconds, at most a few hundred): HubSpot's burst window frees a call 10 s after
    # each call, not 10 s after the counter hit 0. Plain SQL, as m020.
    db.execute("alter table rate_limit_state add column recent_calls text")


@migrations()
def m025_http_calls_actor(db: Database) -> None:
    # Issue 16: who caused each call (MKTD_USER, else the OS user; a worker's job names the
    # approver and the worker: core/people.py). Old rows stay NULL ("—"). Plain SQL, as m020.
    db.execute("alter table http_calls add column actor text")


@migrations()
def m026_report_covering_indexes(db: Database) -> None:
    # `mktd report` looks up each post's LLM cost and GA4 figures by draft id (issue 17 item 4):
    # with the figures in the index the lookup never reads the row (a generation's row holds its
    # prompts and output). Each wider index serves every query the narrower one did (same
    # leading columns), so it replaces it. Plain SQL, as m020; the same names on PostgreSQL.
    db.execute(
        "create index if not exists idx_generations_draft_id_cost_usd"
        " on generations (draft_id, cost_usd)"
    )
    db.execute("drop index if exists idx_generations_draft_id")
    db.execute(
        "create index if not exists idx_traffic_snapshots_draft_id_date_sessions_key_events"
        " on traffic_snapshots (draft_id, date, sessions, key_events)"
    )
    db.execute("drop index if exists idx_traffic_snapshots_draft_id_date")
    # The report's daily GA4 trend reads the traffic of a date range: from this index alone.
    db.execute(
        "create index if not exists idx_traffic_snapshots_date_draft_id_sessions_key_events"
        " on traffic_snapshots (date, draft_id, sessions, key_events)"
    )
    db.execute("drop index if exists idx_traffic_snapshots_date")


@migrations()
def m027_http_calls_errors_index_partial(db: Database) -> None:
    # Issue 17 item 2: every audit row paid a page of this index, though only failed calls are
    # ever looked up by error_kind (`mktd logs --errors`, alert rules, status). A partial index
    # serves those queries (`error_kind IS NOT NULL`, `error_kind = 'auth'`) and a successful
    # call no longer writes to it. Plain SQL, as PostgreSQL's DDL writer runs the same.
    db.execute("drop index if exists idx_http_calls_error_kind_time_utc")
    db.execute(
        "create index if not exists idx_http_calls_errors_time_utc "
        "on http_calls (error_kind, time_utc) where error_kind is not null"
    )


@migrations()
def m028_posts_latest_snapshot(db: Database) -> None:
    # Issue 17 item 4: `mktd report` read each post's latest snapshot with one seek per post on
    # the (platform, remote_id, taken_utc) index and a lookup of its row, most of its time at
    # 50k posts. The post now keeps that snapshot's id and the figures the report sums (the
    # analytics fetch sets them in the transaction that inserts the snapshots; engagements as
    # the report counts them: the platform's total, else the sum of the interactions). This
    # fills them for the history, in one statement: the latest by taken_utc, the later id on a
    # tie, as the report picked it. Plain SQL that PostgreSQL runs as well (bigint: its ids).
    for column, kind in (("latest_snapshot_id", "bigint"), ("latest_taken_utc", "text"),
                         ("latest_impressions", "bigint"), ("latest_reach", "bigint"),
                         ("latest_engagements", "bigint"), ("latest_link_clicks", "bigint")):  # fmt: skip
        db.execute(f"alter table posts add column {column} {kind}")
    db.execute(
        """
        update posts set (latest_snapshot_id, latest_taken_utc, latest_impressions, latest_reach,
                          latest_engagements, latest_link_clicks) = (
            select s.id, s.taken_utc, s.impressions, s.reach,
                   coalesce(s.engagements, coalesce(s.likes, 0) + coalesce(s.reposts, 0)
                       + coalesce(s.replies, 0) + coalesce(s.quotes, 0)
                       + coalesce(s.bookmarks, 0)),
                   s.link_clicks
            from metric_snapshots s
            where s.platform = posts.platform and s.remote_id = posts.remote_id
            order by s.taken_utc desc, s.id desc limit 1)
        where remote_id is not null
        """
    )


@migrations()
def m029_posts_published_indexes_partial(db: Database) -> None:
    # Issue 17 item 2b: a segment's intent row (status 'intent', no remote id, no published time)
    # paid a page in each of these three indexes, and its publication another to take the entry
    # out again. Only published posts are looked up by them (the report, GET /posts, analytics,
    # CRM: each query says status = 'published'; remote ids only exist once published), so
    # partial indexes serve every one of those queries and an intent row writes none of them.
    # Same names; plain SQL, as m027, which PostgreSQL's DDL writer runs the same.
    for name, columns, where in (
        ("idx_posts_platform_published_utc", "platform, published_utc", "status = 'published'"),
        ("idx_posts_published_utc_id", "published_utc, id", "status = 'published'"),
        ("idx_posts_remote_id", "remote_id", "remote_id is not null"),
    ):
        db.execute(f"drop index if exists {name}")
        db.execute(f"create index if not exists {name} on posts ({columns}) where {where}")


@migrations()
def m030_jobs_index_partial(db: Database) -> None:
    # Issue 17 item 2b: every finished job moved inside (status, due_utc), a page or two of it
    # at the claim's commit and again at the job's end, though no query looks finished jobs up
    # by status and due time: the claim, `mktd queue list`, status and the alert rules read the
    # queued and running ones (their queries repeat this WHERE verbatim: SQLite uses a partial
    # index only for a query whose WHERE has its condition as a term), the alert rules' skipped
    # jobs get their own small index (a skip is rare), `mktd queue list --all` scans as before.
    # Same name; plain SQL, as m029, which PostgreSQL's DDL writer runs the same.
    db.execute("drop index if exists idx_jobs_status_due_utc")
    db.execute(
        "create index if not exists idx_jobs_status_due_utc on jobs (status, due_utc) "
        "where status in ('queued', 'running')"
    )
    db.execute(
        "create index if not exists idx_jobs_skipped_due_utc on jobs (due_utc) "
        "where status = 'skipped'"
    )
    # m009's one-active-publish-job-per-draft guard named the status in its WHERE, so the claim
    # (queued -> running: the job stays active) rewrote its entry on every job. A publish job is
    # active exactly while it has no finished_utc: every end sets it (finish_job,
    # cancel_publish), nothing reopens a finished job (a new schedule queues a new one), and
    # rows of other versions are made to agree first. Keyed on that, the claim leaves it alone;
    # the guard refuses the same second unfinished job as before.
    db.execute(
        "update jobs set finished_utc = coalesce(updated_utc, due_utc, created_utc, '') "
        "where kind = 'publish' and status not in ('queued', 'running') and finished_utc is null"
    )
    db.execute(
        "update jobs set finished_utc = null "
        "where kind = 'publish' and status in ('queued', 'running') and finished_utc is not null"
    )
    db.execute("drop index if exists jobs_one_active_publish")
    db.execute(
        "create unique index if not exists jobs_one_active_publish on jobs (draft_id) "
        "where kind = 'publish' and finished_utc is null"
    )


def report_posts_index(db: Any) -> None:
    """m031's posts part, which PostgreSQL's twin runs alone (store/postgres/migrations.py)."""
    db.execute("drop index if exists idx_posts_platform_published_utc")
    db.execute(
        "create index if not exists idx_posts_platform_published_utc on posts (platform, "
        "published_utc, draft_id, segment, account, url, cost_usd, latest_snapshot_id, "
        "latest_taken_utc, latest_impressions, latest_reach, latest_engagements, "
        "latest_link_clicks, status) where status = 'published'"
    )


@migrations()
def m031_report_covering_indexes(db: Database) -> None:
    # Issue 17 item 4, on rows as wide as a user's (session 9): a LinkedIn post's draft and post
    # rows run to ~1,300 characters, so at 1 KiB pages each is a leaf page of its own (and
    # overflow pages), and the report read 50,000 of each at 50k posts: its per-post columns
    # from the post rows (stored after the text) and the topic and people from the draft rows.
    # These two indexes hold exactly those columns, so the report reads neither table:
    # 758 -> 594 ms for the CSV's query at 50k posts (benchmarks/report_scale.py, session 9).
    # The posts index keeps its name and leading columns (every query that used it still can),
    # and `status` (without it SQLite does not count the index as covering). What it costs: the
    # analytics fetch rewrites a measured post's entry with its latest figures, and a publish
    # writes the draft's entry once more (published_by). PostgreSQL gets the posts index only:
    # it keeps a draft's wide text out of the row (TOAST), and a B-tree entry there is limited
    # to ~2.7 KB, which a long topic would exceed (tests/store/contract/test_contract_drafts.py).
    report_posts_index(db)
    db.execute(
        "create index if not exists idx_drafts_id_topic_approved_by_published_by "
        "on drafts (id, topic, approved_by, published_by)"
    )
