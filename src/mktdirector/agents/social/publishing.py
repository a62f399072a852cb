"""Entry points for publishing a draft: the real thing, the dry run, and token warnings."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mktdirector.agents.social.publisher import LEASE_S, Publisher, PublishResult, resolve
from mktdirector.agents.social.targets import target_for
from mktdirector.core.errors import MissingCredentialError, UsageError
from mktdirector.store import StoreLike
from mktdirector.store.rows import Draft, DraftStatus, PostStatus

if TYPE_CHECKING:  # annotations only: a `--text` dry run loads no HTTP client (issue 17)
    from mktdirector.integrations.base import Integration


def check_publishable(draft: Mapping[str, Any]) -> None:
    from mktdirector.core.platforms import Capability, with_capability

    if draft["platform"] not in with_capability(Capability.SOCIAL):
        raise UsageError(
            f"Draft {draft['id']} is for {draft['platform']}, not a social network.",
            hint="Emails are sent with mktd email send",
        )


def ledger_account(account: str | None) -> str | None:
    """The account name kept with posts: a token from the environment is no named account."""
    return None if account in (None, "", "env") else account


def remember_account(store: StoreLike, draft: Mapping[str, Any], account: str | None) -> None:
    """Keep on the draft the account it publishes as (an environment token is no account).

    A thread partly published as one account cannot continue as another: its replies would
    hang off someone else's posts.
    """
    account = ledger_account(account)
    if account is None or account == draft.get("account"):
        return
    sent = [p for p in store.draft_posts(draft["id"]) if p["status"] == PostStatus.PUBLISHED]
    if sent and draft.get("account"):
        raise UsageError(
            f"Draft {draft['id']} was partly published as {draft['account']}; it cannot "
            f"continue as {account}.",
            hint=f"mktd publish {draft['id']} --account {draft['account']}",
        )
    store.update_draft(draft["id"], None, account=account)


def settle_account(
    store: StoreLike, client_for: Callable[[str, str | None], Integration], draft_id: str
) -> None:
    """Keep on a draft the account its client resolves to (before scheduling it)."""
    draft = store.get_draft(draft_id)
    remember_account(store, draft, client_for(draft["platform"], draft.get("account")).account)


def token_warning(client: Integration) -> str | None:
    """A warning when the token expires within 7 days (LinkedIn tokens cannot be refreshed);
    an expired one stops here, before anything is claimed or sent."""
    expired = getattr(client, "expired_for_good", lambda: None)()
    if expired:
        raise MissingCredentialError(client.name, expired, hint=f"mktd authorize {client.name}")
    return getattr(client, "expiry_warning", lambda: None)()


def publish_draft(
    store: StoreLike,
    client: Integration,
    draft_id: str,
    *,
    image: str | None = None,
    owner: str | None = None,
    lease_s: float | None = None,
    durable_outcome: bool = True,
    on_published: Callable[[], object] | None = None,
) -> PublishResult:
    """Publish exactly once; the worker passes `owner`/`lease_s` (its job's) for the draft lease,
    and `durable_outcome`/`on_published` (Publisher) to end its job in the draft's last commit."""
    draft = store.get_draft(draft_id)
    check_publishable(draft)
    client.require_connection()
    if image is not None:
        _check_readable(image)  # before the claim: a typo must not mark the draft failed
    from mktdirector.agents.social.numbering import check_fits

    check_fits(draft["platform"], draft["kind"], list(draft["body"]))
    publisher = Publisher(
        store,
        target_for(client),
        # The client's clock: a lost answer's read-back compares it with the platform's stamps.
        clock=client.http.clock.now,
        account=ledger_account(client.account),
        owner=owner,
        lease_s=LEASE_S if lease_s is None else lease_s,
        durable_outcome=durable_outcome,
        on_published=on_published,
    )
    return publisher.publish(draft["id"], image=image)


def dry_run(store: StoreLike, client: Integration, draft_id: str) -> dict[str, Any]:
    """The exact requests that would be sent (secrets masked); sends nothing."""
    draft = store.get_draft(draft_id)
    check_publishable(draft)
    done = {
        r["segment"]: remote
        for r in store.draft_posts(draft["id"])
        if r["status"] == PostStatus.PUBLISHED and (remote := r["remote_id"]) is not None
    }
    from mktdirector.agents.social.numbering import publishable

    plan = dry_run_segments(client, publishable(draft["kind"], list(draft["body"])), done)
    plan.update(
        draft_id=draft["id"],
        status=draft["status"],
        approved=draft["approved_hash"] == draft["content_hash"],
    )
    return plan


def dry_run_segments(
    client: Integration, segments: list[str], done: dict[int, str] | None = None
) -> dict[str, Any]:
    """Requests for a body that may not be saved yet (`mktd social ... --publish --dry-run`)."""
    from mktdirector.core.http import describe_request

    target = target_for(client)
    requests, prev = [], None
    for i, text in enumerate(segments):
        if done and i in done:
            prev = done[i]
            continue
        req = target.dry_run_request(text, reply_to=prev)
        requests.append({"segment": i + 1, **describe_request(req)})
        prev = f"{{id of post {i + 1}}}"
    missing = (
        None
        if client.connection and client.connection.secret()
        else (f"No {client.label} credentials: mktd authorize {client.name}")
    )
    return {
        "platform": client.name,
        "requests": requests,
        "credentials_missing": missing,
        "sent": False,
    }


def resolve_needs_check(
    store: StoreLike, client_platform: str, draft_id: str, *, posted: bool, url: str | None
) -> Draft:
    from mktdirector.agents.social.publisher import _url_for

    return resolve(
        store,
        draft_id,
        posted=posted,
        remote=url,
        platform_url=lambda rid: (
            url if url and url.startswith("http") else _url_for(client_platform, rid)
        ),
    )


def publish_or_queue(
    store: StoreLike, client: Integration, draft_id: str, *, image: str | None = None
) -> PublishResult:
    """Publish now; on a rate limit, queue the draft for `mktd worker` and say when (exit 5)."""
    from mktdirector.core.errors import RateLimitError

    try:
        return publish_draft(store, client, draft_id, image=image)
    except RateLimitError as e:
        due = queue_retry(store, draft_id, platform=client.name, account=client.account,
                          retry_after=e.retry_after, now=client.http.clock.now())  # fmt: skip
        e.hint = f"Queued for {due} (UTC): mktd worker --once publishes it then (mktd queue list)"
        raise


def queue_retry(
    store: StoreLike,
    draft_id: str,
    *,
    platform: str,
    account: str | None,
    retry_after: float | None,
    now: float,
) -> str:
    """A rate-limited publish is not lost: queue it for `mktd worker` at the reset time.

    `now` is the clock the reset was computed with (the client's), so the due time is the reset.
    """
    from datetime import UTC, datetime

    from mktdirector.agents.content import drafts

    wait = retry_after if retry_after is not None else 900.0  # unknown reset: try in 15 min
    due = datetime.fromtimestamp(now + wait, UTC)
    if store.get_draft(draft_id)["status"] == DraftStatus.FAILED:
        drafts.transition(store, draft_id, DraftStatus.APPROVED)
    job = store.schedule_publish(
        draft_id,
        platform=platform,
        account=account,
        due_utc=due.isoformat(timespec="seconds").replace("+00:00", "Z"),
        payload={"reason": "rate_limited"},
    )
    return str(job["due_utc"])


def _check_readable(path: str) -> None:
    from pathlib import Path

    p = Path(path).expanduser()
    if not p.is_file() or not os.access(p, os.R_OK):
        raise UsageError(f"Cannot read the image {p}.", hint="Check the path given to --image")
