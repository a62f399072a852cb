"""On PostgreSQL the temp table keeps each post's rounded LLM and API cost (`llm`, `api`,
rounded once per post) for the sums, the rankings and the rows (SQLite rounds them where they
are used): the figures are exactly those of the statements that rounded them again in every sum
(kept verbatim below), on every backend: costs whose
rounding changes the sums (4e-07 each rounds to 0), unpriced and missing ones, and the awkward
report of test_contract_report_json (issue 17 item 4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.store.contract.test_contract_report_json import _seed

from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, PostStatus
from mktdirector.store.sqlite import reporting

START, END, NOW = "2027-01-01", "2027-02-01", "2027-02-01T00:00:00Z"
CHANNELS = ["linkedin", "twitter", "email"]
ORDER = " order by published_utc, draft_id"

TOTALS_BEFORE = """
select {label} as channel, count(*) as posts, sum(measured) as measured_posts,
       sum(impressions) as impressions, sum(reach) as reach, sum(engagements) as engagements,
       sum(link_clicks) as link_clicks, sum(sessions) as sessions,
       round(sum(key_events), 2) as key_events, sum(leads) as leads,
       sum(case when impressions is not null then engagements end) as _rate_engagements,
       sum(impressions) as _rate_impressions,
       sum(round(llm_cost_usd, 6)) as llm_cost_usd,
       sum(round(coalesce(api_cost_usd, 0), 6)) as api_cost_usd,
       sum(case when llm_cost_usd is null then 1 else 0 end) as unpriced_posts
from temp.before_posts {group}
"""


def _before(store: StoreLike) -> dict[str, Any]:
    posts_sql, params = store.report_posts_query(CHANNELS, START, END, now_utc=NOW)  # type: ignore[attr-defined]
    q = store.db.query  # type: ignore[attr-defined]
    store.db.conn.execute(f"create temp table before_posts as {posts_sql}", params)  # type: ignore[attr-defined]
    try:
        return {
            "posts": list(q(reporting._DERIVED.format(source="temp.before_posts") + ORDER)),
            "by_channel": list(
                q(TOTALS_BEFORE.format(label="channel", group="group by channel order by channel"))
            ),
            "totals": list(q(TOTALS_BEFORE.format(label="'all'", group=""))),
        }
    finally:
        store.db.conn.execute("drop table if exists temp.before_posts")  # type: ignore[attr-defined]


# Per post: its API cost and its generations' LLM costs (None: unpriced).
SMALL: list[tuple[Any, list[Any]]] = [
    (4e-07, [4e-07]), (4e-07, [4e-07, 4e-07]), (0.000123456789, [0.1]), (None, []),
    (2.5e-07, [2.5e-07, None]), (0.3, [0.000123456789]), (0.1, [0.2]), (1e-07, [4e-07]),
]  # fmt: skip


def _seed_small(store: StoreLike, add_draft: Callable[..., Draft]) -> None:
    for i, (api, llm) in enumerate(SMALL):
        platform = ("linkedin", "twitter")[i % 2]
        d = add_draft(approved=True, topic=f"small {i}", platform=platform)
        pid = store.write_intent(d["id"], 0, platform=platform, account="brand", text="t",
                                 reply_to=None)  # fmt: skip
        store.mark_post(pid, PostStatus.PUBLISHED, remote_id=f"s:{i}", url=None,
                        published_utc=f"2027-01-{10 + i:02d}T09:00:00Z", cost_usd=api)  # fmt: skip
        for j, cost in enumerate(llm):
            store.db["generations"].insert(
                {"id": f"s{i}.{j}", "draft_id": d["id"], "cost_usd": cost}
            )  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", ["small-costs", "awkward"])
def test_rounding_each_cost_once_gives_the_same_figures(
    store: StoreLike, add_draft: Callable[..., Draft], seed: str
) -> None:
    (_seed_small if seed == "small-costs" else _seed)(store, add_draft)
    before = _before(store)
    figs = store.report_figures(CHANNELS, START, END, now_utc=NOW, rank_by="engagements")
    assert len(before["posts"]) in (8, 9) and figs["posts"] == before["posts"]
    assert sorted(figs["by_channel"], key=lambda r: r["channel"]) == before["by_channel"]
    assert [figs["totals"]] == before["totals"]
    if seed == "small-costs":  # rounding each cost first is what these sums show
        [linkedin, twitter] = before["by_channel"]
        # Unrounded, linkedin's LLM cost would be 0.3000004 and twitter's 0.0001242.
        assert linkedin["llm_cost_usd"] == pytest.approx(0.3, abs=1e-12)
        assert linkedin["api_cost_usd"] == pytest.approx(0.100123, abs=1e-12)
        assert twitter["llm_cost_usd"] == pytest.approx(0.000124, abs=1e-12)
        assert twitter["api_cost_usd"] == pytest.approx(0.3, abs=1e-12)
