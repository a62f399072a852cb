"""Where the choke point's time goes: its layers added one at a time, and its pieces timed alone.

Same local instant server as benchmarks/choke_point.py. Each layer below adds one thing to the
one before, all run in interleaved rounds (so each sees the same load), and the median per
request is printed as wall and CPU (this process) microseconds; CPU moves less with the load:

  raw httpx                     httpx.Client.get on one keep-alive connection
  + deadline transport          the same through core/deadline's transport and its extension
  HttpClient, bare              retry, hooks, capped read, classify; in-memory limiter, no audit
  + HubSpot policy and limits   the rate headers read, the declared limits counted (in memory)
  + SQLite limiter              the reservation and what the answer said, two relaxed commits
  + audit rows (the wiring)     `Deps.http` exactly as the product builds it

then the pieces without the network (CPU µs per call), and with `--profile N` the functions that
took the most time over N wired requests (cProfile, whose own cost inflates small functions).

    .venv/bin/python benchmarks/choke_point_breakdown.py [--requests 2000] [--rounds 7]
        [--profile 2000] [--json]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from choke_point import arguments, per_request_us, wired_to_local_server  # noqa: E402

PATH = "/account-info/v3/details"
AUTH = {"Authorization": "Bearer bench"}


def layers(url: str, deps: Any, wired: Any) -> dict[str, Callable[[], object]]:
    import httpx

    from mktdirector.core import deadline
    from mktdirector.core.http import HttpClient
    from mktdirector.core.ratelimit import Limiter

    raw = httpx.Client(base_url=url, headers=AUTH)
    timed = httpx.Client(
        base_url=url, headers=AUTH, transport=deadline.DeadlineTransport(httpx.HTTPTransport())
    )

    def with_deadline() -> None:
        request = timed.build_request("GET", PATH)
        request.extensions[deadline.EXTENSION] = 60.0
        timed.send(request).read()

    bare = HttpClient("hubspot", url, account="bench", headers=AUTH)
    policed = HttpClient(
        "hubspot", url, account="bench", headers=AUTH, limits=wired.limits, policy=wired.policy
    )
    stored = HttpClient(
        "hubspot", url, account="bench", headers=AUTH, limits=wired.limits, policy=wired.policy,
        limiter=Limiter(deps.store, clock=deps.clock.now, sleep=deps.clock.sleep),
    )  # fmt: skip
    return {
        "raw httpx": lambda: raw.get(PATH),
        "+ deadline transport": with_deadline,
        "HttpClient, bare": lambda: bare.request("GET", PATH),
        "+ HubSpot policy and limits": lambda: policed.request("GET", PATH),
        "+ SQLite limiter": lambda: stored.request("GET", PATH),
        "+ audit rows (the wiring)": lambda: wired.request("GET", PATH),
    }


def pieces(deps: Any, wired: Any, url: str) -> dict[str, Callable[[], object]]:
    import httpx

    from mktdirector.core.http import Exchange
    from mktdirector.core.people import current_actor
    from mktdirector.store.stamps import new_id

    answer = wired.request("GET", PATH)  # a real answer, with HubSpot's rate headers
    limiter, policy, limits = deps.limiter, wired.policy, wired.limits
    row = Exchange("hubspot", "bench", "GET", PATH, 200, 1, 1, correlation_id="c", actor="a")

    def settle() -> None:
        with limiter.batch():
            limiter.observe("hubspot", "bench", PATH, answer, policy)
            deps.audit(row)

    raw = httpx.Client(base_url=url, headers=AUTH)
    return {
        "limiter.reserve (one relaxed commit)": lambda: limiter.reserve(
            "hubspot", "bench", limits, "GET", PATH
        ),
        "observe + audit row (one relaxed commit)": settle,
        "audit row alone (its own commit)": lambda: deps.audit(row),
        "policy.rate_counters (HubSpot headers)": lambda: policy.rate_counters(answer.headers, 0.0),
        "httpx build_request (raw pays it too)": lambda: raw.build_request("GET", PATH),
        "store id (ULID)": new_id,
        "current_actor": current_actor,
    }


def interleaved(cases: dict[str, Callable[[], object]], n: int, rounds: int) -> dict[str, Any]:
    for send in cases.values():  # warm up: connections, the database file, caches
        for _ in range(50):
            send()
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, send in cases.items():
            seen[name].append(per_request_us(send, n))
    return {
        name: {
            "wall_us": round(statistics.median(w for w, _ in runs), 1),
            "cpu_us": round(statistics.median(c for _, c in runs), 1),
        }
        for name, runs in seen.items()
    }


def profile(send: Callable[[], object], n: int) -> str:
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        send()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
    return out.getvalue()


def main() -> int:
    parser = arguments(__doc__.splitlines()[0], "requests per layer")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median)")
    parser.add_argument("--profile", type=int, default=0, help="cProfile N wired requests")
    args = parser.parse_args()
    per_round = max(1, args.requests // args.rounds)
    with wired_to_local_server() as (url, deps, wired):
        stack = interleaved(layers(url, deps, wired), per_round, args.rounds)
        alone = interleaved(pieces(deps, wired, url), per_round, args.rounds)
        report = profile(lambda: wired.request("GET", PATH), args.profile)
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"layers": stack, "pieces": alone, "load": round(load, 2)}))
        return 0
    print(f"{per_round * args.rounds} requests per layer, {args.rounds} rounds, load {load:.1f}")
    print(f"{'layer':40s} {'wall µs':>9s} {'+wall':>7s} {'CPU µs':>8s} {'+CPU':>7s}")
    before: dict[str, float] | None = None
    for name, fig in stack.items():
        dw = fig["wall_us"] - before["wall_us"] if before else 0.0
        dc = fig["cpu_us"] - before["cpu_us"] if before else 0.0
        print(f"{name:40s} {fig['wall_us']:9.1f} {dw:+7.1f} {fig['cpu_us']:8.1f} {dc:+7.1f}")
        before = fig
    print(f"\n{'piece, without the network':44s} {'CPU µs':>8s}")
    for name, fig in alone.items():
        print(f"{name:44s} {fig['cpu_us']:8.1f}")
    if args.profile:
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
