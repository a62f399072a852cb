"""`mktd report` on PostgreSQL at 1M snapshots (10k and 50k posts), against hand-written SQL.

Issue 17 items 4 and 5: the report's figures on the team backend. For each shape (1M snapshots
on 10,000 posts, 100 per post, and on 50,000 posts, 20 per post) the history is generated once
into a SQLite file (report_scale.generate, cached under the temp dir by size) and copied into a
fresh database on a throwaway PostgreSQL server (the tests' cluster, pg_team.Server) with COPY,
then ANALYZEd. Then, on the same PostgreSQL data:

- in process: `build_report` (what `mktd report` and the Python API run) over the 90 days, the
  same call on the SQLite file beside it for the ratio PG / SQLite;
- through the CLI: `mktd report --format csv`, `--json` and `--format table` in a subprocess with
  MKTD_DATABASE_URL set, paired with `python -c pass` and with a `python -c` script running one
  hand-written SQL query over psycopg that gives the same per-post numbers and writes CSV.

Goals (issue 17 item 4): ≤ 1 s end to end through the CLI and ≤ 1.5× the hand-written SQL.

    .venv/bin/python benchmarks/pg_report.py [--shapes 1000000/100,1000000/20] [--runs 3]
        [--server URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pg_team
import report_scale

TARGET_S = 1.0
TARGET_RATIO_SQL = 1.5

# The columns report_scale.generate fills, table by table (an identity id is left to PG).
TABLES = {
    "drafts": report_scale.DRAFT_COLUMNS,
    "posts": report_scale.POST_COLUMNS,
    "metric_snapshots": "platform, remote_id, draft_id, taken_utc, impressions, likes, reposts, "
    "replies, link_clicks",
    "generations": "id, draft_id, cost_usd",
    "traffic_snapshots": "property_id, date, source, medium, campaign, ad_content, "
    "landing_page, sessions, key_events, draft_id, taken_utc",
    "contacts": "id, email, created_utc, draft_id",
}

# The hand-written query as someone who knows PostgreSQL writes it: the latest snapshot by a
# LATERAL join, JIT off for the session (with the server's defaults and report_cli.HAND_SQL's
# portable shape it takes 2-3x longer, which would flatter mktd's ratio).
HAND_SQL = """
select p.draft_id, p.platform, p.published_utc, m.impressions,
       coalesce(m.engagements, coalesce(m.likes, 0) + coalesce(m.reposts, 0)
         + coalesce(m.replies, 0) + coalesce(m.quotes, 0) + coalesce(m.bookmarks, 0)),
       m.link_clicks,
       (select sum(t.sessions) from traffic_snapshots t where t.draft_id = p.draft_id),
       (select sum(t.key_events) from traffic_snapshots t where t.draft_id = p.draft_id),
       (select count(*) from contacts c where c.draft_id = p.draft_id),
       (select sum(g.cost_usd) from generations g where g.draft_id = p.draft_id) + p.cost_usd
from posts p
left join lateral (select * from metric_snapshots s
                   where s.platform = p.platform and s.remote_id = p.remote_id
                   order by s.taken_utc desc limit 1) m on true
where p.status = 'published' and p.published_utc >= %s and p.published_utc < %s
order by p.published_utc, p.draft_id
"""

HAND_SCRIPT = (
    "import csv, sys, psycopg\n"
    "with psycopg.connect(sys.argv[1], options='-c jit=off') as c:\n"
    "    w = csv.writer(sys.stdout)\n"
    "    w.writerows(c.execute(sys.argv[2], (sys.argv[3], sys.argv[4])))\n"
)


# Runs argv (stdout to /dev/null) and prints its wall seconds, peak RSS (KiB) and exit code.
# A child's peak RSS starts from the high-water mark of the memory it was exec'd from, so the
# timed process is spawned by this small interpreter, not by the benchmark (which has grown).
LAUNCHER = (
    "import json, os, sys, time\n"
    "null = os.open(os.devnull, os.O_WRONLY)\n"
    "t = time.perf_counter()\n"
    "pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,\n"
    "                     file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "took = time.perf_counter() - t\n"
    "print(json.dumps([took, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]))\n"
)


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (KiB) and exit status of one process, its output discarded."""
    p = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, *argv], env=env,
                       capture_output=True, text=True, check=False)  # fmt: skip
    if p.returncode or not p.stdout.strip():
        sys.stderr.write(p.stderr)
        return 0.0, 0, p.returncode or 1
    took, peak, code = json.loads(p.stdout)
    if code:
        sys.stderr.write(p.stderr)
    return float(took), int(peak), int(code)


def sqlite_history(snapshots: int, per_post: int) -> tuple[Path, int]:
    """The generated history as a SQLite file, built once per shape (in a child, so that its
    lists do not swell this process, whose children's peak RSS would start from it)."""
    home = (
        Path(tempfile.gettempdir()) / f"mktd-pg-report-{snapshots}-{per_post}-{report_scale.ROWS}"
    )
    db, done = home / "report.db", home / "posts.txt"
    if not done.exists():
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        db.unlink(missing_ok=True)
        script = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                  "import report_scale; from pathlib import Path; "
                  f"print(report_scale.generate(Path({str(db)!r}), {snapshots}, "
                  f"per_post={per_post}))")  # fmt: skip
        posts = subprocess.run([sys.executable, "-c", script], check=True, text=True,
                               capture_output=True).stdout.strip()  # fmt: skip
        done.write_text(posts)
    return db, int(done.read_text())


def copy_into(url: str, source: Path) -> float:
    """Every generated row into PostgreSQL by COPY, then ANALYZE; returns the seconds taken."""
    import psycopg

    started = time.perf_counter()
    src = sqlite3.connect(source)
    try:
        with psycopg.connect(url) as pg, pg.cursor() as cur:
            for table, cols in TABLES.items():
                with cur.copy(f"copy {table} ({cols}) from stdin") as copy:
                    for row in src.execute(f"select {cols} from {table}"):
                        copy.write_row(row)
            pg.commit()
            # Snapshot ids are PostgreSQL's own here: each post's latest one is set as a fetch
            # would have (m028's pointer), by the store's own statement.
            from mktdirector.store.postgres.store import PostgresStore

            store = PostgresStore(url)
            store.refresh_latest_snapshots()
            store.close()
            pg.autocommit = True
            pg.execute("analyze")
    finally:
        src.close()
    return time.perf_counter() - started


def in_process(store: Any, span: str, runs: int) -> tuple[float, int]:
    from mktdirector.agents.analytics.report import build_report

    times, posts = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        report = build_report(store, timeframe=span, now=report_scale.NOW)
        times.append(time.perf_counter() - started)
        posts = len(report.posts)
    store.close()
    return statistics.median(times), posts


def through_cli(url: str, home: Path, span: tuple[str, str, str], runs: int) -> dict[str, Any]:
    first, end, label = span
    env = pg_team.clean_environ() | {"MKTD_HOME": str(home), "MKTD_DATABASE_URL": url,
                                     "COLUMNS": "120", "NO_COLOR": "1"}  # fmt: skip
    cmd = pg_team.mktd_command()
    cases = {
        "csv": [*cmd, "report", "--timeframe", label, "--format", "csv"],
        "json": [*cmd, "report", "--timeframe", label, "--json"],
        "table": [*cmd, "report", "--timeframe", label],
    }
    others = {
        "bare": [sys.executable, "-c", "pass"],
        "sql": [sys.executable, "-c", HAND_SCRIPT, url, HAND_SQL, first, end],
    }
    times: dict[str, list[float]] = {k: [] for k in [*cases, *others]}
    rss: dict[str, int] = dict.fromkeys(times, 0)
    run(cases["csv"], env)  # warm the server's cache and the bytecode once
    for _ in range(runs):  # paired: every case once per round
        for name, argv in [*cases.items(), *others.items()]:
            took, peak, code = run(argv, env)
            if code:
                raise SystemExit(f"{name} exited {code}")
            times[name].append(took)
            rss[name] = max(rss[name], peak)
    med = {k: statistics.median(v) for k, v in times.items()}
    out: dict[str, Any] = {"bare_python_s": round(med["bare"], 4),
                           "hand_sql_s": round(med["sql"], 4),
                           "hand_sql_peak_rss_mib": round(rss["sql"] / 1024, 1),
                           "bare_python_peak_rss_mib": round(rss["bare"] / 1024, 1),
                           "cases": []}  # fmt: skip
    for name in cases:
        ratio = med[name] / med["sql"]
        out["cases"].append({
            "case": f"mktd report --format {name}", "seconds": round(med[name], 4),
            "goal_s": TARGET_S, "x_hand_sql": round(ratio, 2), "goal_x_hand_sql": TARGET_RATIO_SQL,
            "x_bare_python": round(med[name] / med["bare"], 2),
            "peak_rss_mib": round(rss[name] / 1024, 1),
            "target_met": med[name] <= TARGET_S and ratio <= TARGET_RATIO_SQL,
        })  # fmt: skip
    return out


def measure(server: pg_team.Server, snapshots: int, per_post: int, runs: int) -> dict[str, Any]:
    from mktdirector.store.postgres.store import PostgresStore
    from mktdirector.store.sqlite.store import Store

    source, posts = sqlite_history(snapshots, per_post)
    url = server.new_database()
    copy_s = copy_into(url, source)
    first = (report_scale.NOW - timedelta(days=report_scale.DAYS)).date()
    last = report_scale.NOW.date()
    label = f"{first}..{last}"
    with tempfile.TemporaryDirectory(prefix="mktd-pgr-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir(mode=0o700)
        span = (first.isoformat(), (last + timedelta(days=1)).isoformat(), label)
        cli = through_cli(url, home, span, runs)
    pg_s, matched = in_process(PostgresStore(url), label, runs)
    sqlite_s, _ = in_process(Store(source), label, runs)
    return {
        "snapshots": snapshots, "posts": posts, "matched_posts": matched, "runs": runs,
        "copy_s": round(copy_s, 1),
        "in_process": {"postgresql_s": round(pg_s, 4), "sqlite_s": round(sqlite_s, 4),
                       "x_sqlite": round(pg_s / sqlite_s, 2), "goal_s": TARGET_S,
                       "target_met": pg_s <= TARGET_S},
        **cli,
    }  # fmt: skip


def print_result(r: dict[str, Any]) -> None:
    ip = r["in_process"]
    print(f"PostgreSQL, {r['snapshots']:,} snapshots / {r['posts']:,} posts "
          f"(copied in {r['copy_s']} s), median of {r['runs']}:")  # fmt: skip
    print(f"  build_report in process: {ip['postgresql_s']:.3f} s on PG, {ip['sqlite_s']:.3f} s "
          f"on SQLite ({ip['x_sqlite']:.2f}x); goal <= {ip['goal_s']:g} s "
          f"{'ok' if ip['target_met'] else 'not met'}")  # fmt: skip
    print(f"  hand-written SQL over psycopg {r['hand_sql_s']:.3f} s, bare python "
          f"{r['bare_python_s']:.3f} s ({r['bare_python_peak_rss_mib']} MiB)")  # fmt: skip
    for c in r["cases"]:
        print(f"  {c['case']:<28} {c['seconds']:7.3f} s (goal <= {c['goal_s']:g} s)  "
              f"{c['x_hand_sql']:5.2f}x SQL (goal <= {c['goal_x_hand_sql']:g}x)  "
              f"peak {c['peak_rss_mib']:6.1f} MiB  {'ok' if c['target_met'] else 'not met'}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="1000000/100,1000000/20",
                        help="SNAPSHOTS/PER_POST,... (1M on 10k posts, 1M on 50k posts)")  # fmt: skip
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--server", help="postgresql://user@host:port of a server to use")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    shapes = [tuple(int(x) for x in s.split("/")) for s in args.shapes.split(",")]
    if reason := pg_team.unavailable(args.server):
        return pg_team.not_measured(reason, args.json)
    results = []
    os.environ.setdefault("MKTD_HOME", tempfile.mkdtemp(prefix="mktd-pgr-home-"))
    with pg_team.Server(args.server) as server:
        for snapshots, per_post in shapes:
            results.append(measure(server, snapshots, per_post, max(args.runs, 1)))
            if not args.json:
                print_result(results[-1])
    doc = {"goal_s": TARGET_S, "goal_x_hand_sql": TARGET_RATIO_SQL, "shapes": results,
           "target_met": all(c["target_met"] for r in results for c in r["cases"])}  # fmt: skip
    if args.json:
        print(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
