"""Contact import against a local HubSpot that enforces 100 requests per 10 s (rolling).

Imports a generated CSV through mktd's real wiring (SQLite-backed rate limiter, audit log,
choke point, `agents.crm.import_contacts`) into a stdlib HTTP server on 127.0.0.1 that answers
HubSpot-shaped `batch/upsert` responses with `X-HubSpot-RateLimit-*` headers, and 429
`TEN_SECONDLY_ROLLING` when a request would exceed the window. Prints the wall time, the floor
the batch size and the limit allow, their ratio, the 429 count, and what one request per
contact would take. Target (issue 5): zero 429s and wall time <= 1.10x the floor.

The floor: `n = ceil(rows / batch)` requests, sent one after another. A rolling limit of L
per W seconds lets request i start no earlier than request i-L started plus W; each request
also takes the server's own service time s_i (measured by the server). So
    start_i = max(end_{i-1}, start_{i-L} + W),  end_i = start_i + s_i,  floor = end_{n-1}.
With 5,000 rows in batches of 100 that is 50 requests: under one window, so the limit adds
no wait at all and the floor is the server's service time alone (the client's own overhead
is what the ratio measures). One request per contact would be 5,000 requests: at least
(5000 - 1) // 100 * 10 = 490 s of waiting for the limit (500 s at the sustained 10/s).

With `--sandbox` the server is mktd's own sandbox (`mktd sandbox serve`, here in-process)
instead of the built-in one: its HubSpot validates every batch, stores the contacts and enforces
the same rolling 100 per 10 s (`hubspot.burst`); `--latency-ms` becomes a `hubspot.upsert:delay`
fault on top of its own processing time, and the service times come from its request log.

With `--sandbox-process` the sandbox runs as its own process (`mktd sandbox serve`, started
and stopped here), the honest setup of issue 17: the figures come from its inspection API.
`--limit N` lowers the server's burst limit (per 10 s) so that a short run spends most of its
time in the rolling window's waits, where mktd's limiter decides the ratio.

With `--sdk-python PATH` the same CSV goes through HubSpot's official SDK instead of mktd
(hubspot-api-client's `crm.contacts.batch_api.upsert`, 100 inputs per call, its documented
urllib3 `Retry` as plain backoff on 429), run by PATH, an interpreter of a throwaway venv
that has the SDK (never mktd's own dependencies): `python -m venv /tmp/sdkvenv &&
/tmp/sdkvenv/bin/pip install hubspot-api-client`. Only the import is timed, in that process
(its start-up and the SDK's import are not), against the same server and floor.

    .venv/bin/python benchmarks/hubspot_import.py [--rows 5000] [--batch-size 100]
        [--latency-ms 50] [--repeat 3] [--sandbox | --sandbox-process] [--limit 100]
        [--sdk-python PATH] [--json] [--check]
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sandbox_process import SandboxServer

LIMIT, WINDOW_S = 100, 10.0  # HubSpot's lowest published burst: 100 per 10 s, rolling
TARGET_RATIO = 1.10
TOKEN = "pat-na1-bench0000-0000-0000-0000-000000000000"


class FakeHubSpot:
    """`POST /crm/v3/objects/contacts/batch/upsert` with a rolling-window limit."""

    def __init__(self, limit: int, window: float, latency: float) -> None:
        self.limit, self.window, self.latency = limit, window, latency
        self.accepted: collections.deque[float] = collections.deque()
        self.service: list[float] = []  # seconds per accepted request
        self.too_many = 0
        self.rows = 0
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real API
            # Headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every response (a test-server artefact).
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                arrived = time.perf_counter()
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                status, headers, answer = hub.answer(self.path, body, arrived)
                data = json.dumps(answer).encode()
                self.send_response(status)
                for k, v in {**headers, "content-type": "application/json"}.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                if status == 200:
                    with hub.lock:
                        hub.service.append(time.perf_counter() - arrived)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str, body: bytes, now: float) -> tuple[int, dict[str, str], Any]:
        if path != "/crm/v3/objects/contacts/batch/upsert":
            return 404, {}, {"status": "error", "message": f"no route {path}"}
        with self.lock:
            while self.accepted and self.accepted[0] <= now - self.window:
                self.accepted.popleft()
            if len(self.accepted) >= self.limit:
                self.too_many += 1
                wait = self.accepted[0] + self.window - now
                return 429, self._headers(0) | {"retry-after": f"{max(wait, 0.0):.3f}"}, {
                    "status": "error", "errorType": "RATE_LIMIT", "policyName":
                    "TEN_SECONDLY_ROLLING", "message": "You have reached your "
                    "ten_secondly_rolling limit.", "correlationId": "bench"}  # fmt: skip
            self.accepted.append(now)
            remaining = self.limit - len(self.accepted)
        inputs = json.loads(body)["inputs"]
        time.sleep(self.latency)  # HubSpot's own processing time for a batch
        with self.lock:
            self.rows += len(inputs)
        results = [
            {"id": str(10_000 + i), "new": True, "objectWriteTraceId": x["objectWriteTraceId"],
             "properties": {"email": x["id"]}, "createdAt": "2026-09-01T00:00:00Z",
             "updatedAt": "2026-09-01T00:00:00Z", "archived": False}
            for i, x in enumerate(inputs)
        ]  # fmt: skip
        return 200, self._headers(remaining), {"status": "COMPLETE", "results": results}

    def _headers(self, remaining: int) -> dict[str, str]:
        return {
            "x-hubspot-ratelimit-max": str(self.limit),
            "x-hubspot-ratelimit-remaining": str(remaining),
            "x-hubspot-ratelimit-interval-milliseconds": str(int(self.window * 1000)),
        }

    def __enter__(self) -> FakeHubSpot:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class SandboxHubSpot:
    """The same figures as FakeHubSpot (`url`, `service`, `too_many`, `rows`), from the sandbox."""

    def __init__(self, limit: int, window: float, latency: float) -> None:
        from mktdirector.sandbox import Sandbox
        from mktdirector.sandbox.env import TOKEN_ENV

        self._tmp = tempfile.TemporaryDirectory(prefix="mktd-bench-sbx-")
        faults = f"hubspot.upsert:delay={latency:g}" if latency > 0 else None
        self.sb = Sandbox(
            port=0,
            state_dir=Path(self._tmp.name),
            faults=faults,
            limits={"hubspot.burst": (limit, window)},
        )
        self.token = TOKEN_ENV["HUBSPOT_API_KEY"]
        self.url = ""

    def __enter__(self) -> SandboxHubSpot:
        self.sb.start()
        self.url = f"{self.sb.url}/hubspot"
        return self

    def __exit__(self, *exc: object) -> None:
        self.sb.stop()
        self._tmp.cleanup()

    def _upserts(self) -> list[dict[str, Any]]:
        return [e for e in self.sb.emu.recent if e["route"] == "hubspot.upsert"]

    @property
    def service(self) -> list[float]:
        """Seconds per accepted batch (arrival to answer, the delay fault included)."""
        return [e["ms"] / 1000.0 for e in self._upserts() if e["outcome"] in ("200", "207")]

    @property
    def too_many(self) -> int:
        return sum(1 for e in self._upserts() if e["outcome"] == "429")

    @property
    def rows(self) -> int:
        return len(self.sb.state()["contacts"])


class SandboxProcessHubSpot(SandboxHubSpot):
    """The sandbox as a separate process (`mktd sandbox serve`), the honest setup: the server
    does not share mktd's interpreter, its GIL or its cores' scheduling with the client. The
    figures come from its inspection API (`/_sandbox/requests`, `/_sandbox/state`)."""

    def __init__(self, limit: int, window: float, latency: float) -> None:
        from mktdirector.sandbox.env import TOKEN_ENV

        self._tmp = tempfile.TemporaryDirectory(prefix="mktd-bench-sbxp-")
        args = [f"--limit=hubspot.burst={limit}/{window:g}"]
        if latency > 0:
            args.append(f"--faults=hubspot.upsert:delay={latency:g}")
        self.server = SandboxServer(Path(self._tmp.name), *args)
        self.token = TOKEN_ENV["HUBSPOT_API_KEY"]
        self.url = f"{self.server.base}/hubspot"

    def __enter__(self) -> SandboxProcessHubSpot:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        self._tmp.cleanup()

    def _get(self, what: str) -> Any:
        return self.server.inspect(what)

    def _upserts(self) -> list[dict[str, Any]]:
        return [e for e in self._get("requests")["requests"] if e["route"] == "hubspot.upsert"]

    @property
    def rows(self) -> int:
        return len(self._get("state")["contacts"])


# Run by the SDK's interpreter: argv = base URL, token, CSV path, batch size. Prints one JSON.
SDK_SCRIPT = """
import csv, json, sys, time
from hubspot import HubSpot
from hubspot.crm.contacts import (BatchInputSimplePublicObjectBatchInputUpsert as Batch,
                                  SimplePublicObjectBatchInputUpsert as Input)
from urllib3.util.retry import Retry

url, token, path, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# Plain backoff: retry a 429 (POST included) after 0.5, 1, 2, 4... s, as the SDK's docs show.
retry = Retry(total=10, backoff_factor=0.5, status_forcelist=(429,), allowed_methods=None)
api = HubSpot(access_token=token, retry=retry, host=url).crm.contacts.batch_api
with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
started = time.perf_counter()
done = 0
for i in range(0, len(rows), size):
    inputs = [Input(id_property="email", id=r["email"], properties=r) for r in rows[i:i + size]]
    answer = api.upsert(batch_input_simple_public_object_batch_input_upsert=Batch(inputs=inputs))
    done += len(answer.results)
print(json.dumps({"wall_s": time.perf_counter() - started, "imported": done}))
"""


def sdk_import(python: str, url: str, token: str, csv_path: Path, batch: int) -> tuple[float, int]:
    """Wall seconds and rows upserted by the official SDK in its own interpreter."""
    proc = subprocess.run([python, "-c", SDK_SCRIPT, url, token, str(csv_path), str(batch)],
                          capture_output=True, text=True, timeout=3600)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"the SDK import failed: {proc.stderr.strip()[-600:]}")
    out = json.loads(proc.stdout)
    return out["wall_s"], out["imported"]


SERVERS = {
    "built-in": FakeHubSpot,
    "sandbox": SandboxHubSpot,
    "sandbox-process": SandboxProcessHubSpot,
}


def floor_seconds(service: list[float], limit: int, window: float) -> float:
    """Fastest possible sequential run: see the module docstring."""
    starts: list[float] = []
    end = 0.0
    for i, s in enumerate(service):
        start = max(end, starts[i - limit] + window if i >= limit else 0.0)
        starts.append(start)
        end = start + s
    return end


def limit_wait_floor(requests: int, limit: int, window: float) -> float:
    """Waiting the limit alone forces on `requests` sequential requests (zero service time)."""
    return (requests - 1) // limit * window if requests else 0.0


def run(
    rows: int,
    batch: int,
    latency: float,
    *,
    server_name: str = "built-in",
    sdk_python: str | None = None,
) -> dict[str, Any]:
    server = SERVERS[server_name]
    with (
        tempfile.TemporaryDirectory(prefix="mktd-bench-") as tmp,
        server(LIMIT, WINDOW_S, latency) as hub,
    ):
        token = hub.token if isinstance(hub, SandboxHubSpot) else TOKEN
        csv_path = Path(tmp) / "contacts.csv"
        lines = ["email,firstname,lastname,company"]
        lines += [f"bench{i}@example.org,First{i},Last{i},Co{i % 97}" for i in range(rows)]
        csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.environ.update(MKTD_HOME=str(Path(tmp) / "home"), HUBSPOT_API_KEY=token,
                          MKTD_HUBSPOT_BASE_URL=hub.url, MKTD_MAX_WAIT="60")  # fmt: skip

        if sdk_python:
            wall, imported = sdk_import(sdk_python, hub.url, token, csv_path, batch)
            audited = 0
        else:
            wall, imported, audited = mktd_import(csv_path, batch)
        requests = math.ceil(rows / batch)
        # Read the server's figures while it is up (the sandbox's live in its state).
        service, too_many, server_rows = list(hub.service), hub.too_many, hub.rows
        floor = floor_seconds(service[:requests], LIMIT, WINDOW_S)
    return {
        "server": server_name,
        "client": "hubspot-api-client (SDK)" if sdk_python else "mktd",
        "rows": rows,
        "batch_size": batch,
        "requests": requests,
        "requests_sent": len(service) + too_many,
        "audited_calls": audited,
        "imported": imported,
        "server_rows": server_rows,
        "limit": f"{LIMIT} per {WINDOW_S:g} s rolling",
        "server_latency_ms": latency * 1000,
        "wall_s": round(wall, 3),
        "limit_wait_floor_s": limit_wait_floor(requests, LIMIT, WINDOW_S),
        "service_s": round(sum(service[:requests]), 3),
        "floor_s": round(floor, 3),
        "ratio": round(wall / floor, 3) if floor else None,
        "client_overhead_ms_per_request": round((wall - floor) * 1000 / requests, 2),
        "http_429": too_many,
        "per_contact_requests": rows,
        "per_contact_wait_floor_s": limit_wait_floor(rows, LIMIT, WINDOW_S),
        "per_contact_sustained_s": rows / (LIMIT / WINDOW_S),
    }


def mktd_import(csv_path: Path, batch: int) -> tuple[float, int, int]:
    """Wall seconds, rows imported and audited calls of mktd's own import (its real wiring)."""
    from mktdirector.agents.crm.workflows import import_contacts
    from mktdirector.wiring import Deps

    deps = Deps()
    try:
        deps.store.db  # noqa: B018 - migrate now: a user's database exists before an import
        client = deps.integration("hubspot")
        if batch != 100:  # smaller batches put the limiter under pressure
            upsert = client.batch_upsert_contacts
            client.batch_upsert_contacts = lambda r, **kw: upsert(r, batch_size=batch, **kw)  # type: ignore[method-assign]
        started = time.perf_counter()
        result = import_contacts(client, csv_path)
        wall = time.perf_counter() - started
        audited = deps.store.db["http_calls"].count
    finally:
        deps.close()
    return wall, result.imported, audited


def _batch_size(value: str) -> int:
    n = int(value)
    if not 1 <= n <= 100:
        raise argparse.ArgumentTypeError("must be 1..100")
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000, help="contacts to import (5000)")
    parser.add_argument(
        "--batch-size", type=_batch_size, default=100,
        help="rows per request, 1..100 (100, HubSpot's advised maximum)",
    )  # fmt: skip
    parser.add_argument(
        "--latency-ms", type=float, default=50.0, help="server time per batch request (50)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is reported (3)")
    parser.add_argument(
        "--sandbox",
        action="store_const",
        const="sandbox",
        dest="server",
        help="import into mktd's sandbox (in this process) instead of the built-in server",
    )
    parser.add_argument(
        "--sandbox-process",
        action="store_const",
        const="sandbox-process",
        dest="server",
        help="import into `mktd sandbox serve` started as its own process (the honest setup)",
    )
    parser.add_argument(
        "--limit", type=int, default=None,
        help="the server's burst limit per 10 s (100); lower puts the rolling window to work",
    )  # fmt: skip
    parser.add_argument(
        "--sdk-python", metavar="PATH",
        help="import with HubSpot's official SDK run by this interpreter (a throwaway venv)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 unless 0 429s and <= {TARGET_RATIO}x"
    )
    args = parser.parse_args()
    global LIMIT
    LIMIT = args.limit or LIMIT
    runs = [
        run(
            args.rows,
            args.batch_size,
            args.latency_ms / 1000.0,
            server_name=args.server or "built-in",
            sdk_python=args.sdk_python,
        )
        for _ in range(args.repeat)
    ]
    # The median run by ratio: one noisy neighbour on the machine should not decide the result.
    r = sorted(runs, key=lambda x: x["ratio"] or 0.0)[len(runs) // 2]
    r = r | {"runs": len(runs), "ratios": [x["ratio"] for x in runs],
             "http_429": sum(x["http_429"] for x in runs)}  # fmt: skip
    ok = r["http_429"] == 0 and r["ratio"] is not None and r["ratio"] <= TARGET_RATIO
    if args.json:
        print(json.dumps(r | {"target_met": ok}, indent=2))
    else:
        print(
            f"{r['client']}: import of {r['rows']:,} rows, batches of {r['batch_size']} -> {r['requests']} "
            f"requests to the {r['server']} server; limit {r['limit']}, "
            f"{r['server_latency_ms']:g} ms added per batch; "
            f"median of {r['runs']} run(s)"
        )
        print(f"  wall time          {r['wall_s']:8.2f} s   ({r['imported']:,} imported)")
        print(
            f"  floor              {r['floor_s']:8.2f} s   (limit waits "
            f"{r['limit_wait_floor_s']:g} s + server service {r['service_s']:.2f} s)"
        )
        print(
            f"  ratio              {r['ratio']:8.3f} x   (target <= {TARGET_RATIO}; runs: "
            f"{', '.join(f'{x:.3f}' for x in r['ratios'])})"
        )
        print(f"  client overhead    {r['client_overhead_ms_per_request']:8.2f} ms per request")
        print(f"  429 responses      {r['http_429']:8d}     (target 0, all runs)")
        print(
            f"  one request per contact: {r['per_contact_requests']:,} requests -> at least "
            f"{r['per_contact_wait_floor_s']:g} s of limit waits "
            f"({r['per_contact_sustained_s']:g} s at the sustained 10/s)"
        )
        print("  target " + ("met" if ok else "NOT met"))  # fmt: skip
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
