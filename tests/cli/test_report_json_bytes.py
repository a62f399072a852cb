"""The streamed JSON report (report_json.write_json: no dict per post, one C-encoder call per
batch, a template holding the keys) is byte for byte the document built from dicts: the
header and tail as `json.dumps(report.to_dict(), indent=2)` gives them and each post as
`json.dumps(post)` on its own line. Re-indented, it is `json.dumps(report.to_dict(),
indent=2)` itself. Awkward values of every kind, hidden metric columns, no posts, and batch
boundaries (issue 17 item 4)."""

from __future__ import annotations

import io
import json
import math
from datetime import date
from typing import Any

import pytest

from mktdirector.agents.analytics import report as report_mod
from mktdirector.agents.analytics.report import METRICS, Report, Timeframe
from mktdirector.agents.analytics.report_json import write_json

COLUMNS = (
    "draft_id", "channel", "account", "published_utc", "topic", "approved_by", "published_by",
    "url", "segments", "measured", "metrics_utc", "impressions", "reach", "engagements",
    "engagement_rate", "link_clicks", "sessions", "key_events", "leads", "llm_cost_usd",
    "api_cost_usd", "cost_usd", "cost_per_engagement", "cost_per_lead",
)  # fmt: skip
TEXTS = [
    'say "hi"', "back\\slash", "nul \x00 and \x01\x1f\x7f", "tab\tnew\nline\r", "café — naïve",
    "emoji 🎉👩‍💻", "lone \ud800 surrogate", "%s %(x)s %% %d", '}, {"draft_id": "fake"',
    "\x00", "", "\u2028\u2029", "null", "true",
]  # fmt: skip
NUMBERS: list[Any] = [
    None, 0, 1, -1, 2**53 + 1, 2**63 - 1, 10**30, 0.1, 1e-07, 1e16, -0.0, 0.0, 1.5e-05,
    1e308, 5e-324, 123456789.123456, math.nan, math.inf, -math.inf, True, False,
]  # fmt: skip
MEASURED = [0, 1, True, False, 2]


def awkward_rows(n: int) -> list[tuple[Any, ...]]:
    """`n` posts whose every column cycles through its own awkward values."""
    rows = []
    for i in range(n):
        row: list[Any] = []
        for j, col in enumerate(COLUMNS):
            k = i * 7 + j
            if col == "measured":
                row.append(MEASURED[k % len(MEASURED)])
            elif col in ("segments", "impressions", "reach", "engagements", "link_clicks",
                         "sessions", "leads") or col.endswith(("_usd", "_rate", "events",
                                                              "engagement", "lead")):  # fmt: skip
                row.append(NUMBERS[k % len(NUMBERS)])
            else:
                row.append(None if k % 9 == 4 else TEXTS[k % len(TEXTS)] + f" {i}")
        rows.append(tuple(row))
    return rows


def report_of(rows: list[tuple[Any, ...]], metrics: list[str], *, streamed: bool) -> Report:
    posts = [{**dict(zip(COLUMNS, r, strict=True)), "measured": bool(r[9])} for r in rows]
    total: dict[str, Any] = {"channel": "all", "posts": len(rows), "impressions": 10**20,
                             "engagement_rate": 1e-07, "key_events": -0.0, "leads": None}  # fmt: skip
    return Report(
        timeframe=Timeframe("1d", date(2027, 1, 1), date(2027, 1, 1)),
        channels=["linkedin", "email"],
        metrics=metrics,
        generated_utc="2027-01-01T00:00:00Z",
        rank_by="engagements",
        totals=total,
        by_channel=[{**total, "channel": 'li"n\\k'}],
        posts=[] if streamed else posts,
        top=posts[:2],
        bottom=posts[-1:],
        trend=[{"date": "2027-01-01", "posts": 0, "by_channel": {"linkedin": 0}}],
        summary='a summary — with "quotes" and \x01',
        notes=["note 🎉"],
        stream=iter(rows) if streamed else None,
        stream_columns=COLUMNS if streamed else (),
    )


def one_line_per_post(d: dict[str, Any]) -> str:
    """The reference layout, from the dicts: json.dumps(d, indent=2) with each post on one line."""
    mark = "\x00the posts\x00"
    head, tail = json.dumps({**d, "posts": mark}, indent=2, ensure_ascii=False).split(
        json.dumps(mark, ensure_ascii=False)
    )
    lines = ",\n    ".join(json.dumps(p, ensure_ascii=False) for p in d["posts"])
    return head + (f"[\n    {lines}\n  ]" if d["posts"] else "[]") + tail + "\n"


def reindented(text: str) -> str:
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(params=[256, 3, 1], ids=["one-batch", "batches-of-3", "batches-of-1"])
def batch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(report_mod, "_BATCH", request.param)
    return int(request.param)


@pytest.mark.parametrize("metrics", [list(METRICS), ["reach"], ["leads", "clicks"]])
@pytest.mark.parametrize("n", [0, 1, 7, 40])
def test_streamed_json_is_the_dict_documents_bytes(batch, metrics, n):
    rows = awkward_rows(n)
    whole = report_of(rows, metrics, streamed=False).to_dict()
    out = io.StringIO()
    assert write_json(report_of(rows, metrics, streamed=True), out) == n
    text = out.getvalue()
    assert text == one_line_per_post(whole)
    # NaN never equals itself, so the documents are compared as text: re-indented, the stream
    # is json.dumps(report.to_dict(), indent=2) byte for byte.
    assert reindented(text) == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
    hidden = {f for fs in METRICS.values() for f in fs} - {f for m in metrics for f in METRICS[m]}
    for post in json.loads(text)["posts"]:
        assert list(post) == [c for c in COLUMNS if c not in hidden]
        assert isinstance(post["measured"], bool)


def test_every_awkward_value_really_occurs():
    # The generator must reach each value, or the test above proves less than it says.
    rows = awkward_rows(40)
    seen = {repr(v) for r in rows for v in r}
    assert all(repr(v) in seen for v in NUMBERS + MEASURED)
    assert all(any(isinstance(v, str) and v.startswith(t) for r in rows for v in r) for t in TEXTS)


def test_the_non_streamed_report_is_json_dumps_indent_2():
    rep = report_of(awkward_rows(5), list(METRICS), streamed=False)
    out = io.StringIO()
    assert write_json(rep, out) == 5
    assert out.getvalue() == json.dumps(rep.to_dict(), indent=2, ensure_ascii=False) + "\n"
