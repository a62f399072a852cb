"""The HTML report: parsed (tables, SVG charts, nothing fetched from anywhere) and, where
Chromium is installed, rendered headless to a screenshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_fixture import TIMEFRAME, seed

from mktdirector.agents.analytics.report import build_report
from mktdirector.agents.analytics.report_html import render_html

CHROMIUM = "/usr/bin/chromium"
NOW = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)
# Elements and attributes that would make a browser fetch something.
FETCHING_TAGS = {"script", "link", "img", "iframe", "object", "embed", "audio", "video", "source"}
FETCHING_ATTRS = {"src", "srcset", "xlink:href", "poster", "data", "action", "formaction"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.stack: list[str] = []
        self.tables: list[dict[str, list[str]]] = []
        self.svg_text: list[str] = []
        self.style = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.stack.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag == "table":
            self.tables.append({"th": [], "td": []})

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        where = self.stack[-1] if self.stack else ""
        if where in ("th", "td", "a") and self.tables:
            cell = "th" if "th" in self.stack else "td"
            self.tables[-1][cell].append(data.strip())
        if "svg" in self.stack:
            self.svg_text.append(data)
        if where == "style":
            self.style += data


@pytest.fixture
def html(store) -> str:  # type: ignore[no-untyped-def]
    seed(store)
    store.db.execute("update drafts set topic = '<b>bold</b> & \"quoted\"' where id = 'X2'")
    store.db.conn.commit()
    return render_html(build_report(store, timeframe=TIMEFRAME, now=NOW))


def test_html_report_has_tables_and_svg_charts_and_loads_nothing(html: str) -> None:
    page = Page()
    page.feed(html)
    page.close()
    assert html.startswith("<!doctype html>") and page.tags.count("svg") == 6
    assert page.tags.count("rect") > 10 and page.tags.count("title") > 10  # bars with hover
    assert "Engagements per day, by day published" in "".join(page.svg_text)
    # Four tables: by channel, top, bottom, all posts.
    assert len(page.tables) == 4
    channel, top, bottom, every = page.tables
    assert channel["th"][:3] == ["channel", "posts", "engagements"]
    assert "LinkedIn" in channel["td"] and "4,400" in channel["td"] and "2.07%" in channel["td"]
    assert [c for c in top["td"] if c in ("X1", "LI1")] == ["X1", "LI1"]
    assert [c for c in bottom["td"] if c in ("LI2", "EM1")] == ["LI2", "EM1"]
    assert sum(c in ("LI1", "X1", "X2", "LI2", "EM1") for c in every["td"]) == 5
    # Self-contained: nothing to fetch, no script, no external font or stylesheet.
    assert not FETCHING_TAGS & set(page.tags)
    assert not [a for a in page.attrs if a[1] in FETCHING_ATTRS]
    assert "url(" not in page.style and "@import" not in page.style and "http" not in page.style
    links = [(tag, v) for tag, k, v in page.attrs if k == "href"]
    assert links and all(tag == "a" for tag, _ in links)  # only links to the posts themselves
    assert {v for _, v in links} == {
        "https://www.linkedin.com/feed/update/1",
        "https://x.com/brand/status/1001",
    }
    assert not [v for _, k, v in page.attrs if k == "xmlns"]  # not even a namespace URL
    # Text from the database is escaped, never markup.
    assert "b" not in page.tags and "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;" in html


def test_report_html_file_from_the_cli(cli, store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    seed(store)
    store.close()
    out = tmp_path / "report.html"
    result = cli("report", "--timeframe", TIMEFRAME, "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert f"Wrote {out}" in result.stderr
    assert out.read_text(encoding="utf-8").count("<svg") == 6


@pytest.mark.slow  # starts a real headless Chromium
@pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"
)
def test_headless_chromium_renders_the_report(html: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "report.png"
    profile = tempfile.mkdtemp(prefix="mktd-chromium-")
    try:
        proc = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--window-size=1200,1600",
                f"--screenshot={shot}",
                page.as_uri(),
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=90,
            stdin=subprocess.DEVNULL,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 1600)
    # A blank page compresses to a few KB; tables and charts make a much larger PNG.
    assert len(data) > 40_000
