"""Publishing state: leases on drafts, one `posts` row per thread segment, attempts log.

The intent row of a segment is committed *before* the create call, and the remote id right
after it, so a crash at any point leaves enough to reconcile instead of posting twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from mktdirector.core.leases import owner_is_gone
from mktdirector.store.errors import RecordNotFoundError, Refusal, StateRefusedError
from mktdirector.store.rows import Draft, DraftStatus, Post, PostStatus, PublishAttempt
from mktdirector.store.sqlite.db import (
    FULL,
    INHERIT,
    RELAXED,
    Connected,
    immediate,
    require_intact,
)
from mktdirector.store.sqlite.dialect import SQLITE
from mktdirector.store.sqlite.metrics import LATEST_SNAPSHOT
from mktdirector.store.stamps import new_id, now_utc

_INTENT_COLUMNS = (
    "id", "draft_id", "platform", "account", "segment", "text", "status", "reply_to",
    "intent_utc", "error",
)  # fmt: skip
_INSERT_ATTEMPT = SQLITE.insert(
    "publish_attempts",
    ("id", "draft_id", "segment", "time_utc", "outcome", "error_kind", "detail"),
)
CLAIMABLE = (
    DraftStatus.APPROVED, DraftStatus.SCHEDULED, DraftStatus.FAILED, DraftStatus.PUBLISHING,
)  # fmt: skip


class PostsMixin(Connected):
    if TYPE_CHECKING:  # ContentMixin's, in the Store this mixin is part of

        def get_draft(self, draft_id: str) -> Draft: ...

    def claim_draft(self, draft_id: str, owner: str, *, now: float, lease_s: float) -> Draft:
        """Take the publishing lease in one BEGIN IMMEDIATE transaction, or explain why not."""
        require_intact(self.db, self.path)  # a damaged file must fail before a send, not after
        # Relaxed: nothing is sent before the segment's intent row, whose FULL commit puts this
        # one on disk too (the WAL is synced as a whole); lost in a power cut before that, the
        # draft is simply not claimed.
        with immediate(self.db, durability=RELAXED) as conn:
            row = conn.execute(
                "select status, content_hash, approved_hash, lease_owner, lease_until "
                "from drafts where id = ?",
                [draft_id],
            ).fetchone()
            if row is None:
                raise RecordNotFoundError("draft", draft_id)
            status, chash, ahash, lowner, luntil = row
            if status == DraftStatus.PUBLISHED:
                raise _refused(draft_id, "is already published", Refusal.ALREADY_PUBLISHED)
            if status == DraftStatus.NEEDS_CHECK:
                raise _refused(
                    draft_id,
                    "needs a human check before anything else is sent",
                    Refusal.NEEDS_CHECK,
                )
            if status not in CLAIMABLE:
                raise _refused(draft_id, f"is {status}; approve it first", Refusal.NOT_APPROVED)
            if not ahash or ahash != chash:
                raise _refused(
                    draft_id, "changed since it was approved", Refusal.CHANGED_SINCE_APPROVAL
                )
            if (
                status == DraftStatus.PUBLISHING
                and lowner
                and lowner != owner
                and (luntil or 0) > now
                and not owner_is_gone(lowner)
            ):
                # A live lease of a process that still runs (or may: another host): wait.
                # One whose process died on this host is taken over at once; what it may have
                # sent is settled from its intent rows before anything is sent again.
                raise _refused(
                    draft_id, "is being published by another mktd process", Refusal.LEASED
                )
            conn.execute(
                "update drafts set status = ?, lease_owner = ?, lease_until = ?, "
                "error = null, updated_utc = ? where id = ?",
                [DraftStatus.PUBLISHING, owner, now + lease_s, now_utc(), draft_id],
            )
        return self.get_draft(draft_id)

    def renew_lease(self, draft_id: str, owner: str, until: float) -> None:
        # Relaxed: a renewal lost in a power cut only matters to a process that died with it.
        with immediate(self.db, durability=RELAXED) as conn:
            conn.execute(
                "update drafts set lease_until = ? where id = ? and lease_owner = ?",
                [until, draft_id, owner],
            )

    def finish_draft(self, draft_id: str, owner: str, status: str, **fields: Any) -> None:
        """Leave `publishing` for published/failed/needs-check and release the lease."""
        fields.update(status=status, lease_owner=None, lease_until=None, updated_utc=now_utc())
        sets = ", ".join(f"{k} = ?" for k in fields)
        with immediate(self.db, durability=INHERIT) as conn:
            conn.execute(
                f"update drafts set {sets} where id = ? and lease_owner = ?",
                [*fields.values(), draft_id, owner],
            )

    def draft_posts(self, draft_id: str) -> list[Post]:
        sql = "select * from posts where draft_id = ? order by segment"
        return cast(list[Post], list(self.db.query(sql, [draft_id])))

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
        """Commit the intent to create one segment (before the create call), on disk: FULL
        durability (the rate and audit commits are relaxed; db.immediate refuses to fold this
        one into a relaxed transaction)."""
        pid = new_id()
        with immediate(self.db, durability=FULL) as conn:
            # A retried segment keeps its row (and id): only the intent is renewed.
            conn.execute(
                SQLITE.upsert("posts", _INTENT_COLUMNS, ("draft_id", "segment"),
                              ("status", "reply_to", "intent_utc", "error")),
                [pid, draft_id, platform, account, segment, text, PostStatus.INTENT, reply_to,
                 now_utc(), None],
            )  # fmt: skip
            return str(
                conn.execute(
                    "select id from posts where draft_id = ? and segment = ?", [draft_id, segment]
                ).fetchone()[0]
            )

    def mark_post(self, post_id: str, status: str, **fields: Any) -> None:
        fields["status"] = status
        if status == PostStatus.PUBLISHED and "published_utc" not in fields:
            fields["published_utc"] = now_utc()
        sets = ", ".join(f"{k} = ?" for k in fields)
        params = list(fields.values())
        if "remote_id" in fields:
            # The report reads the post's latest snapshot from its row (metrics.py): a remote
            # id that already has snapshots (another row's post) gets its latest now.
            sets += ", " + LATEST_SNAPSHOT.format(remote_id="?")
            params.append(fields["remote_id"])
        with immediate(self.db, durability=INHERIT) as conn:
            conn.execute(f"update posts set {sets} where id = ?", [*params, post_id])

    @contextmanager
    def outcome_batch(self, *, durable: bool = True) -> Iterator[None]:
        """One commit for what a create's answer settles (the attempt, the post's id, the
        draft's end, the worker's job end): all of it or none. Never around a send.

        `durable=False` (the worker) skips this commit's own sync: a kill -9 loses nothing,
        a power cut before the next FULL commit (the next intent row, the run's last
        heartbeat) can lose the outcome but never the intent row, so the next run settles
        the segment by reading it back (X) or asks a human (LinkedIn): no second post."""
        with immediate(self.db, durability=FULL if durable else RELAXED):
            yield

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

        # Plain SQL in immediate(): sqlite-utils' insert commits on its own, which would end
        # an outcome_batch half-way.
        values = [new_id(), draft_id, segment, now_utc(), outcome, error_kind, redact(detail)[:300]]
        with immediate(self.db, durability=INHERIT) as conn:
            conn.execute(_INSERT_ATTEMPT, values)

    def attempts(self, draft_id: str) -> list[PublishAttempt]:
        sql = "select * from publish_attempts where draft_id = ? order by time_utc, rowid"
        return cast(list[PublishAttempt], list(self.db.query(sql, [draft_id])))


def _refused(draft_id: str, what: str, reason: Refusal) -> StateRefusedError:
    return StateRefusedError(
        f"Draft {draft_id} {what}.", entity="draft", ref=draft_id, reason=reason
    )
