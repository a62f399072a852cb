"""The JSON report streamed from each backend's cursor is byte for byte the one built from the
same report's dicts (each post `json.dumps(post)` on its own line, the rest as
`json.dumps(report.to_dict(), indent=2)`), for awkward text and numbers stored in the database:
quotes, backslashes, control characters, non-ASCII and emoji in topics, accounts, people and
URLs; counts beyond 2**53; costs of 1e-07, 0.1 and 1e16; a zero; missing figures; hidden metric
columns; a timeframe without posts (issue 17 item 4)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.cli.test_report_json_bytes import one_line_per_post, reindented

from mktdirector.agents.analytics import report as report_mod
from mktdirector.agents.analytics.report import build_report
from mktdirector.agents.analytics.report_json import write_json
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, PostStatus

NOW = datetime(2027, 2, 1, tzinfo=UTC)
SPAN = "2027-01-01..2027-01-31"
# PostgreSQL's text cannot hold NUL; every other control character is stored as it is.
TEXTS = ['say "hi"', "back\\slash }, {", "ctl \x01\x1f\x7f", "tab\tnew\nline", "café — naïve",
         "emoji 🎉👩‍💻", "%s %(x)s %%", '}, {"draft_id": "fake"', ""]  # fmt: skip
NUMBERS: list[Any] = [2**53 + 1, 0, None, 10**15 + 7, 1, 123456789]
COSTS: list[Any] = [1e-07, 0.1, 1e16, 0.0, None, 0.000123456789]


def _seed(store: StoreLike, add_draft: Callable[..., Draft]) -> None:
    for i, text in enumerate(TEXTS):
        platform = ("linkedin", "twitter")[i % 2]
        d = add_draft(approved=True, topic=text, platform=platform, approved_by=TEXTS[-1 - i])
        remote = f"r:{i}"
        pid = store.write_intent(d["id"], 0, platform=platform, account=text or None,
                                 text="t", reply_to=None)  # fmt: skip
        store.mark_post(pid, PostStatus.PUBLISHED, remote_id=remote,
                        url=f"https://example.com/{i}?q=\"{text}\"" if i % 3 else None,
                        published_utc=f"2027-01-{10 + i:02d}T09:00:00Z",
                        cost_usd=COSTS[i % len(COSTS)])  # fmt: skip
        if i % 4 != 3:  # some posts are never measured
            n = NUMBERS[i % len(NUMBERS)]
            store.add_snapshots([{"platform": platform, "remote_id": remote, "draft_id": d["id"],
                                  "taken_utc": "2027-01-20T00:00:00Z", "impressions": n,
                                  "reach": NUMBERS[(i + 1) % len(NUMBERS)],
                                  "engagements": NUMBERS[(i + 2) % len(NUMBERS)],
                                  "link_clicks": NUMBERS[(i + 3) % len(NUMBERS)]}])  # fmt: skip
        if i % 2:
            store.db["generations"].insert(
                {"id": f"g{i}", "draft_id": d["id"], "cost_usd": COSTS[(i + 1) % len(COSTS)]}
            )
        store.upsert_traffic("p1", [{"date": f"2027-01-{10 + i:02d}", "source": "s",
                                     "medium": "m", "campaign": "c", "ad_content": d["id"],
                                     "landing_page": f"/{i}", "draft_id": d["id"],
                                     "sessions": NUMBERS[i % len(NUMBERS)] or 0,
                                     "key_events": COSTS[i % len(COSTS)] or 0.0}],
                             start=f"2027-01-{10 + i:02d}", end=f"2027-01-{10 + i:02d}",
                             taken="2027-01-30T00:00:00Z")  # fmt: skip


@pytest.fixture(params=[256, 2], ids=["one-batch", "batches-of-2"])
def batch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(report_mod, "_BATCH", request.param)
    return int(request.param)


@pytest.mark.parametrize("metrics", [None, "reach", "leads,clicks"])
@pytest.mark.parametrize("span", [SPAN, "2026-01-01..2026-01-31"], ids=["posts", "no-posts"])
def test_the_streamed_json_is_the_dict_documents_bytes(
    store: StoreLike, add_draft: Callable[..., Draft], batch: int, metrics: str | None, span: str
) -> None:
    _seed(store, add_draft)
    whole = build_report(store, timeframe=span, metrics=metrics, now=NOW).to_dict()
    streamed = build_report(store, timeframe=span, metrics=metrics, now=NOW, posts_stream=True)
    out = io.StringIO()
    assert write_json(streamed, out) == len(whole["posts"]) == (len(TEXTS) if span == SPAN else 0)
    text = out.getvalue()
    assert text == one_line_per_post(whole)
    assert reindented(text) == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
    assert sorted(p["topic"] for p in json.loads(text)["posts"]) == sorted(
        TEXTS if span == SPAN else []
    )
