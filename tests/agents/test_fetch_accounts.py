"""`mktd analytics fetch` with two accounts on a platform (issue 11 item 2): each account's
posts are read with its own client, each post once; an unknown --account is an error."""

from __future__ import annotations

from typing import Any

import pytest

from mktdirector.agents.analytics.social import fetch_all
from mktdirector.core.errors import MissingCredentialError
from mktdirector.integrations.social import MetricRow
from mktdirector.store.rows import PostStatus


class FakeX:
    name, label = "twitter", "X"

    def __init__(self, account: str | None, asked: list[tuple[str | None, list[str]]]) -> None:
        self.account, self.asked, self.connection = account, asked, object()

    def require_connection(self) -> Any:
        return self.connection

    def get_metrics(self, ids: list[str], /) -> list[MetricRow]:
        self.asked.append((self.account, list(ids)))
        return [MetricRow("twitter", i, "2026-12-05T00:00:00Z", impressions=10) for i in ids]


def _post(store, remote: str, account: str | None) -> None:  # type: ignore[no-untyped-def]
    from mktdirector.agents.content import drafts
    from mktdirector.agents.content.brand import Brand

    did = drafts.create_draft(store, Brand(), platform="twitter", kind="post", body=[remote],
                              utm=False).id  # fmt: skip
    pid = store.write_intent(did, 0, platform="twitter", account=account, text=remote,
                             reply_to=None)  # fmt: skip
    store.mark_post(pid, PostStatus.PUBLISHED, remote_id=remote, url=f"https://x.com/i/{remote}")


@pytest.fixture
def posts(store):  # type: ignore[no-untyped-def]
    _post(store, "101", "work")
    _post(store, "102", "work")
    _post(store, "201", "home")
    _post(store, "301", None)  # published with an environment token
    return store


def test_each_accounts_posts_are_read_with_its_own_client(posts) -> None:  # type: ignore[no-untyped-def]
    asked: list[tuple[str | None, list[str]]] = []
    results = fetch_all(posts, lambda p, a: FakeX(a, asked), ["twitter"])
    assert sorted(asked, key=str) == sorted(
        [("work", ["101", "102"]), ("home", ["201"]), (None, ["301"])], key=str
    )
    assert sum(r.snapshots for r in results) == 4 and all(r.exit_code == 0 for r in results)
    assert {r.name for r in results} == {"twitter (work)", "twitter (home)", "twitter"}


def test_account_option_reads_only_that_accounts_posts(posts) -> None:  # type: ignore[no-untyped-def]
    asked: list[tuple[str | None, list[str]]] = []
    fetch_all(posts, lambda p, a: FakeX(a, asked), ["twitter"], account="home")
    assert asked == [("home", ["201"])]


def test_an_account_no_platform_has_is_an_error_not_nothing(posts) -> None:  # type: ignore[no-untyped-def]
    def client_for(platform: str, account: str | None) -> FakeX:
        raise MissingCredentialError(
            platform, f"No account named {account!r}; connected: home, work."
        )

    results = fetch_all(posts, client_for, ["twitter", "linkedin"], account="wrok")
    assert results and all(r.exit_code == 3 for r in results)
    assert "home, work" in results[0].errors[0]
