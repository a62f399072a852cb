"""Issue 11's "done when" for the wrong-results half: one sandbox session with a duplicate, two
accounts on X, an edited thread and a rate limit, after which `mktd report`'s numbers equal the
sandbox's own counts (its posts, and the metrics its API reports for them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from mktdirector.core.credentials import Connection
from mktdirector.sandbox import Sandbox
from mktdirector.sandbox import env as sbenv
from mktdirector.wiring import Deps

X_TOKEN = next(t for t, v in sbenv.STATIC_TOKENS.items() if v[0] == "x" and v[3] == "user")
LI_TOKEN = next(t for t, v in sbenv.STATIC_TOKENS.items() if v[0] == "linkedin")
THREAD = "\n---\n".join(f"Part {n}: one idea of the launch, worth reading alone." for n in "ABCDE")


@pytest.fixture
def sb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """The sandbox without ready tokens in the environment: accounts are stored, by name."""
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as s:
        for k, v in s.env(tokens=False).items():
            monkeypatch.setenv(k, v)
        yield s


def _connect(platform: str, account: str, token: str, user: str, name: str) -> None:
    deps = Deps()
    deps.credentials.save(Connection(platform, account=account, access_token=token,
                                     user_id=user, extra={"username": name}))  # fmt: skip
    deps.close()


def _ok(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


def _live(sb: Sandbox, platform: str) -> list[dict[str, Any]]:
    return [p for p in sb.state()["posts"].get(platform, []) if not p["deleted"]]


def _li_count(sb: Sandbox, urn: str, metric: str) -> int:
    """The sandbox's own LinkedIn analytics for one post (memberCreatorPostAnalytics)."""
    entity = f"(share:{quote(urn, safe='')})"
    r = httpx.get(
        f"{sb.url}/linkedin/rest/memberCreatorPostAnalytics?q=entity&entity={entity}"
        f"&queryType={metric}&aggregation=TOTAL",
        headers={"Authorization": f"Bearer {LI_TOKEN}", "LinkedIn-Version": "202601",
                 "X-Restli-Protocol-Version": "2.0.0"},
        timeout=10,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    return int(r.json()["elements"][0]["count"])


def _x_metrics(sb: Sandbox, ids: list[str]) -> dict[str, dict[str, Any]]:
    """What the sandbox's own X API says about the posts (owner fields: they are < 30 days)."""
    r = httpx.get(
        f"{sb.url}/x/2/tweets",
        params={"ids": ",".join(ids), "tweet.fields": "public_metrics,non_public_metrics"},
        headers={"Authorization": f"Bearer {X_TOKEN}"},
        timeout=10,
    )
    return {t["id"]: t for t in r.json()["data"]}


@pytest.mark.slow  # a real sandbox server and a dozen commands
def test_report_equals_the_platforms_counts_after_an_honest_session(sb: Sandbox, cli: Any) -> None:
    assert cli("init").exit_code == 0
    x_user, li_member = sbenv.X_USER, sbenv.LINKEDIN_MEMBER
    for account in ("work", "home"):  # two names for the sandbox's X user, as an agency would
        _connect("twitter", account, X_TOKEN, x_user["id"], x_user["username"])
    _connect("linkedin", "brand", LI_TOKEN, f"urn:li:person:{li_member['sub']}", "Sandy")

    # Two X accounts and no choice: a clear error naming them; nothing is sent.
    ambiguous = cli("social", "twitter", "--text", "Which account am I?", "--publish", "--yes")
    assert ambiguous.exit_code == 3 and "home, work" in ambiguous.stderr
    assert _live(sb, "x") == []
    both = [r for r in _ok(cli("test-integrations", "--json")) if r["platform"] == "twitter"]
    assert [(r["account"], r["status"]) for r in both] == [("home", "connected"),
                                                           ("work", "connected")]  # fmt: skip

    # Each account publishes as itself; the default comes from config.
    assert cli("config", "set", "twitter.account", "work").exit_code == 0
    first = _ok(cli("social", "twitter", "--text", "Launch day is here.", "--publish", "--yes",
                    "--json"))  # fmt: skip
    _ok(cli("social", "twitter", "--text", "Behind the scenes of the launch.", "--publish",
            "--yes", "--account", "home", "--json"))  # fmt: skip
    with closing(Deps().store) as store:  # closed: on PostgreSQL it holds a connection
        accounts = {p["text"]: p["account"] for p in store.published_posts(platform="twitter")}
    assert accounts == {"Launch day is here.": "work", "Behind the scenes of the launch.": "home"}

    # A duplicate from a new draft is refused, naming the post and draft; nothing is adopted.
    dup = cli("social", "twitter", "--text", "Launch day is here.", "--publish", "--yes", "--new")
    assert dup.exit_code == 1, dup.stdout + dup.stderr
    assert first["draft_id"] in dup.stderr and first["id"] in dup.stderr
    li = ("social", "linkedin", "--text", "Same words twice", "--publish", "--yes")
    _ok(cli(*li, "--json"))
    li_dup = cli(*li, "--new")
    assert li_dup.exit_code == 1 and "Published" not in li_dup.stdout

    # A five-part thread with part C deleted in an edit publishes 1/4 .. 4/4.
    thread_file = Path("thread.md")
    thread_file.write_text(THREAD)
    draft = _ok(cli("social", "twitter", "--text-file", str(thread_file), "--json"))
    from mktdirector.agents.content import drafts

    deps = Deps()
    text = drafts.body_to_text(deps.store.get_draft(draft["id"]))
    kept = [p for p in text.split("\n---\n") if not p.startswith("Part C")]
    drafts.edit_draft(deps.store, deps.brand(), draft["id"], "\n---\n".join(kept))
    deps.close()
    assert cli("drafts", "approve", draft["id"], "--yes").exit_code == 0
    _ok(cli("publish", draft["id"], "--yes", "--json"))
    numbers = [p["text"].rsplit(" ", 1)[-1] for p in _live(sb, "x") if p["text"].startswith("Part")]
    assert numbers == ["1/4", "2/4", "3/4", "4/4"]

    # A rate limit on creating posts queues the post (exit 5) and does not stop metric reads.
    sb.set_faults("x.create:429=900@1")
    limited = cli("social", "twitter", "--text", "Rate limited for now.", "--publish", "--yes")
    assert limited.exit_code == 5, limited.stdout + limited.stderr
    sb.set_faults(None)
    sb.advance(20 * 86400)  # the engagement curves level off: numbers hold still while we read
    fetched = _ok(cli("analytics", "fetch", "--json"))
    assert {(r["platform"], r["account"]) for r in fetched} == {
        ("twitter", "work"), ("twitter", "home"), ("linkedin", "brand")}  # fmt: skip
    assert all(r["exit_code"] == 0 and not r["errors"] for r in fetched), fetched

    report = _ok(cli("report", "--timeframe", "30d", "--channels", "twitter,linkedin", "--json"))
    x_posts, li_posts = _live(sb, "x"), _live(sb, "linkedin")
    by_channel = {c["channel"]: c for c in report["by_channel"]}
    assert by_channel["twitter"]["posts"] == 3  # two posts and one thread; no duplicate
    assert sum(p["segments"] for p in report["posts"] if p["channel"] == "twitter") == len(x_posts)
    assert by_channel["linkedin"]["posts"] == len(li_posts) == 1
    truth = _x_metrics(sb, [p["id"] for p in x_posts])
    impressions = sum(t["non_public_metrics"]["impression_count"] for t in truth.values())
    engagements = sum(t["non_public_metrics"]["engagements"] for t in truth.values())
    assert by_channel["twitter"]["impressions"] == impressions > 0
    assert by_channel["twitter"]["engagements"] == engagements > 0
    [li_post] = li_posts
    assert by_channel["linkedin"]["impressions"] == _li_count(sb, li_post["urn"], "IMPRESSION")
    assert by_channel["linkedin"]["reach"] == _li_count(sb, li_post["urn"], "MEMBERS_REACHED")
    with closing(Deps().store) as store:
        snapshots = store.latest_snapshots()
    assert len({(s["platform"], s["remote_id"]) for s in snapshots}) == len(x_posts) + 1
