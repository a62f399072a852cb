"""The dashboard's posts page and `GET /posts` over 1,000,000 metric snapshots (issue 13).

A fresh MKTD_HOME gets the report benchmark's history (`report_scale.generate`: N snapshots over
N / --per-post published posts, 90 days, with generations, GA4 traffic and contacts). Then the
ASGI app of `mktd serve` is called in-process, logged in as the dashboard is, and each route is
timed R times: the posts page for 7 and 30 days (the first page of 50 posts, totals over every
post of the timeframe, sparklines for the shown posts), `GET /posts` (50 newest) and a deep page of it (keyset cursor).

    .venv/bin/python benchmarks/web_posts_scale.py [--snapshots 1000000] [--per-post 100]
        [--requests 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import report_scale  # noqa: E402
from web_latency import TARGET_P95_MS, TOKEN, print_routes, time_routes  # noqa: E402


def measure(snapshots: int, per_post: int, requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        os.environ["MKTD_HOME"] = str(home)
        from mktdirector.core import paths

        t0 = time.perf_counter()
        posts = report_scale.generate(paths.db_path(home), snapshots, per_post=per_post)
        seeded_s = time.perf_counter() - t0

        from mktdirector.agents.content.inbox import make_cursor
        from mktdirector.web.app import ServeOptions, create_app

        # The generator's history ends at report_scale.NOW: the pages look at the days before.
        today = report_scale.NOW.date()
        span7 = f"{today - timedelta(days=6)}..{today}"
        span30 = f"{today - timedelta(days=29)}..{today}"
        deep = make_cursor("2026-04-15T00:00:00.000Z", "P")
        routes = {
            "posts page, 7 days": (f"/ui/posts?timeframe={span7}", False),
            "posts page, 30 days": (f"/ui/posts?timeframe={span30}", False),
            "GET /posts": ("/posts?limit=50", True),
            "GET /posts deep page (keyset cursor)": (f"/posts?limit=50&cursor={deep}", True),
        }
        out: dict[str, Any] = {"snapshots": snapshots, "posts": posts, "requests": requests,
                               "seed_s": round(seeded_s, 1)}  # fmt: skip
        return out | time_routes(create_app(ServeOptions(token=TOKEN)), routes, requests)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snapshots", type=int, default=1_000_000)
    ap.add_argument("--per-post", type=int, default=100)
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = measure(args.snapshots, args.per_post, args.requests)
    result["target_p95_ms"] = TARGET_P95_MS
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['snapshots']:,} snapshots over {result['posts']:,} posts "
          f"(seeded in {result['seed_s']} s), {result['requests']} requests per route:")  # fmt: skip
    print_routes(result)


if __name__ == "__main__":
    sys.exit(main())
