"""The dashboard's posts page and `GET /posts` over 1,000,000 metric snapshots (issue 13).

A fresh MKTD_HOME gets the report benchmark's history (`report_scale.generate`: N snapshots over
N / --per-post published posts, 90 days, with generations, GA4 traffic and contacts). Then the
ASGI app of `mktd serve` is called in-process, logged in as the dashboard is, and each route is
timed R times: the posts page for 7 and 30 days (every post of the timeframe, its figures and a
sparkline), `GET /posts` (50 newest) and a deep page of it (keyset cursor).

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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import report_scale  # noqa: E402
from web_latency import BASE, TARGET_P95_MS, TOKEN, percentiles  # noqa: E402


def measure(snapshots: int, per_post: int, requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        os.environ["MKTD_HOME"] = str(home)
        from mktdirector.core import paths

        t0 = time.perf_counter()
        posts = report_scale.generate(paths.db_path(home), snapshots, per_post=per_post)
        seeded_s = time.perf_counter() - t0

        from fastapi.testclient import TestClient

        from mktdirector.agents.content.inbox import make_cursor
        from mktdirector.web.app import ServeOptions, create_app

        # The generator's history ends at report_scale.NOW: the pages look at the days before.
        day = report_scale.NOW.date().isoformat()
        week = (report_scale.NOW.date().toordinal() - 6, report_scale.NOW.date().toordinal())
        from datetime import date

        span7 = f"{date.fromordinal(week[0])}..{day}"
        span30 = f"{date.fromordinal(week[1] - 29)}..{day}"
        deep = make_cursor("2026-04-15T00:00:00.000Z", "P")
        app = create_app(ServeOptions(token=TOKEN))
        routes = {
            "posts page, 7 days": (f"/ui/posts?timeframe={span7}", False),
            "posts page, 30 days": (f"/ui/posts?timeframe={span30}", False),
            "GET /posts": ("/posts?limit=50", True),
            "GET /posts deep page (keyset cursor)": (f"/posts?limit=50&cursor={deep}", True),
        }
        out: dict[str, Any] = {"snapshots": snapshots, "posts": posts, "requests": requests,
                               "seed_s": round(seeded_s, 1)}  # fmt: skip
        with TestClient(app, base_url=BASE, follow_redirects=False) as c:
            code = app.state.sessions.new_login_code()
            assert c.get(f"/login?code={code}").status_code == 303
            auth = {"Authorization": f"Bearer {TOKEN}"}
            for name, (path, api) in routes.items():
                headers = auth if api else {}
                first = c.get(path, headers=headers)
                assert first.status_code == 200, (path, first.status_code, first.text[:300])
                samples = []
                for _ in range(requests):
                    t = time.perf_counter()
                    assert c.get(path, headers=headers).status_code == 200
                    samples.append((time.perf_counter() - t) * 1000)
                out[name] = percentiles(samples)
        return out


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
    for name, v in result.items():
        if isinstance(v, dict):
            ok = "ok" if v["p95_ms"] <= TARGET_P95_MS else "over target"
            print(f"  {name:<40} p50 {v['p50_ms']:>8} ms   p95 {v['p95_ms']:>8} ms   {ok}")


if __name__ == "__main__":
    sys.exit(main())
