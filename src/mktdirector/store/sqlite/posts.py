"""Publishing state: leases on drafts, one `posts` row per thread segment, attempts log.

The intent row of a segment is committed *before* the create call, and the remote id right
after it, so a crash at any point leaves enough to reconcile instead of posting twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktdirector.core.errors import UsageError
from mktdirector.core.leases import owner_is_gone
from mktdirector.store.sqlite.db import immediate, new_id, now_utc

if TYPE_CHECKING:
    from sqlite_utils import Database

CLAIMABLE = ("approved", "scheduled", "failed", "publishing")


class PostsMixin:
    db: Database

    def claim_draft(
        self, draft_id: str, owner: str, *, now: float, lease_s: float
    ) -> dict[str, Any]:
        """Take the publishing lease in one BEGIN IMMEDIATE transaction, or explain why not."""
        with immediate(self.db) as conn:
            row = conn.execute(
                "select status, content_hash, approved_hash, lease_owner, lease_until "
                "from drafts where id = ?",
                [draft_id],
            ).fetchone()
            if row is None:
                raise UsageError(f"No draft {draft_id!r}.", hint="mktd drafts list")
            status, chash, ahash, lowner, luntil = row
            if status == "published":
                raise UsageError(
                    f"Draft {draft_id} is already published.", hint=f"mktd drafts show {draft_id}"
                )
            if status == "needs-check":
                raise UsageError(
                    f"Draft {draft_id} needs a human check before anything else is sent.",
                    hint=f"Look for the post, then: mktd publish {draft_id} --resolve posted|not-posted",
                )
            if status not in CLAIMABLE:
                raise UsageError(
                    f"Draft {draft_id} is {status}; approve it first.",
                    hint=f"mktd drafts approve {draft_id}",
                )
            if not ahash or ahash != chash:
                raise UsageError(
                    f"Draft {draft_id} changed since it was approved.",
                    hint=f"Review and approve it again: mktd drafts approve {draft_id}",
                )
            if (
                status == "publishing"
                and lowner
                and lowner != owner
                and (luntil or 0) > now
                and not owner_is_gone(lowner)
            ):
                # A live lease of a process that still runs (or may: another host): wait.
                # One whose process died on this host is taken over at once; what it may have
                # sent is settled from its intent rows before anything is sent again.
                raise UsageError(
                    f"Draft {draft_id} is being published by another mktd process.",
                    hint="Wait for it to finish (mktd drafts show ID)",
                )
            conn.execute(
                "update drafts set status = 'publishing', lease_owner = ?, lease_until = ?, "
                "error = null, updated_utc = ? where id = ?",
                [owner, now + lease_s, now_utc(), draft_id],
            )
        return self.get_draft(draft_id)  # type: ignore[attr-defined,no-any-return]

    def renew_lease(self, draft_id: str, owner: str, until: float) -> None:
        with immediate(self.db) as conn:
            conn.execute(
                "update drafts set lease_until = ? where id = ? and lease_owner = ?",
                [until, draft_id, owner],
            )

    def finish_draft(self, draft_id: str, owner: str, status: str, **fields: Any) -> None:
        """Leave `publishing` for published/failed/needs-check and release the lease."""
        fields.update(status=status, lease_owner=None, lease_until=None, updated_utc=now_utc())
        sets = ", ".join(f"{k} = ?" for k in fields)
        with immediate(self.db) as conn:
            conn.execute(
                f"update drafts set {sets} where id = ? and lease_owner = ?",
                [*fields.values(), draft_id, owner],
            )

    def draft_posts(self, draft_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query("select * from posts where draft_id = ? order by segment", [draft_id])
        )

    def write_intent(
        self,
        draft_id: str,
        segment: int,
        *,
        platform: str,
        account: str | None,
        text: str,
        reply_to: str | None,
    ) -> str:
        """Commit the intent to create one segment (before the create call)."""
        pid = new_id()
        with immediate(self.db) as conn:
            conn.execute(
                "insert into posts (id, draft_id, platform, account, segment, text, status, "
                "reply_to, intent_utc) values (?, ?, ?, ?, ?, ?, 'intent', ?, ?) "
                "on conflict(draft_id, segment) do update set status = 'intent', "
                "reply_to = excluded.reply_to, intent_utc = excluded.intent_utc, error = null",
                [pid, draft_id, platform, account, segment, text, reply_to, now_utc()],
            )
            return str(
                conn.execute(
                    "select id from posts where draft_id = ? and segment = ?", [draft_id, segment]
                ).fetchone()[0]
            )

    def mark_post(self, post_id: str, status: str, **fields: Any) -> None:
        fields["status"] = status
        if status == "published" and "published_utc" not in fields:
            fields["published_utc"] = now_utc()
        sets = ", ".join(f"{k} = ?" for k in fields)
        with immediate(self.db) as conn:
            conn.execute(f"update posts set {sets} where id = ?", [*fields.values(), post_id])

    def record_attempt(
        self,
        draft_id: str,
        segment: int,
        outcome: str,
        *,
        error_kind: str | None = None,
        detail: str = "",
    ) -> None:
        from mktdirector.core.redact import redact

        self.db["publish_attempts"].insert(
            {
                "id": new_id(),
                "draft_id": draft_id,
                "segment": segment,
                "time_utc": now_utc(),
                "outcome": outcome,
                "error_kind": error_kind,
                "detail": redact(detail)[:300],
            }
        )

    def attempts(self, draft_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select * from publish_attempts where draft_id = ? order by time_utc, rowid",
                [draft_id],
            )
        )
