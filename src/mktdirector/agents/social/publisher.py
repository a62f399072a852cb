"""Publishing exactly once (DESIGN.md section 5).

For each segment of an approved draft, in order:
1. a committed *intent* row, then the create call, then the remote id and URL saved at once;
2. a segment that already has an id is skipped, so a thread resumes where it stopped;
3. an outcome that is unknown (timeout or reset after sending, 5xx, a 2xx without an id, or an
   intent row left by a crashed run) is settled by reading back (X) before anything is resent;
   where the platform cannot be read back (LinkedIn member posts) it becomes `needs-check`,
   with what to look at;
4. a "duplicate content" answer means "already published" only when this draft has an earlier
   attempt at the segment whose outcome was unknown; otherwise it is a refusal naming the post
   (and draft) that already has the text, and nothing is adopted (agents/social/duplicates.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from mktdirector.agents.social import duplicates, numbering
from mktdirector.agents.social.targets import Target
from mktdirector.core import errors as E
from mktdirector.core.correlation import correlated_by
from mktdirector.core.leases import owner_id
from mktdirector.core.people import current_actor
from mktdirector.core.platforms import post_url
from mktdirector.integrations.social import DuplicateContentError, RemotePost
from mktdirector.store import StoreLike
from mktdirector.store.rows import AttemptOutcome, Draft, DraftStatus, PostStatus

LEASE_S = 300.0
READ_BACK_MARGIN_S = 120.0


@dataclass
class PublishResult:
    draft_id: str
    platform: str
    status: str  # published | needs-check | failed
    posts: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    cost_usd: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The brief's shape (id, platform, text, url, created_at, status) plus the thread."""
        first = self.posts[0] if self.posts else {}
        return {
            "id": first.get("id"), "post_id": first.get("id"), "draft_id": self.draft_id,
            "platform": self.platform, "text": "\n\n".join(p["text"] for p in self.posts),
            "url": first.get("url"), "created_at": first.get("created_at"),
            "status": self.status, "thread_results": self.posts, "message": self.message,
            "cost_usd": round(self.cost_usd, 4),
        }  # fmt: skip


def _epoch(iso: str | None) -> float:
    if not iso:
        return time.time()
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class Publisher:
    def __init__(
        self,
        store: StoreLike,
        target: Target,
        *,
        clock: Callable[[], float] = time.time,
        owner: str | None = None,
        account: str | None = None,
        lease_s: float = LEASE_S,
        durable_outcome: bool = True,
        on_published: Callable[[], object] | None = None,
    ) -> None:
        self.store = store
        self.target = target
        self.clock = clock
        self.owner = owner or owner_id()
        self.account = account
        # The worker passes its job lease, so a crashed worker's draft frees up with its job.
        self.lease_s = lease_s
        # What a create's answer settles is one commit (store.outcome_batch); False (the
        # worker, whose next intent row and last heartbeat are FULL commits) skips its sync.
        self.durable_outcome = durable_outcome
        # Run inside the commit that marks the draft published (the worker ends its job
        # there); it must only write to the store: if it fails, that commit is rolled back.
        self.on_published = on_published
        self._last = -1  # the index of the draft's last segment, while _run runs
        self._finished = False

    @correlated_by("draft_id")  # every call of this publish is listed by `mktd logs --draft`
    def publish(self, draft_id: str, *, image: str | None = None) -> PublishResult:
        draft = self.store.claim_draft(draft_id, self.owner, now=self.clock(), lease_s=self.lease_s)
        # Threads are numbered from the posts they have now (a post deleted in an edit).
        did, segments = draft["id"], numbering.publishable(draft["kind"], list(draft["body"]))
        try:
            return self._run(did, segments, image)
        except BaseException as exc:
            # Whatever happened, never leave the lease held: the next run must be able to resume.
            if self.store.get_draft(did)["status"] == DraftStatus.PUBLISHING:
                msg = getattr(exc, "message", None) or type(exc).__name__
                self.store.finish_draft(did, self.owner, DraftStatus.FAILED, error=str(msg)[:300])
                # A rate limit is not a failure to alert on: the caller queues a retry.
                if not isinstance(exc, E.RateLimitError):
                    self._notify(
                        did,
                        "publish_failed",
                        f"Publishing {did} failed: {msg}",
                        f"mktd publish {did}",
                    )
            raise

    def _run(self, did: str, segments: list[str], image: str | None) -> PublishResult:
        rows = {r["segment"]: r for r in self.store.draft_posts(did)}
        prev: str | None = None
        media = None
        self._last, self._finished = len(segments) - 1, False
        for i, text in enumerate(segments):
            if i:  # the claim has just set the lease: renewing it for the first post is a commit for nothing
                self.store.renew_lease(did, self.owner, self.clock() + self.lease_s)
            row = rows.get(i)
            if row and row["status"] == PostStatus.PUBLISHED:
                prev = row["remote_id"]
                continue
            if row and row["status"] in (PostStatus.INTENT, PostStatus.NEEDS_CHECK):
                found = self._settle(did, i, row, text, prev)
                if found is not None:
                    prev = found.id
                    continue
                if not self.target.can_read_back:
                    return self._needs_check(
                        did, i, row["id"], text, "an earlier run stopped after sending this post"
                    )
            if i == 0 and image and media is None:
                media = self.target.upload(image)
            # Decided before the create writes its own intent row over the old one.
            unknown_before = duplicates.earlier_unknown(self.store, did, i, row)
            post = self._create(did, i, text, prev, media if i == 0 else None, unknown_before)
            if isinstance(post, PublishResult):
                return post
            prev = post.id
        if not self._finished:  # the last segment was settled another way (read back, resumed)
            with self.store.outcome_batch(durable=self.durable_outcome):
                self._finish_published(did)
        return self.result(did, DraftStatus.PUBLISHED, "Published.")

    def _finish_published(self, did: str) -> None:
        self.store.finish_draft(
            did,
            self.owner,
            DraftStatus.PUBLISHED,
            published_utc=_now_iso(),
            published_by=current_actor(),  # who ran it; a worker: `<approver> via worker:<user>@<host>`
        )
        if self.on_published is not None:
            self.on_published()
        self._finished = True

    def _created(self, did: str, i: int, pid: str, post: RemotePost, text: str) -> None:
        """A create answered with an id: its attempt, the post's id and, after the last
        segment, the draft's end are one commit (a crash leaves all of it or the intent row)."""
        with self.store.outcome_batch(durable=self.durable_outcome):
            self.store.record_attempt(did, i, AttemptOutcome.CREATED, detail=post.id)
            self._mark_published(pid, post, text)
            if i == self._last:
                self._finish_published(did)

    def _create(
        self,
        did: str,
        i: int,
        text: str,
        prev: str | None,
        media: str | None,
        unknown_before: bool,
        tries: int = 2,
    ) -> RemotePost | PublishResult:
        pid = self.store.write_intent(
            did, i, platform=self.target.platform, account=self.account, text=text, reply_to=prev
        )
        intent_at = self.clock()
        try:
            post = self.target.create(text, reply_to=prev, media=media)
        except DuplicateContentError as dup:
            self.store.record_attempt(
                did, i, AttemptOutcome.DUPLICATE, error_kind=dup.kind, detail=dup.message
            )
            if not unknown_before:
                # Another post has this text: refuse, adopt nothing (publish() marks it failed).
                refused = duplicates.refusal(self.store, self.target.platform, did, i, text, dup)
                self.store.mark_post(pid, PostStatus.FAILED, error=refused.message[:300])
                raise refused from None
            found = self._read_back(text, prev, intent_at) if self.target.can_read_back else None
            if found is None and dup.existing_id:
                found = RemotePost(
                    dup.existing_id,
                    _url_for(self.target.platform, dup.existing_id),
                    text,
                    None,
                    self.target.platform,
                )
            if found is None:
                return self._needs_check(
                    did,
                    i,
                    pid,
                    text,
                    "the platform says this text is "
                    "already published but mktd cannot find the post",
                )
            self._mark_published(pid, found, text)
            return found
        except E.MktdError as err:
            if not E.outcome_unknown(err):
                self.store.mark_post(pid, PostStatus.FAILED, error=err.message[:300])
                self.store.record_attempt(
                    did, i, AttemptOutcome.FAILED, error_kind=err.kind, detail=err.message
                )
                raise
            self.store.record_attempt(
                did, i, AttemptOutcome.UNKNOWN, error_kind=err.kind, detail=err.message
            )
            found = self._read_back(text, prev, intent_at)
            if found is not None:
                self.store.record_attempt(did, i, AttemptOutcome.RECONCILED, detail=found.id)
                self._mark_published(pid, found, text)
                return found
            if not self.target.can_read_back or tries <= 1:
                return self._needs_check(did, i, pid, text, f"the answer was lost ({err.kind})")
            # X shows new posts at once; not there means not created, and a resend that
            # races a late create is refused as duplicate content and reconciled above.
            self.store.record_attempt(did, i, AttemptOutcome.NOT_FOUND)
            return self._create(did, i, text, prev, media, True, tries - 1)
        self._created(did, i, pid, post, text)
        return post

    def _settle(
        self, did: str, i: int, row: Mapping[str, Any], text: str, prev: str | None
    ) -> RemotePost | None:
        """An intent without an id, left by a crashed or cut-off run: look before resending."""
        found = self._read_back(text, prev, _epoch(row["intent_utc"]))
        if found is not None:
            self.store.record_attempt(did, i, AttemptOutcome.RECONCILED, detail=found.id)
            self._mark_published(row["id"], found, text)
        elif self.target.can_read_back:
            self.store.record_attempt(did, i, AttemptOutcome.NOT_FOUND)
        return found

    def _read_back(self, text: str, prev: str | None, since: float) -> RemotePost | None:
        if not self.target.can_read_back:
            return None
        return self.target.find(text, reply_to=prev, since=since - READ_BACK_MARGIN_S)

    def _mark_published(self, pid: str, post: RemotePost, text: str) -> None:
        self.store.mark_post(
            pid,
            PostStatus.PUBLISHED,
            remote_id=post.id,
            url=post.url,
            cost_usd=self.target.cost(text),
            published_utc=post.created_at or _now_iso(),
        )

    def _needs_check(self, did: str, i: int, pid: str, text: str, why: str) -> PublishResult:
        from mktdirector.core.platforms import PLATFORMS

        look = self.target.where_to_look(text)
        info = PLATFORMS.get(self.target.platform)  # the name the user knows, not the id
        label = info.label if info else self.target.platform
        msg = f"Post {i + 1} may or may not be on {label}: {why}. Look at {look}."
        self.store.mark_post(pid, PostStatus.NEEDS_CHECK, error=why)
        self.store.record_attempt(did, i, AttemptOutcome.NEEDS_CHECK, detail=why)
        self.store.finish_draft(did, self.owner, DraftStatus.NEEDS_CHECK, error=msg[:300])
        hint = f"mktd publish {did} --resolve posted --url URL   or   --resolve not-posted"
        self._notify(did, "needs_check", msg, hint)
        return self.result(did, DraftStatus.NEEDS_CHECK, f"{msg} Then: {hint}")

    def _notify(self, did: str, kind: str, message: str, hint: str) -> None:
        self.store.notify(
            kind,
            f"{self.target.platform} draft {did}",
            message,
            platform=self.target.platform,
            account=self.account,
            hint=hint,
            dedupe_key=f"{kind}:{did}",
        )

    def result(self, did: str, status: str, message: str) -> PublishResult:
        posts = [
            {"segment": r["segment"], "id": r["remote_id"], "url": r["url"], "text": r["text"],
             "created_at": r["published_utc"], "status": r["status"]}
            for r in self.store.draft_posts(did)
        ]  # fmt: skip
        cost = sum(r["cost_usd"] or 0.0 for r in self.store.draft_posts(did))
        return PublishResult(did, self.target.platform, status, posts, message, cost)


def resolve(
    store: StoreLike,
    draft_id: str,
    *,
    posted: bool,
    remote: str | None,
    platform_url: Callable[[str], str],
) -> Draft:
    """A human settled a needs-check: it is there (id or URL), or it is not (resend allowed)."""
    d = store.get_draft(draft_id)
    if d["status"] != DraftStatus.NEEDS_CHECK:
        raise E.UsageError(
            f"Draft {d['id']} is {d['status']}, not needs-check.",
            hint=f"mktd drafts show {d['id']}",
        )
    row = next(
        (r for r in store.draft_posts(d["id"]) if r["status"] == PostStatus.NEEDS_CHECK), None
    )
    # No lease needed: a needs-check draft is refused by every publisher until resolved here.
    if posted:
        if not remote:
            raise E.UsageError("Give the post's URL or id.", hint="--url https://...")
        rid = _id_from(remote)
        if row:
            store.mark_post(row["id"], PostStatus.PUBLISHED, remote_id=rid, url=platform_url(rid))
        remaining = len(d["body"]) - len(
            [r for r in store.draft_posts(d["id"]) if r["status"] == PostStatus.PUBLISHED]
        )
        status = DraftStatus.PUBLISHED if remaining <= 0 else DraftStatus.FAILED
    else:
        if row:
            store.mark_post(row["id"], PostStatus.FAILED, error="not posted (checked by a human)")
        status = DraftStatus.FAILED
    # Only from needs-check: two people resolving at once cannot both win.
    store.update_draft(d["id"], DraftStatus.NEEDS_CHECK, status=status, lease_owner=None)
    store.record_attempt(
        d["id"],
        row["segment"] if row else -1,
        AttemptOutcome.RESOLVED,
        detail=f"{'posted' if posted else 'not posted'} {remote or ''}",
    )
    return store.get_draft(d["id"])


def _id_from(remote: str) -> str:
    import re
    from urllib.parse import unquote

    remote = unquote(remote.strip())
    m = re.search(r"(urn:li:(?:share|ugcPost|activity):\d+)", remote)
    if m:
        return m.group(1)
    m = re.search(r"/status(?:es)?/(\d+)", remote)
    return m.group(1) if m else remote.rstrip("/").rsplit("/", 1)[-1]


def _url_for(platform: str, rid: str) -> str:
    # Kept as the name publishing.resolve_needs_check imports; the URL shape is in the spec.
    return post_url(platform, rid)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def as_dict(result: PublishResult) -> dict[str, Any]:
    return asdict(result)
