"""The first six schema migrations (the spine: audit, content, publishing, metrics, CRM and
email). Shipped: never edit, rename or reorder them. store/sqlite/migrations.py registers them,
in this order, before the later ones."""

from __future__ import annotations

from sqlite_utils import Database


def m001_spine(db: Database) -> None:
    db.table("http_calls").create(
        {
            "id": str,
            "time_utc": str,
            "platform": str,
            "account": str,
            "method": str,
            "path": str,
            "status": int,
            "duration_ms": int,
            "attempt": int,
            "request_id": str,
            "error_kind": str,
            "error_code": str,
            "rate_remaining": int,
            "rate_reset_utc": str,
        },
        pk="id",
    )
    db.table("http_calls").create_index(["time_utc"])
    db.table("http_calls").create_index(["platform", "time_utc"])
    db.table("http_calls").create_index(["error_kind", "time_utc"])

    db.table("auth_events").create(
        {
            "id": str,
            "time_utc": str,
            "platform": str,
            "account": str,
            "event": str,
            "ok": int,
            "detail": str,
        },
        pk="id",
    )
    db.table("auth_events").create_index(["platform", "account", "time_utc"])

    db.table("rate_limit_state").create(
        {
            "key": str,
            "platform": str,
            "account": str,
            "name": str,
            "kind": str,
            "tokens": float,
            "window_start": float,
            "count": int,
            "limit_value": int,
            "remaining": int,
            "reset_at": float,
            "blocked_until": float,
            "updated_at": float,
        },
        pk="key",
    )
    db.table("rate_limit_state").create_index(["platform"])

    db.table("notifications").create(
        {
            "id": str,
            "created_utc": str,
            "kind": str,
            "severity": str,
            "platform": str,
            "account": str,
            "subject": str,
            "message": str,
            "hint": str,
            "dedupe_key": str,
            "read_utc": str,
            "sent_json": str,
        },
        pk="id",
    )
    db.table("notifications").create_index(["read_utc", "created_utc"])
    db.table("notifications").create_index(["dedupe_key", "created_utc"])

    db.table("secrets").create({"key": str, "ciphertext": bytes, "updated_utc": str}, pk="key")

    db.table("connections").create(
        {
            "platform": str,
            "account": str,
            "store": str,
            "user_id": str,
            "scopes": str,
            "expires_utc": str,
            "obtained_utc": str,
            "has_refresh": int,
            "created_utc": str,
            "updated_utc": str,
        },
        pk=("platform", "account"),
    )


def m002_wal(db: Database) -> None:
    # WAL lets readers (status, logs --follow) run while a worker writes.
    db.conn.execute("PRAGMA journal_mode=WAL")


def m003_content(db: Database) -> None:
    db.table("plans").create(
        {
            "id": str,
            "created_utc": str,
            "objective": str,
            "timeframe": str,
            "start_date": str,
            "channels_json": str,
            "slug": str,
            "plan_json": str,
            "generation_id": str,
        },
        pk="id",
    )
    db.table("drafts").create(
        {
            "id": str,
            "created_utc": str,
            "updated_utc": str,
            "platform": str,
            "kind": str,  # post | thread | email
            "topic": str,
            "style": str,
            "body_json": str,  # list of segments (post: one), or {subject, preheader, text, html}
            "content_hash": str,
            "status": str,
            "approved_hash": str,
            "approved_utc": str,
            "rejected_reason": str,
            "lint_json": str,
            "source": str,  # llm | text | file | plan
            "campaign": str,
            "plan_id": str,
            "plan_step": int,
            "account": str,
            "generation_id": str,
            "brand_hash": str,
        },
        pk="id",
        foreign_keys=[("plan_id", "plans", "id")],
    )
    db.table("drafts").create_index(["status", "updated_utc"])
    db.table("drafts").create_index(["platform", "status"])
    db.table("drafts").create_index(["plan_id"])
    db.table("generations").create(
        {
            "id": str,
            "created_utc": str,
            "purpose": str,  # linkedin_post | x_thread | email | topics | plan | narrative
            "model": str,
            "endpoint_host": str,
            "template": str,
            "template_version": str,
            "brand_hash": str,
            "system_prompt": str,
            "user_prompt": str,
            "output": str,
            "input_tokens": int,
            "output_tokens": int,
            "cost_usd": float,
            "duration_ms": int,
            "attempts": int,
            "draft_id": str,
            "plan_id": str,
        },
        pk="id",
    )
    db.table("generations").create_index(["draft_id"])
    db.table("generations").create_index(["created_utc"])


def m004_publishing(db: Database) -> None:
    # A lease, so a crashed publisher's draft can be taken over (and reconciled) by the next run.
    db.table("drafts").add_column("lease_owner", str)
    db.table("drafts").add_column("lease_until", float)
    db.table("drafts").add_column("published_utc", str)
    db.table("drafts").add_column("error", str)
    db.table("drafts").add_column("media_json", str)
    db.table("posts").create(
        {
            "id": str,
            "draft_id": str,
            "platform": str,
            "account": str,
            "segment": int,  # 0-based position in the thread
            "text": str,
            "status": str,  # intent | published | failed | needs-check
            "remote_id": str,
            "url": str,
            "reply_to": str,
            "intent_utc": str,
            "published_utc": str,
            "error": str,
            "cost_usd": float,
        },
        pk="id",
        foreign_keys=[("draft_id", "drafts", "id")],
    )
    db.table("posts").create_index(["draft_id", "segment"], unique=True)
    db.table("posts").create_index(["platform", "published_utc"])
    db.table("posts").create_index(["remote_id"])
    db.table("publish_attempts").create(
        {
            "id": str,
            "draft_id": str,
            "segment": int,
            "time_utc": str,
            "outcome": str,  # created | duplicate | reconciled | not_found | unknown | failed
            "error_kind": str,
            "detail": str,
        },
        pk="id",
    )
    db.table("publish_attempts").create_index(["draft_id", "time_utc"])


def m005_metric_snapshots(db: Database) -> None:
    # One row per post per fetch; reports read the latest row per post (index below).
    db.table("metric_snapshots").create(
        {
            "id": int,
            "platform": str,
            "remote_id": str,
            "draft_id": str,
            "post_row_id": str,
            "taken_utc": str,
            "impressions": int,
            "reach": int,
            "likes": int,
            "reposts": int,
            "replies": int,
            "quotes": int,
            "bookmarks": int,
            "link_clicks": int,
            "profile_clicks": int,
            "engagements": int,
            "private": int,
            "raw_json": str,
        },
        pk="id",
    )
    db.table("metric_snapshots").create_index(["platform", "remote_id", "taken_utc"])
    db.table("metric_snapshots").create_index(["draft_id", "taken_utc"])
    db.table("metric_snapshots").create_index(["taken_utc"])


def m006_crm_email(db: Database) -> None:
    # HubSpot contacts as last synced, with the attribution that ties them to a draft.
    db.table("contacts").create(
        {
            "id": str,  # HubSpot contact id
            "email": str,
            "firstname": str,
            "lastname": str,
            "created_utc": str,
            "source": str,  # hs_analytics_source
            "source_data_1": str,
            "source_data_2": str,
            "latest_source": str,
            "utm_source": str,
            "utm_medium": str,
            "utm_campaign": str,
            "utm_content": str,
            "draft_id": str,  # utm_content when it names one of our drafts
            "synced_utc": str,
            "raw_json": str,
        },
        pk="id",
    )
    db.table("contacts").create_index(["email"], unique=True)
    db.table("contacts").create_index(["draft_id"])
    db.table("contacts").create_index(["created_utc"])
    # GA4 traffic by day and attribution keys; re-fetching a day replaces its rows.
    db.table("traffic_snapshots").create(
        {
            "id": int,
            "property_id": str,
            "date": str,
            "source": str,
            "medium": str,
            "campaign": str,
            "ad_content": str,  # sessionManualAdContent = utm_content = draft id
            "landing_page": str,
            "sessions": int,
            "active_users": int,
            "engaged_sessions": int,
            "key_events": float,
            "total_revenue": float,
            "draft_id": str,
            "taken_utc": str,
        },
        pk="id",
    )
    db.table("traffic_snapshots").create_index(
        ["property_id", "date", "source", "medium", "campaign", "ad_content", "landing_page"],
        unique=True,
    )
    db.table("traffic_snapshots").create_index(["draft_id", "date"])
    db.table("traffic_snapshots").create_index(["date"])
    # Emails sent through SendGrid, exactly once like posts: intent first, message id after.
    db.table("emails").create(
        {
            "id": str,
            "draft_id": str,
            "status": str,  # intent | sent | scheduled | cancelled | failed | needs-check
            "recipients": int,
            "from_email": str,
            "category": str,
            "batch_id": str,
            "message_id": str,
            "send_at_utc": str,
            "created_utc": str,
            "sent_utc": str,
            "error": str,
        },
        pk="id",
    )
    db.table("emails").create_index(["draft_id"])
    db.table("email_stats").create(
        {
            "date": str,
            "category": str,  # "" for global stats
            "requests": int,
            "delivered": int,
            "opens": int,
            "unique_opens": int,
            "clicks": int,
            "unique_clicks": int,
            "bounces": int,
            "spam_reports": int,
            "taken_utc": str,
        },
        pk=("date", "category"),
    )


# In the order they shipped and run in.
SHIPPED = (
    m001_spine,
    m002_wal,
    m003_content,
    m004_publishing,
    m005_metric_snapshots,
    m006_crm_email,
)
