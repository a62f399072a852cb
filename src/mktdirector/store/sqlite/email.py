"""Emails sent through an email platform (exactly once: intent row first) and their stats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from mktdirector.store.errors import RecordNotFoundError, Refusal, StateRefusedError
from mktdirector.store.rows import EMAIL_STATS_COLUMNS, Email, EmailStatus
from mktdirector.store.sqlite.db import Connected, immediate, require_intact
from mktdirector.store.stamps import new_id, now_utc

STATS_COLUMNS = EMAIL_STATS_COLUMNS


class EmailMixin(Connected):
    def write_email_intent(self, row: Mapping[str, Any]) -> str:
        """Commit an `intent` row before the send call; returns its id.

        The check for an earlier row with the same `send_key` and the insert are one
        BEGIN IMMEDIATE transaction, so two processes cannot both start the same send.
        """
        require_intact(self.db, self.path)  # once per send call (1,000 recipients): cheap
        eid = new_id()
        values = {**row, "id": eid, "status": EmailStatus.INTENT, "created_utc": now_utc()}
        cols = list(values)
        with immediate(self.db) as conn:
            if row.get("send_key"):
                found = conn.execute(
                    "select id, status from emails where send_key = ? "
                    "and status not in ('failed', 'cancelled')",
                    [row["send_key"]],
                ).fetchone()
                if found is not None:
                    raise StateRefusedError(
                        f"Email {found[0]} with the same content and recipients is {found[1]} "
                        "(another mktd run?); nothing was sent.",
                        entity="email",
                        ref=found[0],
                        reason=Refusal.DUPLICATE_SEND,
                    )
            conn.execute(
                f"insert into emails ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                [values[c] for c in cols],
            )
        return eid

    def update_email(self, email_id: str, **fields: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in fields)
        with immediate(self.db) as conn:
            conn.execute(f"update emails set {sets} where id = ?", [*fields.values(), email_id])

    def get_email(self, email_id: str) -> Email:
        rows = list(self.db.query("select * from emails where id = ?", [email_id]))
        if not rows:
            rows = list(
                self.db.query(
                    "select * from emails where id like ? limit 2", [f"%{email_id.upper()}"]
                )
            )
            if len(rows) != 1:
                raise RecordNotFoundError("email", email_id, matches=len(rows))
        return cast(Email, rows[0])

    def email_by_key(self, send_key: str) -> Email | None:
        """The latest send with this key that may have gone out (failed/cancelled ones don't)."""
        rows = list(
            self.db.query(
                "select * from emails where send_key = ? "
                "and status not in ('failed', 'cancelled') order by created_utc desc limit 1",
                [send_key],
            )
        )
        return cast(Email, rows[0]) if rows else None

    def claim_email(self, email_id: str, owner: str, *, now: float, lease_s: float) -> bool:
        """Take the send lease in one BEGIN IMMEDIATE; False while a live other owner holds it
        (one whose process died on this host is taken over at once, core/leases.py)."""
        from mktdirector.core.leases import owner_is_gone

        with immediate(self.db) as conn:
            row = conn.execute(
                "select lease_owner, lease_until from emails where id = ?", [email_id]
            ).fetchone()
            if row is None:
                raise RecordNotFoundError("email", email_id)
            holder, until = row
            if holder and holder != owner and (until or 0) > now and not owner_is_gone(holder):
                return False
            conn.execute(
                "update emails set lease_owner = ?, lease_until = ? where id = ?",
                [owner, now + lease_s, email_id],
            )
        return True

    def release_email(self, email_id: str, owner: str) -> None:
        with immediate(self.db) as conn:
            conn.execute(
                "update emails set lease_owner = null, lease_until = null "
                "where id = ? and lease_owner = ?",
                [email_id, owner],
            )

    def emails(
        self,
        *,
        draft_id: str | None = None,
        batch_id: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> list[Email]:
        where, params = ["1=1"], []
        for col, value in (("draft_id", draft_id), ("batch_id", batch_id), ("status", status)):
            if value:
                where.append(f"{col} = ?")
                params.append(value)
        sql = f"select * from emails where {' and '.join(where)} order by created_utc desc limit ?"
        return cast(list[Email], list(self.db.query(sql, [*params, limit])))

    def upsert_email_stats(self, rows: Sequence[Mapping[str, Any]]) -> int:
        taken = now_utc()
        clean = [
            {
                "date": r["date"],
                "category": r.get("category") or "",
                "taken_utc": taken,
                "platform": r.get("platform") or "sendgrid",
            }  # fmt: skip
            | {c: int(r.get(c) or 0) for c in STATS_COLUMNS}
            for r in rows
        ]
        if clean:
            with self.db.atomic():
                self.db.table("email_stats").upsert_all(clean, pk=("date", "category"))
        return len(clean)
