"""Pull engagement of published posts back into metric snapshots."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from mktdirector.core.errors import ConfigError, IntegrationError
from mktdirector.integrations.capabilities import PostMetricsSource
from mktdirector.store import StoreLike
from mktdirector.store.rows import Post

BATCH = 100  # X: up to 100 ids per GET /2/tweets


@dataclass
class FetchResult:
    platform: str
    posts: int = 0
    snapshots: int = 0
    skipped: str | None = None  # why nothing could be fetched (told once, not per post)
    errors: list[str] = field(default_factory=list)
    # The exit code of the first failed call (README: 3 config, 4 auth, 5 rate limited,
    # 6 upstream); 0 when every call answered. "Cannot read analytics at all" is `skipped`.
    exit_code: int = 0
    account: str | None = None  # the account whose posts these are (None: env token / legacy)

    @property
    def name(self) -> str:
        """`twitter` or `twitter (work)`: how the user tells two accounts' results apart."""
        return f"{self.platform} ({self.account})" if self.account else self.platform

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fetch_metrics(
    store: StoreLike,
    client: PostMetricsSource,
    *,
    since_utc: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    posts: Sequence[Mapping[str, Any]] | None = None,
) -> FetchResult:
    """Snapshot the metrics of `posts` (default: every published post since `since_utc`)."""
    if posts is None:
        posts = store.published_posts(platform=client.name, since_utc=since_utc)
    result = FetchResult(client.name, posts=len(posts))
    by_remote = {str(rid): p for p in posts if (rid := p["remote_id"])}  # published: all have one
    ids = list(by_remote)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        try:
            rows = client.get_metrics(batch)
        except ConfigError as e:
            # The app cannot read analytics at all: say it once, keep the reason.
            result.skipped = e.message
            store.notify(
                "analytics_unavailable",
                f"{client.label} analytics",
                e.message,
                severity="warning",
                platform=client.name,
                hint=e.hint,
                dedupe_key=f"analytics_unavailable:{client.name}",
            )
            return result
        except IntegrationError as e:
            result.errors.append(e.message)
            result.exit_code = int(e.exit_code)
            break
        snaps = []
        for row in rows:
            post = by_remote.get(row.post_id)
            d = row.to_dict()
            d.update(
                remote_id=row.post_id,
                taken_utc=row.fetched_at,
                draft_id=post["draft_id"] if post else None,
                post_row_id=post["id"] if post else None,
            )
            snaps.append(d)
        result.snapshots += store.add_snapshots(snaps)
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    return result


def post_analytics(store: StoreLike, client: PostMetricsSource, remote_id: str) -> dict[str, Any]:
    """Fresh metrics for one post (fetched now and stored), as a plain dict."""
    rows = client.get_metrics([remote_id])
    if not rows:
        return {"platform": client.name, "post_id": remote_id, "available": False}
    post = next(
        (p for p in store.published_posts(platform=client.name) if p["remote_id"] == remote_id),
        None,
    )
    d = rows[0].to_dict()
    d.update(
        remote_id=remote_id,
        taken_utc=rows[0].fetched_at,
        draft_id=post["draft_id"] if post else None,
        post_row_id=post["id"] if post else None,
    )
    store.add_snapshots([d])
    out = rows[0].to_dict()
    out.pop("raw", None)
    out["available"] = True
    return out


def posts_by_account(
    store: StoreLike, platform: str, *, since_utc: str | None = None, account: str | None = None
) -> list[tuple[str | None, list[Post]]]:
    """The platform's published posts grouped by the account that published them.

    Each group is read with its own account's token (a post of one account is not readable as
    another's owner). Posts without an account (published with an environment token) form the
    None group. `account` keeps only that account's posts. With no posts at all, one empty
    group: the caller still checks the connection.
    """
    groups: dict[str | None, list[Post]] = {}
    for post in store.published_posts(platform=platform, since_utc=since_utc):
        owner = post.get("account")
        owner = None if owner in (None, "", "env") else owner
        if account is None or owner == account:
            groups.setdefault(owner, []).append(post)
    return list(groups.items()) or [(account, [])]


def fetch_all(
    store: StoreLike,
    client_for: Callable[[str, str | None], Any],
    platforms: Sequence[str],
    *,
    since_utc: str | None = None,
    account: str | None = None,
    progress: Callable[[str], Any] | None = None,
) -> list[FetchResult]:
    """`mktd analytics fetch`: every platform's posts, each account's with its own client.

    `client_for(platform, account)` builds a client; `progress(label)` gives a context manager
    yielding a tick callback (the CLI's progress bar). A client that cannot be built (two
    accounts and no choice) is a failed result with its exit code, not a crash.
    """
    from contextlib import nullcontext

    from mktdirector.core.errors import MktdError

    results: list[FetchResult] = []
    unknown: list[FetchResult] = []  # `--account A` on a platform that has no account A
    for pid in platforms:
        for owner, posts in posts_by_account(store, pid, since_utc=since_utc, account=account):
            try:
                client = client_for(pid, owner)
            except MktdError as e:
                failed = FetchResult(pid, posts=len(posts), account=owner, errors=[e.message])
                failed.exit_code = int(e.exit_code)
                (unknown if account and not posts else results).append(failed)
                continue
            if client.connection is None and not posts:
                continue
            from mktdirector.integrations.capabilities import as_post_metrics_source

            bar = progress(f"{client.label} metrics") if progress else nullcontext(None)
            with bar as tick:
                source = as_post_metrics_source(client)
                res = fetch_metrics(store, source, posts=posts, progress=tick)
            res.account = owner
            results.append(res)
    # An account of one platform named without --platform: the others are not errors, unless
    # no platform has it at all (a typo must not look like "nothing to fetch").
    return results or unknown
