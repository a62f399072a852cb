"""In-tool notifications (alerts are raised here first; other channels read from it)."""

from __future__ import annotations

from typing import cast

from mktdirector.store.rows import Notification
from mktdirector.store.sqlite.db import Connected, immediate
from mktdirector.store.sqlite.dialect import SQLITE
from mktdirector.store.stamps import new_id, now_utc


class NotificationsMixin(Connected):
    def notify(
        self,
        kind: str,
        subject: str,
        message: str,
        *,
        severity: str = "error",
        platform: str | None = None,
        account: str | None = None,
        hint: str | None = None,
        dedupe_key: str | None = None,
        dedupe_since_utc: str | None = None,
    ) -> str | None:
        """Add a notification unless the same cause is already known (see dedupe below)."""
        from mktdirector.core.redact import redact

        row = {
            "id": new_id(),
            "created_utc": now_utc(),
            "kind": kind,
            "severity": severity,
            "platform": platform,
            "account": account,
            "subject": redact(subject),
            "message": redact(message),
            "hint": hint,
            "dedupe_key": dedupe_key,
            "read_utc": None,
            "sent_json": "{}",
        }
        # Check and insert in one write transaction: a worker and a CLI run raising the same
        # cause at once must still make one notification.
        with immediate(self.db) as conn:
            if dedupe_key:
                # Same cause: skip if raised since `dedupe_since_utc`, or while still unread.
                where = "created_utc >= ?" if dedupe_since_utc else "read_utc is null"
                params = [dedupe_key] + ([dedupe_since_utc] if dedupe_since_utc else [])
                sql = f"select id from notifications where dedupe_key = ? and {where} limit 1"
                if conn.execute(sql, params).fetchone():
                    return None
            conn.execute(SQLITE.insert("notifications", list(row)), list(row.values()))
        nid = str(row["id"])
        return nid

    def notifications(
        self, *, unread_only: bool = True, limit: int = 50, after: tuple[str, str] | None = None
    ) -> list[Notification]:
        """Newest first by (created_utc, id); `after` = the last row of the previous page."""
        where, params = ["1=1"], []
        if unread_only:
            where.append("read_utc is null")
        if after is not None:
            where.append("(created_utc < ? or (created_utc = ? and id < ?))")
            params += [after[0], after[0], after[1]]
        sql = (
            f"select * from notifications where {' and '.join(where)} "
            "order by created_utc desc, id desc limit ?"
        )
        return cast(list[Notification], list(self.db.query(sql, [*params, limit])))

    def unread_count(self) -> int:
        rows = list(self.db.query("select count(*) as n from notifications where read_utc is null"))
        return int(rows[0]["n"])

    def ack(self, notification_id: str | None = None) -> int:
        if notification_id:
            cur = self.db.execute(
                "update notifications set read_utc = ? where id = ? and read_utc is null",
                [now_utc(), notification_id],
            )
        else:
            cur = self.db.execute(
                "update notifications set read_utc = ? where read_utc is null", [now_utc()]
            )
        self.db.conn.commit()
        return cur.rowcount
