"""Latency of the dashboard's inbox page and of `GET /drafts` with 10,000 drafts (issue 13).

A fresh MKTD_HOME gets N drafts (LinkedIn posts and 3-part X threads with lint findings and a
generation each, over 90 days), inserted with executemany in one transaction. Then the ASGI app
of `mktd serve` is called in-process (Starlette's TestClient: the app's own time, no socket),
logged in as the dashboard is and with the API's bearer token, and each route is timed R times:
the inbox's first page, `GET /drafts` (50 per page), a filtered list, and the last page (the
cursor is a keyset over (created_utc, id), so the deepest page costs what the first does).

    .venv/bin/python benchmarks/web_latency.py [--drafts 10000] [--requests 200] [--json]
        [--without-index]   (drops m020's index on drafts(created_utc, id): the before)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

TOKEN = "benchmark-token-0123456789abcdef"
BASE = "http://127.0.0.1:8484"
WORDS = [
    "launch",
    "pipeline",
    "cohort",
    "funnel",
    "signal",
    "budget",
    "campaign",
    "audience",
    "insight",
    "metric",
]
TARGET_P95_MS = 200.0  # a page that answers within a fifth of a second feels instant


def seed(home: Path, n: int, rng: random.Random, *, without_index: bool = False) -> None:
    from mktdirector.core.paths import db_path
    from mktdirector.store import Store

    home.mkdir(parents=True, exist_ok=True)
    store = Store(db_path(home))
    conn = store.db.conn  # migrations run here
    now = datetime(2026, 12, 1, tzinfo=UTC)
    drafts, gens = [], []
    finding = [{"severity": "warning", "rule": "hashtags", "message": "3 hashtags; use at most 2",
                "line": 1, "column": 40, "segment": None}]  # fmt: skip
    for i in range(n):
        did = f"01BENCH{i:019d}"
        twitter = i % 3 == 0
        words = " ".join(rng.choice(WORDS) for _ in range(40))
        body = [f"{words[:200]} {k}/3" for k in (1, 2, 3)] if twitter else [words * 3]
        created = (now - timedelta(minutes=13 * (n - i))).isoformat().replace("+00:00", "Z")
        drafts.append((
            did, created, created, "twitter" if twitter else "linkedin",
            "thread" if twitter else "post", f"topic {i % 500}", json.dumps(body),
            f"{i:064x}", rng.choice(["draft", "draft", "approved", "published", "rejected"]),
            json.dumps(finding if i % 4 == 0 else []), "llm", f"camp-{i % 20}", f"G{i:07d}",
        ))  # fmt: skip
        gens.append((f"G{i:07d}", created, "post", "gpt-5-mini", did, 0.0004))
    with conn:
        conn.executemany(
            "insert into drafts (id, created_utc, updated_utc, platform, kind, topic, body_json, "
            "content_hash, status, lint_json, source, campaign, generation_id) "
            "values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            drafts,
        )
        conn.executemany(
            "insert into generations (id, created_utc, purpose, model, draft_id, cost_usd) "
            "values (?,?,?,?,?,?)",
            gens,
        )
        if without_index:  # how it was before m020 indexed the lists' order
            conn.execute("drop index idx_drafts_created_utc_id")
    store.close()


def deep_cursor(home: Path, position: int) -> str:
    """The cursor `GET /drafts` hands out for the page starting at `position` (newest first)."""
    import sqlite3

    from mktdirector.agents.content.inbox import make_cursor
    from mktdirector.core.paths import db_path

    with sqlite3.connect(db_path(home)) as conn:
        stamp, row_id = conn.execute(
            "select created_utc, id from drafts order by created_utc desc, id desc "
            "limit 1 offset ?",
            [position - 1],
        ).fetchone()
    return make_cursor(stamp, row_id)


def percentiles(samples: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(qs[49], 1),
        "p95_ms": round(qs[94], 1),
        "max_ms": round(max(samples), 1),
    }


def measure(n: int, requests: int, *, without_index: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ["MKTD_HOME"] = str(home)
        t0 = time.perf_counter()
        seed(home, n, random.Random(13), without_index=without_index)
        seeded_s = time.perf_counter() - t0

        from mktdirector.web.app import ServeOptions, create_app

        app = create_app(ServeOptions(token=TOKEN))
        deep = deep_cursor(home, n - 50)
        routes = {
            "inbox page": ("/", False),
            "GET /drafts": ("/drafts?limit=50", True),
            "GET /drafts?status=draft&platform=x": ("/drafts?status=draft&platform=x", True),
            "GET /drafts last page (keyset cursor)": (f"/drafts?limit=50&cursor={deep}", True),
        }
        out: dict[str, Any] = {"drafts": n, "requests": requests, "seed_s": round(seeded_s, 2)}
        return out | time_routes(app, routes, requests)


def time_routes(app: Any, routes: dict[str, tuple[str, bool]], requests: int) -> dict[str, Any]:
    """Each route's latency percentiles over `requests` calls after one warm-up, logged in as
    the dashboard is (a session cookie) or, for an API route (True), with the bearer token."""
    from fastapi.testclient import TestClient

    out: dict[str, Any] = {}
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        code = app.state.sessions.new_login_code()
        assert c.get(f"/login?code={code}").status_code == 303
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for name, (path, api) in routes.items():
            headers = auth if api else {}
            first = c.get(path, headers=headers)  # warm up
            assert first.status_code == 200, (path, first.status_code, first.text[:300])
            samples = []
            for _ in range(requests):
                t = time.perf_counter()
                r = c.get(path, headers=headers)
                samples.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
            out[name] = percentiles(samples)
    return out


def print_routes(result: dict[str, Any]) -> None:
    """One line per timed route: p50, p95 and whether p95 is within the target."""
    for name, v in result.items():
        if isinstance(v, dict):
            ok = "ok" if v["p95_ms"] <= TARGET_P95_MS else "over target"
            print(f"  {name:<45} p50 {v['p50_ms']:>8} ms   p95 {v['p95_ms']:>8} ms   {ok}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drafts", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--without-index",
        action="store_true",
        help="Drop m020's index on drafts(created_utc, id) first, to see what it saves.",
    )
    args = ap.parse_args()
    result = measure(args.drafts, args.requests, without_index=args.without_index)
    result["without_index"] = args.without_index
    result["target_p95_ms"] = TARGET_P95_MS
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['drafts']:,} drafts (seeded in {result['seed_s']} s), "
          f"{result['requests']} requests per route:")  # fmt: skip
    print_routes(result)


if __name__ == "__main__":
    sys.exit(main())
