"""Per-request cost of the HTTP choke point against raw httpx, to a local instant server.

Starts a tiny HTTP/1.1 keep-alive server in a separate process on 127.0.0.1 that answers every
GET at once with HubSpot's rate headers, then times, paired in alternating blocks so both see
the same load:

- raw: `httpx.Client.get` on one keep-alive connection (the floor: what any Python client pays);
- mktd: `HttpClient.request` built by mktd's own wiring (`Deps.http`: the SQLite store as the
  shared limiter's state and as the audit sink, HubSpot's policy reading the rate headers), with
  HubSpot's declared limits of the same shape (a 10-s window and a per-second bucket on search)
  but counts so high that no call waits: what is timed is the bookkeeping, not the limit.

The ratio of the medians is the figure (issue 17 item 2: <= 2x raw httpx), with the client's
CPU time per request beside it (less sensitive to other processes' load). It also reports the
SQLite commits per request, counted on the store's connection over 200 further requests (not
timed: the counting itself costs ~50 µs per request).

    .venv/bin/python benchmarks/choke_point.py [--requests 2000] [--blocks 10] [--json] [--check]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TARGET_RATIO = 2.0
COUNTED = 200  # requests whose SQLite commits are counted, after the timed ones

SERVER = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b'{"portalId": 1}'

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed ACK)
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.send_header("X-HubSpot-RateLimit-Max", "1000000")
        self.send_header("X-HubSpot-RateLimit-Remaining", "999999")
        self.send_header("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *a):
        pass

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"""


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    if not port.isdigit():
        proc.kill()
        sys.exit("the local server did not start")
    return proc, f"http://127.0.0.1:{port}"


def mktd_client(base_url: str) -> tuple[Any, Any]:
    """An HttpClient exactly as the wiring builds one for HubSpot, with limits that never wait."""
    from mktdirector.core.ratelimit import Limit, per_second
    from mktdirector.integrations.hubspot.client import SEARCH
    from mktdirector.integrations.hubspot.policy import HubSpotPolicy
    from mktdirector.wiring import Deps

    deps = Deps()
    limits = (Limit("ten_secondly", 10**9, 10.0), per_second("search", 10**9, paths=(SEARCH,)))
    http = deps.http(
        platform="hubspot",
        base_url=base_url,
        account="bench",
        headers={"Authorization": "Bearer bench"},
        limits=limits,
        policy=HubSpotPolicy(lambda: 86400.0, deps.clock.now),
    )
    return deps, http


def arguments(description: str, requests_help: str) -> argparse.ArgumentParser:
    """The options this benchmark and choke_point_breakdown.py share: --requests and --json."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--requests", type=int, default=2000, help=requests_help)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


@contextlib.contextmanager
def wired_to_local_server() -> Iterator[tuple[str, Any, Any]]:
    """(url, deps, http): the local instant server, a throwaway MKTD_HOME, and HubSpot's client
    as the wiring builds it on that home (mktd_client); all closed, stopped and removed after."""
    proc, url = start_server()
    try:
        with tempfile.TemporaryDirectory(prefix="mktd-bench-") as tmp:
            os.environ["MKTD_HOME"] = str(Path(tmp) / "home")
            deps, http = mktd_client(url)
            try:
                yield url, deps, http
            finally:
                http.close()
                deps.store.close()
    finally:
        proc.kill()
        proc.wait()


def per_request_us(send: Any, n: int) -> tuple[float, float]:
    """Wall and CPU (this process's) microseconds per request. CPU time leaves out the server and
    waiting for the cores other processes hold, so it moves far less with the machine's load."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        send()
    return (time.perf_counter() - started) * 1e6 / n, (time.process_time() - cpu) * 1e6 / n


def main() -> int:
    parser = arguments(__doc__.splitlines()[0], "timed requests per side")
    parser.add_argument("--blocks", type=int, default=10, help="alternating blocks per side")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if over {TARGET_RATIO}x")
    args = parser.parse_args()
    per_block = max(1, args.requests // args.blocks)
    with wired_to_local_server() as (url, deps, http):
        import httpx

        raw = httpx.Client(base_url=url, headers={"Authorization": "Bearer bench"})
        path = "/account-info/v3/details"
        for _ in range(50):  # warm up both: connections, the database file, caches
            raw.get(path)
            http.request("GET", path)
        conn = deps.store.db.conn
        commits = 0

        def count(sql: str) -> None:
            nonlocal commits
            commits += sql.strip().upper().startswith("COMMIT")

        raws: list[tuple[float, float]] = []
        ours: list[tuple[float, float]] = []
        for _ in range(args.blocks):
            raws.append(per_request_us(lambda: raw.get(path), per_block))
            ours.append(per_request_us(lambda: http.request("GET", path), per_block))
        # Counted apart, untimed: SQLite's trace callback expands every statement's SQL
        # with its values, ~50 µs per request, which the timed blocks used to include.
        conn.set_trace_callback(count)
        for _ in range(COUNTED):
            http.request("GET", path)
        conn.set_trace_callback(None)
        audited = deps.store.db.execute("select count(*) from http_calls").fetchone()[0]
        raw.close()
    raw_us, our_us = statistics.median(w for w, _ in raws), statistics.median(w for w, _ in ours)
    raw_cpu, our_cpu = statistics.median(c for _, c in raws), statistics.median(c for _, c in ours)
    ratio = our_us / raw_us
    result = {
        "requests": per_block * args.blocks,
        "raw_httpx_us": round(raw_us, 1),
        "mktd_us": round(our_us, 1),
        "ratio": round(ratio, 2),
        "raw_httpx_cpu_us": round(raw_cpu, 1),
        "mktd_cpu_us": round(our_cpu, 1),
        "cpu_ratio": round(our_cpu / raw_cpu, 2),
        "target_ratio": TARGET_RATIO,
        "target_met": ratio <= TARGET_RATIO,
        "commits_per_request": round(commits / COUNTED, 2),
        "audit_rows": audited,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['requests']} GETs to a local instant server, {args.blocks} paired blocks")
        print(f"raw httpx:         {raw_us:8.1f} µs per request (median of blocks)")
        print(f"mktd HttpClient:   {our_us:8.1f} µs per request")
        print(
            f"client CPU:        {raw_cpu:8.1f} vs {our_cpu:.1f} µs per request "
            f"({our_cpu / raw_cpu:.2f}x; less sensitive to the machine's load)"
        )
        print(
            f"ratio: {ratio:.2f}x (target <= {TARGET_RATIO:g}x): {'ok' if result['target_met'] else 'not met'}"
        )
        print(
            f"SQLite commits per request: {result['commits_per_request']:g}; audit rows: {audited}"
        )
    return 1 if args.check and not result["target_met"] else 0


if __name__ == "__main__":
    sys.exit(main())
