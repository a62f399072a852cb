"""Tables fit the terminal with every column (issue 11, rough edges): wrap text, never drop.

At 80 columns rich squeezed `queue list`'s status and `drafts list`'s error count to nothing
and cropped `report`'s leads and cost. The layout is planned in cli/_table.py; these tests run
the real commands at 80, 100 and 120 columns and look for every header and every value.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mktdirector.cli import _table

# The captures kept in the repository; a run writes its own beside its temp files, and
# KEEP_TEST_ARTIFACTS=1 refreshes the kept ones (their ids and times change every run).
ARTIFACTS = Path(__file__).parent / "artifacts"


def test_a_table_that_fits_keeps_its_natural_widths() -> None:
    fitted = _table.plan(["id", "text"], [["a", "hello"]], free_text=[1], width=80)
    assert fitted is not None and fitted.widths == [2, 5]


def test_free_text_wraps_before_anything_else_changes() -> None:
    ulid = "01M92JFV925VDXRVDMCEZ6VNV9"
    fitted = _table.plan(["id", "preview"], [[ulid, "word " * 30]], free_text=[1], width=60)
    assert fitted is not None
    assert fitted.cells[0][0] == ulid  # the id is whole while the text can wrap
    assert sum(fitted.widths) + _table.overhead(2) <= 60
    assert fitted.widths[1] >= _table.COMFORTABLE


def test_ids_shorten_to_their_tail_when_text_would_be_squeezed() -> None:
    ulid = "01M92JFV925VDXRVDMCEZ6VNV9"
    cells = [[ulid, "Sun 06 Dec 09:00 UTC", "linkedin", "queued", "word " * 12]]
    fitted = _table.plan(["draft", "when", "what", "status", "preview"], cells, free_text=[4],
                         width=80)  # fmt: skip
    assert fitted is not None
    assert fitted.cells[0][0] == ulid[-8:]
    assert fitted.cells[0][3] == "queued"
    assert sum(fitted.widths) + _table.overhead(5) <= 80


def test_nothing_fits_side_by_side_so_rows_stack() -> None:
    cells = [["x" * 30, "y" * 30, "z" * 30]]
    assert _table.plan(["a", "b", "c"], cells, free_text=[], width=60) is None


def test_column_groups_repeat_the_keys_and_keep_every_column() -> None:
    heads = ["channel", *[f"metric{i}" for i in range(12)]]
    cells = [["LinkedIn", *[f"{i * 1000:,}" for i in range(12)]]]
    groups = _table.column_groups(heads, cells, keys=[0], free_text=[], width=80)
    assert len(groups) > 1
    shown = [i for cols, _ in groups for i in cols if i != 0]
    assert sorted(shown) == list(range(1, 13))
    for cols, fitted in groups:
        assert cols[0] == 0
        assert sum(fitted.widths) + _table.overhead(len(cols)) <= 80


@pytest.fixture
def busy_home(cli: Any, home: Path) -> dict[str, list[str]]:
    """Three scheduled LinkedIn drafts and one X draft, made through the CLI."""
    ids = []
    for i in range(3):
        r = cli("social", "linkedin", "--text", f"Post number {i} about measuring AI ROI with a "
                "longer preview text that goes on", "--json")  # fmt: skip
        import json

        ids.append(json.loads(r.stdout)["id"])
        cli("drafts", "approve", ids[-1], "--yes")
        cli("schedule", ids[-1], "--at", "tomorrow 9:00")
    cli("social", "twitter", "--text", "A thread about things https://example.com/x")
    return {"scheduled": ids}


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_queue_and_drafts_lists_show_every_column(
    cli: Any, busy_home: dict[str, list[str]], columns: int
) -> None:
    env = {"COLUMNS": str(columns)}
    queue = cli("queue", "list", env=env).stdout
    drafts = cli("drafts", "list", env=env).stdout
    for out, headers in ((queue, ["draft", "when", "what", "status", "preview"]),
                         (drafts, ["id", "status", "what", "err", "preview"])):  # fmt: skip
        assert all(len(line) <= columns for line in out.splitlines()), out
        for h in headers:
            assert h in out, (h, out)
    assert queue.count("queued") == 3
    assert drafts.count("scheduled") == 3 and "draft" in drafts
    for did in busy_home["scheduled"]:
        assert did[-8:] in queue and did[-8:] in drafts


@pytest.mark.parametrize("columns", [80, 120])
def test_report_shows_every_figure_and_the_whole_timeframe(
    cli: Any, home: Path, columns: int
) -> None:
    report_home(home)
    out = cli("report", "-t", "2026-04-01..2026-06-30", env={"COLUMNS": str(columns)}).stdout
    assert all(len(line) <= columns for line in out.splitlines()), out
    for header in ("channel", "posts", "eng.", "impr.", "clicks", "sessions", "leads", "cost"):
        assert header in out, (header, out)
    assert "$/lead" in out and "total 2" in out  # the last columns and the sparkline totals
    assert "topic 8" in out  # topics are not cut to "topi…"


def report_home(home: Path) -> None:
    """20 published posts over 90 days, with metrics, traffic and leads (the benchmark's data)."""
    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    try:
        import report_scale
    finally:
        sys.path.pop(0)
    from mktdirector.core import paths

    db = paths.db_path(home)
    db.unlink(missing_ok=True)
    report_scale.generate(db, 2000, per_post=100)


@pytest.mark.slow  # a real terminal: tmux, an 80-column pane, the installed mktd
def test_an_80_column_terminal_shows_every_column(
    cli: Any, busy_home: dict[str, list[str]], home: Path, tmp_path: Path
) -> None:
    tmux = shutil.which("tmux")
    if tmux is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    mktd = Path(sys.executable).with_name("mktd")
    report_dir = tmp_path / "report-home"
    report_dir.mkdir()
    report_home(report_dir)
    session = f"mktd-tables-{time.monotonic_ns()}"
    keep = ARTIFACTS if os.environ.get("KEEP_TEST_ARTIFACTS") == "1" else tmp_path
    commands = {
        "queue-list": f"MKTD_HOME={home} {mktd} queue list",
        "drafts-list": f"MKTD_HOME={home} {mktd} drafts list",
        "report": f"MKTD_HOME={report_dir} {mktd} report -t 2026-04-01..2026-06-30",
    }
    for name, command in commands.items():
        done = tmp_path / f"{name}.done"
        subprocess.run([tmux, "new-session", "-d", "-s", session, "-x", "80", "-y", "200",
                        f"env -u COLUMNS -u LINES {command}; touch {done}; sleep 30"],
                       check=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not done.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert done.exists(), f"{name} did not finish in 60 s"
            screen = subprocess.run([tmux, "capture-pane", "-p", "-t", session, "-S", "-200"],
                                    capture_output=True, text=True, check=True).stdout  # fmt: skip
        finally:
            subprocess.run([tmux, "kill-session", "-t", session], check=False)
        text = "\n".join(line.rstrip() for line in screen.rstrip().splitlines())
        (keep / f"{name}-80col.txt").write_text(text + "\n", encoding="utf-8")
        assert all(len(line) <= 80 for line in text.splitlines())
        wanted = {
            "queue-list": ["draft", "when", "what", "status", "preview", "queued"],
            "drafts-list": ["id", "status", "what", "err", "preview", "scheduled"],
            "report": ["channel", "eng.", "impr.", "clicks", "sessions", "leads", "$/lead",
                       "cost", "total 2"],
        }[name]  # fmt: skip
        for word in wanted:
            assert word in text, (name, word, text)


@pytest.mark.slow  # a real browser: Debian's chromium through Playwright
def test_the_html_report_fits_a_1280_pixel_window(cli: Any, home: Path, tmp_path: Path) -> None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    report_home(home)
    html = tmp_path / "report.html"
    cli("report", "-t", "2026-04-01..2026-06-30", "-f", "html", "-o", str(html))
    keep = ARTIFACTS if os.environ.get("KEEP_TEST_ARTIFACTS") == "1" else tmp_path
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(html.as_uri())
            widths = page.evaluate(
                "Array.from(document.querySelectorAll('table'))"
                ".map(t => [t.scrollWidth, t.parentElement.clientWidth])"
            )
            headers = page.evaluate(
                "Array.from(document.querySelectorAll('table')[1].querySelectorAll('th'))"
                ".map(th => th.textContent)"
            )
            page.screenshot(path=str(keep / "report-1280px.png"), full_page=True)
        finally:
            browser.close()
    assert len(widths) == 4  # by channel, top, bottom, all posts
    for table_width, room in widths:
        assert table_width <= room, widths
    for label in ("engagements", "impressions", "leads", "cost/lead", "cost"):
        assert label in headers, headers
