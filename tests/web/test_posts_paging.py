"""The dashboard's posts page, one page at a time (issue 13): the totals row counts every post of
the timeframe, the rows and their sparklines are only the page's."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mktdirector.store.rows import DraftStatus, PostStatus
from mktdirector.store.sqlite.reporting import ReportingMixin
from mktdirector.web.pages_more import POSTS_PER_PAGE

EXTRA = 7  # posts on the second page


def seed(store: Any, n: int) -> list[str]:
    """n published LinkedIn posts in the last day, one minute apart (oldest first), each with
    two daily snapshots; returns their draft ids in published order."""
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=20)
    ids: list[str] = []
    for i in range(n):
        d = store.insert_draft({"platform": "linkedin", "kind": "post", "topic": f"topic {i:03d}",
                                "body_json": json.dumps(["hi"]), "content_hash": "h",
                                "status": DraftStatus.APPROVED, "approved_hash": "h"})  # fmt: skip
        pid = store.write_intent(d["id"], 0, platform="linkedin", account=None, text="t",
                                 reply_to=None)  # fmt: skip
        at = (base + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")
        store.mark_post(pid, PostStatus.PUBLISHED, remote_id=f"urn:{i}", url=None,
                        published_utc=at)  # fmt: skip
        store.add_snapshots([
            {"platform": "linkedin", "remote_id": f"urn:{i}", "draft_id": d["id"],
             "taken_utc": f"2026-11-0{day}T10:00:00Z", "impressions": 100 * day,
             "engagements": i + day, "link_clicks": day}
            for day in (1, 2)
        ])  # fmt: skip
        ids.append(d["id"])
    return ids


def shown(page: str) -> list[str]:
    table = page[page.index('<table id="posts">') :]
    return re.findall(r'href="/ui/drafts/([^"]+)"', table)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every list of draft ids the sparklines were queried for."""
    calls: list[list[str]] = []
    real = ReportingMixin.sparkline_series

    def counting(self: Any, draft_ids: list[str]) -> Any:
        calls.append(list(draft_ids))
        return real(self, draft_ids)

    monkeypatch.setattr(ReportingMixin, "sparkline_series", counting)
    return calls


def totals_row(page: str) -> str:
    return page[page.index("<h2>Totals") : page.index("<h2>Per post")]


def test_the_second_page_shows_the_next_posts_with_the_same_totals(browser, store, asked):
    ids = seed(store, POSTS_PER_PAGE + EXTRA)
    first = browser.get("/ui/posts?timeframe=7d")
    assert first.status_code == 200
    assert shown(first.text) == ids[:POSTS_PER_PAGE]
    assert f"Posts 1–{POSTS_PER_PAGE} of {POSTS_PER_PAGE + EXTRA}" in first.text
    assert 'rel="next" href="/ui/posts?timeframe=7d&channels=&page=2"' in first.text
    second = browser.get("/ui/posts?timeframe=7d&page=2")
    assert shown(second.text) == ids[POSTS_PER_PAGE:]
    assert 'rel="next"' not in second.text and 'rel="prev"' in second.text
    assert totals_row(second.text) == totals_row(first.text)
    assert f"<td>{POSTS_PER_PAGE + EXTRA}</td>" in totals_row(first.text)  # every post counted
    # Sparklines were computed for the shown posts only, one query per page.
    assert asked == [ids[:POSTS_PER_PAGE], ids[POSTS_PER_PAGE:]]
    assert second.text.count("<polyline") == 2 * EXTRA  # engagement and clicks per shown post


def test_the_csv_export_still_has_every_post(browser, store):
    ids = seed(store, POSTS_PER_PAGE + EXTRA)
    csv = browser.get("/ui/report?format=csv&timeframe=7d").text
    assert all(did in csv for did in ids) and len(csv.strip().splitlines()) == len(ids) + 1


def test_a_page_past_the_end_says_so_and_a_bad_page_is_refused(browser, store):
    seed(store, 3)
    past = browser.get("/ui/posts?timeframe=7d&page=5")
    assert past.status_code == 200 and "No posts on this page." in past.text
    assert browser.get("/ui/posts?page=0").status_code == 422
    assert browser.get("/ui/posts?page=x").status_code == 422
