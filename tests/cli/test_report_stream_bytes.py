"""Streamed CSV and JSON (rows as tuples from the cursor, written in batches) are byte for byte
what the posts held as dicts give, also for topics that look like the JSON split point, and
across batch boundaries; secrets in them are still masked (issue 17 item 4)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from tests.web.test_posts_paging import seed

from mktdirector.agents.analytics import report as report_mod
from mktdirector.agents.analytics.report import build_report, to_csv, write_csv
from mktdirector.agents.analytics.report_json import write_json

N = 7
# Topics a naive writer would break: the JSON boundary itself, quotes, commas, newlines, unicode.
HOSTILE = [
    '}, {"draft_id": "fake", "x": 1',
    'say "hi", then leave',
    "line one\nline two",
    "café — naïve ✓",
    "back\\slash },{",
    "",
    "plain",
]
SECRET = "sk-live0123456789abcdef"


@pytest.fixture
def hostile(store: Any) -> list[str]:
    ids = seed(store, N)
    for draft_id, topic in zip(ids, HOSTILE, strict=True):
        store.db.conn.execute("update drafts set topic = ? where id = ?", [topic, draft_id])
    store.db.conn.commit()
    return ids


@pytest.fixture(params=[256, 3, 1], ids=["one-batch", "batches-of-3", "batches-of-1"])
def batch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(report_mod, "_BATCH", request.param)
    return int(request.param)


def _old_csv(posts: list[dict[str, Any]], cols: list[str]) -> str:
    """The CSV as the dict-per-row writer wrote it before the tuple path."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for p in posts:
        w.writerow([p.get(c) for c in cols])
    return buf.getvalue()


@pytest.mark.parametrize("metrics", [None, "reach", "leads,clicks"])
def test_streamed_csv_is_byte_for_byte_the_dict_csv(store, hostile, batch, metrics):
    whole = build_report(store, timeframe="7d", metrics=metrics)
    streamed = build_report(store, timeframe="7d", metrics=metrics, posts_stream=True)
    out = io.StringIO()
    assert write_csv(streamed, out) == N
    header = to_csv(whole).splitlines()[0].split(",")
    assert out.getvalue() == to_csv(whole) == _old_csv(whole.posts, header)
    assert [r["topic"] for r in csv.DictReader(io.StringIO(out.getvalue()))] == HOSTILE


@pytest.mark.parametrize("metrics", [None, "reach"])
def test_streamed_json_posts_are_the_one_line_dumps_of_each_post(store, hostile, batch, metrics):
    whole = build_report(store, timeframe="7d", metrics=metrics).to_dict()
    streamed = build_report(store, timeframe="7d", metrics=metrics, posts_stream=True)
    out = io.StringIO()
    assert write_json(streamed, out) == N
    text = out.getvalue()
    lines = ",\n    ".join(json.dumps(p, ensure_ascii=False) for p in whole["posts"])
    assert '  "posts": [\n    ' + lines + "\n  ],\n" in text
    doc = json.loads(text)
    doc["generated_utc"] = whole["generated_utc"]
    assert doc == whole and [p["topic"] for p in doc["posts"]] == HOSTILE
    assert all(p["measured"] is True for p in doc["posts"])


def test_streamed_iter_posts_gives_dicts_like_the_list(store, hostile):
    whole = build_report(store, timeframe="7d")
    streamed = build_report(store, timeframe="7d", posts_stream=True)
    assert list(streamed.iter_posts()) == whole.posts


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_secret_in_a_streamed_report_is_masked(cli, store, hostile, batch, fmt):
    store.db.conn.execute("update drafts set topic = ? where id = ?", [f"key {SECRET}", hostile[3]])
    store.db.conn.commit()
    r = cli("report", "--format", fmt, "--timeframe", "7d")
    assert r.exit_code == 0, r.stderr
    assert SECRET not in r.stdout and "topic" in r.stdout


@pytest.fixture
def aggregates(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every sum/ranking/day query the report ran (by the store method that runs it)."""
    from mktdirector.store.sqlite.reporting import ReportingMixin

    calls: list[str] = []
    for name in ("_report_from_temp", "report_daily_traffic", "report_daily_leads"):
        real = getattr(ReportingMixin, name)

        def counting(self: Any, *a: Any, _real: Any = real, _name: str = name, **k: Any) -> Any:
            calls.append(_name)
            return _real(self, *a, **k)

        monkeypatch.setattr(ReportingMixin, name, counting)
    return calls


def test_a_csv_reads_only_the_posts_and_is_the_same_bytes(cli, store, hostile, aggregates):
    whole = to_csv(build_report(store, timeframe="7d"))
    aggregates.clear()
    r = cli("report", "--format", "csv", "--timeframe", "7d")
    assert r.exit_code == 0, r.stderr
    assert aggregates == []  # no totals, rankings or days: the CSV has none
    assert r.stdout == whole
    only = build_report(store, timeframe="7d", posts_stream=True, posts_only=True)
    out = io.StringIO()
    assert write_csv(only, out) == N and out.getvalue() == whole
    assert only.trend == [] and only.top == [] and only.totals["posts"] == 0


def test_json_still_computes_every_sum(cli, store, hostile, aggregates):
    r = cli("report", "--json", "--timeframe", "7d")
    assert r.exit_code == 0, r.stderr
    assert sorted(set(aggregates)) == ["_report_from_temp", "report_daily_leads",
                                       "report_daily_traffic"]  # fmt: skip
    assert json.loads(r.stdout)["totals"]["posts"] == N


def test_a_csv_is_one_statement_that_writes_no_temp_table(store, hostile):
    # A CSV needs the posts only: one SELECT streamed from the cursor, no temp table written
    # and read again (issue 17 item 4). The statements are what SQLite itself was sent.
    whole = to_csv(build_report(store, timeframe="7d"))
    sent: list[str] = []
    store.db.conn.set_trace_callback(sent.append)
    try:
        only = build_report(store, timeframe="7d", posts_stream=True, posts_only=True)
        out = io.StringIO()
        write_csv(only, out)
    finally:
        store.db.conn.set_trace_callback(None)
    assert out.getvalue() == whole
    selects = [s for s in sent if not s.lstrip().lower().startswith("pragma")]
    assert len(selects) == 1 and "temp" not in selects[0].lower(), sent
