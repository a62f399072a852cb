"""`mktd report` at scale (issue 17 item 4): CSV and JSON stream every post from a cursor, the
table shows the top N with a count of the rest, and totals always count every post."""

from __future__ import annotations

import csv
import io
import json
from types import GeneratorType
from typing import Any

from tests.web.test_posts_paging import seed

from mktdirector.agents.analytics.report import build_report
from mktdirector.agents.analytics.report_json import write_json

N = 7


def test_csv_streams_every_post_in_published_order(cli, store):
    ids = seed(store, N)
    r = cli("report", "--format", "csv", "--timeframe", "7d")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [row["draft_id"] for row in rows] == ids


def test_json_streamed_is_the_same_document_as_built_at_once(cli, store):
    seed(store, N)
    r = cli("report", "--json", "--timeframe", "7d")
    assert r.exit_code == 0, r.stderr
    streamed = json.loads(r.stdout)
    whole = build_report(store, timeframe="7d").to_dict()
    streamed["generated_utc"] = whole["generated_utc"]
    assert streamed == whole and len(streamed["posts"]) == N


def test_a_streamed_report_holds_no_list_of_posts(store):
    seed(store, N)
    rep = build_report(store, timeframe="7d", posts_stream=True)
    assert rep.posts == [] and isinstance(rep.stream, GeneratorType)
    assert rep.totals["posts"] == N  # the totals were summed in SQL, before any row was read
    out = io.StringIO()
    assert write_json(rep, out) == N
    assert json.loads(out.getvalue())["posts"][0]["topic"] == "topic 000"


def test_an_empty_streamed_report_is_valid_json(cli):
    r = cli("report", "--json", "--timeframe", "7d")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["posts"] == []


def test_the_table_shows_the_top_n_and_counts_the_rest(cli, store):
    seed(store, N)
    r = cli("report", "--timeframe", "7d", "--top", "3", env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.stderr
    out = r.stdout + r.stderr
    assert "Top 3 posts by" in out and "and 4 more posts; --format csv for all" in out
    shown = [t for t in (f"topic {i:03d}" for i in range(N)) if t in out]
    assert shown == ["topic 004", "topic 005", "topic 006"]  # the best engagements
    rep: Any = build_report(store, timeframe="7d", posts_limit=3, posts_order="rank")
    assert rep.totals["posts"] == N and len(rep.posts) == 3


def test_streamed_csv_to_an_unwritable_path_is_one_clean_error(cli, store):
    seed(store, 2)
    r = cli("report", "--format", "csv", "-o", "/nope/dir/report.csv")
    assert r.exit_code == 2 and "Cannot write /nope/dir/report.csv" in r.stderr


def test_streamed_csv_to_a_file_says_how_many_posts(cli, store, tmp_path):
    seed(store, N)
    target = tmp_path / "r.csv"
    r = cli("report", "--format", "csv", "--timeframe", "7d", "-o", str(target))
    assert r.exit_code == 0, r.stderr
    assert f"({N} post(s), 7d)" in r.stdout + r.stderr
    assert len(target.read_text().splitlines()) == N + 1


def test_top_must_be_positive(cli):
    r = cli("report", "--top", "0")
    assert r.exit_code == 2
