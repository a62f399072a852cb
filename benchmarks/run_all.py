"""Run every benchmark in sequence and write the results into docs/benchmarks.md.

Runs each benchmark in BENCHES (startup, reports, worker and its WAL breakdown, choke point,
imports, web latency, X metrics, crash trials) with its defaults, one after another so they do not compete for the cores,
each as `python benchmarks/NAME.py ... --json`, and replaces the part of docs/benchmarks.md
between `<!-- results:start -->` and `<!-- results:end -->` (added at the end when missing; the
prose around them is kept) with a table of the figures, each with its goal and ok / not met, the
machine (cores, memory, OS, Python, load) and the date. A benchmark that fails is reported as
failed, and the others still run. Each benchmark's last result is kept in benchmarks/results.json:
`--only NAME,...` re-measures those and the table keeps the others, each row saying when it was
measured. The whole run takes about 20 minutes on 2 cores, most of it the 200 crash trials.

    .venv/bin/python benchmarks/run_all.py [--quick] [--only NAME,...] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "benchmarks.md"
# Each benchmark's last JSON, so `--only NAME` re-measures one and the table keeps the others
# (each such row says when it was measured).
RESULTS = HERE / "results.json"
START, END = "<!-- results:start -->", "<!-- results:end -->"


@dataclass
class Bench:
    name: str
    args: list[str]
    quick: list[str]
    render: Callable[[Any], list[tuple[str, str, str, str]]]  # rows: what, result, target, ok
    script: str = ""

    def __post_init__(self) -> None:
        self.script = self.script or f"{self.name}.py"


@dataclass
class Outcome:
    bench: Bench
    seconds: float
    data: Any = None
    error: str | None = None
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("ok" if ok else "**not met**")


# renderers: JSON of one benchmark -> table rows ----------------------------------------------------
def r_startup(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    res = d["results"]
    rows = [
        (
            "startup: `python -c pass`",
            f"{res['python -c pass']['median_ms']:.1f} ms (median of {d['runs']})",
            "",
            "",
        ),
        (
            "startup: `mktd --help`",
            f"{res['mktd --help']['median_ms']:.1f} ms = {res['mktd --help']['ratio']:.2f}× python",
            f"≤ {d['target_help_ratio']:g}×",
            verdict(res["mktd --help"]["ratio"] <= d["target_help_ratio"]),
        ),
    ]
    for name, r in res.items():  # issue 17: every offline command, each with its goal
        if name in ("python -c pass", "mktd --help", "llm --help"):
            continue
        why = "on a terminal" if "terminal" in name else "typed option"
        goal = f"≤ {r['target_ratio']:g}×" if "target_ratio" in r else f"none ({why})"
        met = verdict(r["target_met"]) if "target_ratio" in r else ""
        rows.append(
            (f"startup: `{name}`", f"{r['median_ms']:.1f} ms = {r['ratio']:.2f}× python", goal, met)
        )
    if d.get("mktd_help_vs_llm_help") is not None:
        llm = res["llm --help"]
        rows.append(
            (
                "startup: `llm --help` (peer CLI)",
                f"{llm['median_ms']:.1f} ms = {llm['ratio']:.2f}× python; `mktd --help` is "
                f"{d['mktd_help_vs_llm_help']:.2f}× `llm --help`",
                "compared",
                "",
            )
        )
    return rows


def r_report_cli(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (
            f"{c['case']}, {d['snapshots']:,} snapshots / {d['posts']:,} posts",
            f"{c['seconds'] * 1000:.0f} ms, {c['x_hand_sql']:.2f}x hand SQL, "
            f"CPU {c.get('cpu_x_hand_sql', 0):.2f}x hand SQL's, peak {c['peak_rss_mib']:.0f} MiB",
            f"≤ {c['goal_s']:g} s and ≤ {c['goal_x_hand_sql']:g}x SQL",
            verdict(c["target_met"]),
        )
        for c in d["cases"]
    ]


def r_report(d: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    rows = []
    for r in d:
        ok = r["report_all_s"] <= 1.0 if r["snapshots"] >= 1_000_000 else None
        rows.append(
            (
                f"report over {r['snapshots']:,} metric snapshots",
                f"{r['report_all_s'] * 1000:.0f} ms for 90 days ({r['matched_all']:,} posts), "
                f"{r['report_7d_s'] * 1000:.0f} ms for 7 days",
                "≤ 1 s at 1M" if r["snapshots"] >= 1_000_000 else "",
                verdict(ok),
            )
        )
    return rows


# What the published posts said (worker_overhead.py --content), as the rows name it.
CONTENT_LABEL = {"x": ", 280-character X posts", "linkedin": ", 1,300-character LinkedIn posts"}


def r_worker(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    posts = CONTENT_LABEL.get(d.get("content", "short-x"), "")
    rows = [
        (
            f"worker overhead, {d['jobs']:,} due jobs{posts}",
            f"{d['per_job_ms']:.2f} ms per job ({d['total_s']:.2f} s)",
            f"≤ {d['target_ms']:g} ms",
            verdict(d["per_job_ms"] <= d["target_ms"]),
        )
    ]
    kib = d.get("written_kib_per_job")
    if kib is not None:
        rows.append(
            (
                f"worker: written to disk per published job{posts}",
                f"{kib:.1f} KiB"
                + (
                    f" ({d['commits_per_job']:g} commits per job"
                    + (
                        f", {d['synced_commits_per_job']:g} synced, {d['page_size']} B pages"
                        if "synced_commits_per_job" in d
                        else ""
                    )
                    + ")"
                    if "commits_per_job" in d
                    else ""
                ),
                f"≤ {d['target_kib']:g} KiB",
                verdict(kib <= d["target_kib"]),
            )
        )
    return rows


def r_worker_wal(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    kinds = ", ".join(f"{k} {v['frames_per_job']:g}" for k, v in d["by_kind"].items())
    top = ", ".join(f"{n} {c:g}" for n, c in list(d["by_btree"].items())[:6])
    return [
        (
            f"worker WAL per published job, {d['jobs']:,} jobs, {d['page_size']} B pages",
            f"{d['frames_per_job']:g} frames = {d['wal_kib_per_job']:g} KiB; by commit: {kinds}",
            "none (explains the bytes)",
            "",
        ),
        ("worker WAL frames per job: largest B-trees", top, "none", ""),
    ]


def r_choke(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (
            "choke point: HttpClient vs raw httpx, local instant server",
            f"{d['mktd_us']:.0f} µs vs {d['raw_httpx_us']:.0f} µs = {d['ratio']:.2f}× "
            f"(client CPU {d['cpu_ratio']:.2f}×; {d['commits_per_request']:g} commits per request)"
            if "cpu_ratio" in d
            else f"{d['mktd_us']:.0f} µs vs {d['raw_httpx_us']:.0f} µs = {d['ratio']:.2f}× "
            f"({d['commits_per_request']:g} commits per request)",
            f"≤ {d['target_ratio']:g}×",
            verdict(d["target_met"]),
        )
    ]


def r_hubspot(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (
            f"HubSpot import, {d['rows']:,} contacts ({d['server']} server, {d['limit']})",
            f"{d['wall_s']:.2f} s / floor {d['floor_s']:.2f} s = {d['ratio']:.3f}× "
            f"(median of {d['runs']}); {d['http_429']} × 429; {d['requests']} requests",
            "≤ 1.10×, 0 × 429",
            verdict(d["target_met"]),
        )
    ]


def r_salesforce(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (
            f"Salesforce import, {d['rows']:,} leads by {d['by']} (sandbox)",
            f"{d['wall_s']:.2f} s / floor {d['floor_s']:.2f} s = {d['ratio']:.3f}× "
            f"(median of {d['runs']}); {d['request_limit_exceeded']} × 403 "
            f"REQUEST_LIMIT_EXCEEDED; {d['calls']} calls for a minimum of {d['calls_minimum']}",
            "≤ 1.10×, 0 × 403, the batch minimum",
            verdict(d["target_met"]),
        )
    ]


def r_mailchimp(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (
            f"Mailchimp import, {d['rows']:,} members (sandbox process)",
            f"{d['wall_s']:.2f} s / floor {d['floor_s']:.2f} s = {d['ratio']:.3f}× "
            f"(best of {len(d['ratios'])}); {d['http_429']} × 429; {d['batch_calls']} calls for "
            f"a minimum of {d['batch_minimum']}",
            "≤ 1.10×, 0 × 429, the batch minimum",
            verdict(d["target_met"]),
        )
    ]


def r_web(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    target = d["target_p95_ms"]
    return [
        (
            f"web `{name}` at {d['drafts']:,} drafts",
            f"p50 {v['p50_ms']} ms, p95 {v['p95_ms']} ms ({d['requests']} requests)",
            f"p95 ≤ {target:g} ms",
            verdict(v["p95_ms"] <= target),
        )
        for name, v in d.items()
        if isinstance(v, dict)
    ]


def r_web_posts(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    target = d["target_p95_ms"]
    return [
        (
            f"web `{name}` at {d['snapshots']:,} snapshots / {d['posts']:,} posts",
            f"p50 {v['p50_ms']} ms, p95 {v['p95_ms']} ms ({d['requests']} requests)",
            f"p95 ≤ {target:g} ms",
            verdict(v["p95_ms"] <= target),
        )
        for name, v in d.items()
        if isinstance(v, dict)
    ]


def r_x(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    # Issue 17 item 3's goal at X's published limit (no wait); the tight limit keeps the
    # benchmark's own 1.25 (the whole-second reset header costs up to 1 s per window).
    goals = {"published": 1.10, "tight": 1.25}
    for name in ("published", "tight"):
        r = d[name]
        ratio = f"{r['ratio']:.3f}×" if r["ratio"] is not None else "n/a (stopped early)"
        got = f"{r['snapshots']:,} of {r['posts']:,} snapshots"
        ok = r["http_429"] == 0 and r["snapshots"] == r["posts"] and r["ratio"] is not None
        rows.append(
            (
                f"X metrics, {r['posts']:,} posts, limit {r['limit']} ({r.get('server', 'sandbox')})",
                f"span {r['span_s']:.2f} s / floor {r['floor_s']:.2f} s = {ratio}; "
                f"{r['http_429']} × 429; {r['calls_sent']} calls for {r['calls_needed']}; {got}",
                f"≤ {goals[name]:.2f}×, 0 × 429, all posts",
                verdict(ok and r["ratio"] <= goals[name]),
            )
        )
    return rows


def r_crash(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    refusals = d["duplicate_refusals"]
    return [
        (
            f"crash trials (seed {d['seed']})",
            f"{d['trials']} trials, {d['kills']} SIGKILLs ({d['trials_killed']} trials killed), "
            f"{d['runs']} re-runs: {d['published']} published once, {d['needs_check']} "
            f"needs-check ({d['needs_check_posted']} of them posted), {d['stuck']} stuck; "
            f"{d['duplicates']} duplicates, {d['thread_order_errors']} thread-order errors, "
            f"{d['strays']} strays; {d['reconciled']} reconciled by read-back; refused resends "
            f"X {refusals.get('x_403', 0)}, LinkedIn {refusals.get('linkedin_422', 0)}; "
            f"{d['wall_s']:.0f} s",
            "0 duplicates, 0 lost",
            verdict(d["ok"]),
        )
    ]


def r_pg_not_measured(what: str, d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(what, f"not measured: {d['not_measured']}", "", "")]


def r_pg_overhead(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    if "not_measured" in d:
        return r_pg_not_measured("PostgreSQL: worker overhead per job", d)
    return [
        (
            f"PostgreSQL: worker overhead, {d['jobs']:,} due jobs",
            f"{d['postgresql_ms_per_job']:.2f} ms per job on PG vs {d['sqlite_ms_per_job']:.2f} "
            f"ms on SQLite ({d['ratio']:.2f}×)",
            f"≤ {d['target_ms']:g} ms",
            verdict(d["target_met"]),
        )
    ]


def r_pg_throughput(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    if "not_measured" in d:
        return r_pg_not_measured("PostgreSQL: queue throughput with 1/2/4 workers", d)
    rates = ", ".join(
        f"{n}: {v:.0f}/min ({d['ratio_to_1'][n]:.2f}×)" for n, v in d["posts_per_minute"].items()
    )
    return [
        (
            f"PostgreSQL: queue throughput, {d['posts']} X posts, {d['latency_s']:g} s per create",
            f"workers {rates}",
            f"n workers ≥ {d['goal_ratio_per_worker']:g}·n × one",
            verdict(d["target_met"]),
        )
    ]


def r_pg_report(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    if "not_measured" in d:
        return r_pg_not_measured("PostgreSQL: `mktd report` at 1M snapshots", d)
    rows = []
    for r in d["shapes"]:
        shape = f"{r['snapshots']:,} snapshots / {r['posts']:,} posts"
        ip = r["in_process"]
        rows.append(
            (
                f"PostgreSQL: report in process, {shape}",
                f"{ip['postgresql_s'] * 1000:.0f} ms ({ip['x_sqlite']:.2f}× SQLite's "
                f"{ip['sqlite_s'] * 1000:.0f} ms)",
                f"≤ {ip['goal_s']:g} s",
                verdict(ip["target_met"]),
            )
        )
        rows += [
            (
                f"PostgreSQL: `{c['case']}`, {shape}",
                f"{c['seconds'] * 1000:.0f} ms, {c['x_hand_sql']:.2f}× hand SQL "
                f"({r['hand_sql_s'] * 1000:.0f} ms), peak {c['peak_rss_mib']:.0f} MiB",
                f"≤ {c['goal_s']:g} s and ≤ {c['goal_x_hand_sql']:g}× SQL",
                verdict(c["target_met"]),
            )
            for c in r["cases"]
        ]
    return rows


BENCHES = [
    Bench("startup", ["--runs", "15"], ["--runs", "10"], r_startup),
    Bench("report_scale", [], ["--sizes", "10000,100000", "--runs", "1"], r_report),
    Bench(
        "report_cli",
        ["--cli", "--runs", "3"],
        ["--cli", "--runs", "1", "--cli-snapshots", "100000"],
        r_report_cli,
        script="report_scale.py",
    ),
    Bench("worker_overhead", ["--jobs", "1000"], ["--jobs", "200"], r_worker),
    Bench(
        "worker_overhead_linkedin",
        ["--jobs", "1000", "--content", "linkedin"],
        ["--jobs", "200", "--content", "linkedin"],
        r_worker,
        script="worker_overhead.py",
    ),
    Bench("worker_wal", ["--jobs", "1000"], ["--jobs", "200"], r_worker_wal),
    Bench("choke_point", ["--requests", "5000", "--blocks", "20"], ["--requests", "1000"], r_choke),
    Bench("hubspot_import", ["--repeat", "3"], ["--repeat", "1", "--rows", "2000"], r_hubspot),
    Bench(
        "hubspot_sandbox",
        ["--sandbox", "--repeat", "3"],
        ["--sandbox", "--repeat", "1", "--rows", "2000"],
        r_hubspot,
        script="hubspot_import.py",
    ),
    Bench(
        "hubspot_sandbox_process",
        ["--sandbox-process", "--repeat", "3"],
        ["--sandbox-process", "--repeat", "1", "--rows", "2000"],
        r_hubspot,
        script="hubspot_import.py",
    ),
    Bench(
        "hubspot_sandbox_process_20k",
        ["--sandbox-process", "--repeat", "1", "--rows", "20000"],
        ["--sandbox-process", "--repeat", "1", "--rows", "3000", "--limit", "10"],
        r_hubspot,
        script="hubspot_import.py",
    ),
    Bench(
        "salesforce_import", ["--repeat", "3"], ["--repeat", "1", "--rows", "2000"], r_salesforce
    ),
    Bench("mailchimp_import", ["--repeat", "3"], ["--repeat", "1", "--rows", "2000"], r_mailchimp),
    Bench("web_latency", [], ["--drafts", "2000", "--requests", "50"], r_web),
    Bench(
        "web_posts_scale",
        ["--snapshots", "1000000", "--requests", "20"],
        ["--snapshots", "100000", "--requests", "10"],
        r_web_posts,
    ),
    Bench("x_metrics", ["--sandbox-process"], ["--posts", "1000", "--sandbox-process"], r_x),
    Bench("crash_trials", ["--trials", "200"], ["--trials", "18"], r_crash),
    Bench("pg_overhead", ["--jobs", "1000"], ["--jobs", "200"], r_pg_overhead),
    Bench(
        "pg_throughput", ["--posts", "60"], ["--posts", "20", "--workers", "1,2"], r_pg_throughput
    ),
    Bench("pg_report", ["--runs", "3"], ["--shapes", "100000/20", "--runs", "1"], r_pg_report),
]


def run(bench: Bench, quick: bool, llm: str | None) -> Outcome:
    cmd = [sys.executable, str(HERE / bench.script), *(bench.quick if quick else bench.args)]
    if bench.name == "startup" and llm:
        cmd += ["--llm", llm]
    cmd.append("--json")
    print(f"==> {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(cmd))}", flush=True)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
    seconds = time.perf_counter() - started
    out = Outcome(bench, seconds)
    try:
        out.data = json.loads(proc.stdout)
    except ValueError:
        out.error = f"exit {proc.returncode}: {(proc.stderr or proc.stdout)[-600:]}"
        print(f"    failed after {seconds:.0f} s: {out.error}", flush=True)
        return out
    try:
        out.rows = bench.render(out.data)
    except (KeyError, TypeError) as e:
        out.error = f"unexpected output ({type(e).__name__}: {e})"
    # A missed target is not an error here: its row says **not met**.
    for row in out.rows:
        print(f"    {row[0]}: {row[1]} {row[3]}", flush=True)
    print(f"    ({seconds:.0f} s)", flush=True)
    return out


def machine() -> dict[str, str]:
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cores = str(os.cpu_count() or "?")
    if hasattr(os, "sched_getaffinity"):
        cores = str(len(os.sched_getaffinity(0)))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {
        "cores": cores,
        "memory": mem,
        "os": f"{platform.system()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": load,
    }


def section(outcomes: list[Outcome], m: dict[str, str], total_s: float, quick: bool) -> str:
    lines = [
        START,
        "## Results",
        "",
        "Written by `.venv/bin/python benchmarks/run_all.py`"
        + (" --quick (reduced sizes)" if quick else "")
        + f" on {m['date']}: {m['cores']} cores (nproc), {m['memory']} memory, {m['os']}, "
        f"{m['python']}; load average {m['load']} at the start; {total_s / 60:.1f} min in all. "
        "Ratios are measured within each run, so they travel between machines better than the "
        "absolute times.",
        "",
        "| benchmark | result | target | |",
        "|---|---|---|---|",
    ]
    for o in outcomes:
        if o.error:
            lines.append(
                f"| {o.bench.name} | failed: {o.error.splitlines()[-1][:200]} | | **failed** |"
            )
            continue
        for what, result, target, ok in o.rows:
            lines.append(f"| {what} | {result} | {target} | {ok} |")
    crash = next((o for o in outcomes if o.bench.name == "crash_trials" and o.data), None)
    if crash is not None:
        phases = crash.data.get("kill_phases", {})
        lines += [
            "",
            "Where the crash trials' SIGKILLs landed: "
            + ", ".join(f"{k} {v}" for k, v in sorted(phases.items(), key=lambda kv: -kv[1]))
            + ". Outcomes by kind: "
            + "; ".join(
                f"{kind} " + ", ".join(f"{s} {n}" for s, n in counts.items())
                for kind, counts in crash.data.get("by_kind", {}).items()
            )
            + ".",
        ]
    lines.append(END)
    return "\n".join(lines)


def write(doc: Path, text: str) -> None:
    old = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if pattern.search(old):
        new = pattern.sub(lambda _m: text, old)
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    doc.write_text(new if new.endswith("\n") else new + "\n", encoding="utf-8")


def remembered(fresh: list[Outcome], m: dict[str, str]) -> list[Outcome]:
    """Save this run's results and add the last results of the benchmarks it did not run, in
    BENCHES order, each of those rows naming the date it was measured."""
    try:
        kept: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    for o in fresh:
        if o.error is None:
            kept[o.bench.name] = {"data": o.data, "measured": m["date"], "load": m["load"]}
    RESULTS.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    ran = {o.bench.name: o for o in fresh}
    out = []
    for bench in BENCHES:
        if bench.name in ran:
            out.append(ran[bench.name])
        elif bench.name in kept:
            old = Outcome(bench, 0.0, data=kept[bench.name]["data"])
            when = f"measured {kept[bench.name]['measured']}, load {kept[bench.name]['load']}"
            try:
                old.rows = [(f"{w} ({when})", r, t, ok) for w, r, t, ok in bench.render(old.data)]
            except (KeyError, TypeError):
                continue  # a result from before its renderer changed: not shown
            out.append(old)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (a few minutes)")
    parser.add_argument("--only", help="comma-separated benchmark names: " + ", ".join(
        b.name for b in BENCHES))  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--llm", help="llm executable for the startup comparison (default: PATH)")
    parser.add_argument("--doc", type=Path, default=DOC, help=argparse.SUPPRESS)
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    unknown = (only or set()) - {b.name for b in BENCHES}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    llm = args.llm or shutil.which("llm")
    m = machine()
    started = time.perf_counter()
    outcomes = [run(b, args.quick, llm) for b in BENCHES if only is None or b.name in only]
    total = time.perf_counter() - started
    if not args.quick and not args.no_write:
        outcomes = remembered(outcomes, m)
    text = section(outcomes, m, total, args.quick)
    if not args.no_write:
        write(args.doc, text)
        print(f"wrote the results into {args.doc}")
    else:
        print(text)
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
