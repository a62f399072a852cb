"""What the alert rules read, their de-duplication, and which channel each alert went to.

De-duplication keys are `cause` (e.g. `failure_rate:twitter:brand`) or `cause@occurrence`
(e.g. `publish_failed:D1@2026-05-01T09:00:00Z`): an occurrence is raised at most once ever, and
a cause at most once per hour. `notifications.sent_json` holds one entry per channel:
`{"slack": {"sent_utc": …}}` once delivered, `{"claimed_utc": …}` while a process is sending it,
`{"error": …, "attempts": n}` after a failed try.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from mktdirector.store.rows import Notification
from mktdirector.store.sqlite.db import Connected, immediate
from mktdirector.store.stamps import now_utc


class AlertingMixin(Connected):
    # de-duplication -----------------------------------------------------------------------------
    def alert_seen(self, cause: str, occurrence_key: str | None, since_utc: str) -> bool:
        """True when this occurrence was ever raised, or its cause since `since_utc`."""
        sql = """
            select 1 from notifications
            where (dedupe_key = ? or (dedupe_key >= ? and dedupe_key < ?)) and created_utc >= ?
        """
        # Keys of one cause are `cause` and `cause@…`: '@' sorts right before 'A'.
        params: list[Any] = [cause, f"{cause}@", f"{cause}A", since_utc]
        if occurrence_key is not None:
            sql += " or dedupe_key = ?"
            params.append(occurrence_key)
        return bool(list(self.db.query(sql + " limit 1", params)))

    # what the rules read ----------------------------------------------------------------------
    def troubled_drafts(self, since_utc: str) -> list[dict[str, Any]]:
        """Drafts whose publishing failed or needs a human check, changed since a time."""
        sql = """
            select d.id, d.platform, d.account, d.status, d.error, d.updated_utc, d.topic,
                   (select group_concat(p.segment + 1) from posts p
                     where p.draft_id = d.id and p.status in ('failed', 'needs-check')) as segments
            from drafts d
            where d.status in ('failed', 'needs-check') and d.updated_utc >= ?
            order by d.updated_utc
        """
        return list(self.db.query(sql, [since_utc]))

    def auth_failures_from_calls(self, since_utc: str) -> list[dict[str, Any]]:
        """The newest rejected-credentials call per platform and account since a time."""
        sql = """
            select platform, coalesce(account, '') as account, max(time_utc) as time_utc,
                   count(*) as failures
            from http_calls where error_kind = 'auth' and time_utc >= ?
            group by platform, coalesce(account, '')
        """
        return list(self.db.query(sql, [since_utc]))

    def expiring_connections(self, until_utc: str) -> list[dict[str, Any]]:
        """Stored tokens without a refresh token that expire before `until_utc` (or have)."""
        sql = """
            select platform, account, store, expires_utc from connections
            where expires_utc is not null and expires_utc <= ? and coalesce(has_refresh, 0) = 0
            order by expires_utc
        """
        return list(self.db.query(sql, [until_utc]))

    def failure_rates(self, since_utc: str) -> list[dict[str, Any]]:
        sql = """
            select platform, coalesce(account, '') as account, count(*) as calls,
                   sum(error_kind is not null) as failed,
                   group_concat(distinct error_kind) as kinds
            from http_calls where time_utc >= ?
            group by platform, coalesce(account, '')
        """
        return list(self.db.query(sql, [since_utc]))

    def skipped_jobs(self, since_utc: str) -> list[dict[str, Any]]:
        sql = """
            select id, kind, draft_id, platform, account, due_utc, last_error,
                   coalesce(finished_utc, updated_utc) as skipped_utc
            from jobs
            where status = 'skipped' and coalesce(finished_utc, updated_utc, due_utc) >= ?
            order by due_utc
        """
        return list(self.db.query(sql, [since_utc]))

    def find_notifications(self, ref: str) -> list[Notification]:
        """The notification with this id, else those whose id starts so (at most two: enough to
        tell the caller a start is not unique; ids made in one millisecond share all but their end)."""
        ref = ref.strip().upper()
        rows = list(self.db.query("select * from notifications where id = ?", [ref]))
        if not rows:
            rows = list(
                self.db.query(
                    "select * from notifications where id >= ? and id < ? order by id limit 2",
                    [ref, ref + "\U0010ffff"],
                )
            )
        return cast(list[Notification], rows)

    # channels ---------------------------------------------------------------------------------
    def claim_undelivered(
        self, channel: str, *, since_utc: str, stale_utc: str, max_attempts: int, limit: int = 50
    ) -> list[Notification]:
        """Take the unread alerts not yet delivered to `channel` (one BEGIN IMMEDIATE, so two
        processes never send the same alert): marks them claimed and returns them."""
        claimed: list[Notification] = []
        with immediate(self.db) as conn:
            cur = conn.execute(
                "select * from notifications where read_utc is null and created_utc >= ? "
                "and severity != 'info' order by created_utc limit ?",
                [since_utc, limit * 4],
            )
            cols = [c[0] for c in cur.description]
            for values in cur.fetchall():
                row = dict(zip(cols, values, strict=True))
                sent = _sent(row)
                mine = sent.get(channel) or {}
                if mine.get("sent_utc") or (mine.get("attempts") or 0) >= max_attempts:
                    continue
                if mine.get("claimed_utc") and mine["claimed_utc"] > stale_utc:
                    continue  # another process is sending it right now
                sent[channel] = {**mine, "claimed_utc": now_utc()}
                conn.execute(
                    "update notifications set sent_json = ? where id = ?",
                    [json.dumps(sent), row["id"]],
                )
                claimed.append(cast(Notification, row))
                if len(claimed) >= limit:
                    break
        return claimed

    def mark_delivery(self, ids: list[str], channel: str, *, error: str | None = None) -> None:
        """Record the outcome of one send of these alerts to `channel`."""
        with immediate(self.db) as conn:
            for nid in ids:
                row = conn.execute("select sent_json from notifications where id = ?", [nid])
                found = row.fetchone()
                if found is None:
                    continue
                sent = _sent({"sent_json": found[0]})
                mine = dict(sent.get(channel) or {})
                mine.pop("claimed_utc", None)
                if error is None:
                    mine = {"sent_utc": now_utc()}
                else:
                    mine.update(
                        error=error[:300],
                        attempts=(mine.get("attempts") or 0) + 1,
                        last_try_utc=now_utc(),
                    )
                sent[channel] = mine
                conn.execute(
                    "update notifications set sent_json = ? where id = ?", [json.dumps(sent), nid]
                )


def _sent(row: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(row.get("sent_json") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
