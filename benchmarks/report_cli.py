"""`mktd report` end to end through the CLI at 1M snapshots / 50k posts (issue 17 item 4).

The database (report_scale.generate, 20 snapshots per post) is built once and cached under the
temp dir keyed by its size, page size and latest migration (`cache_dir`), so reruns are quick. Each case runs the real `mktd` in a subprocess
as a user does, paired with `python -c pass` and with a hand-written single SQL query giving the
same per-post numbers (a `python -c` that runs it and writes CSV: the same work a user's own
script would do). Peak RSS per process comes from os.wait4 (the child's own rusage).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import report_scale

TARGET_S = 1.0
TARGET_RATIO_SQL = 1.5

HAND_SQL = """
with seg as (
  select p.draft_id, p.platform, p.published_utc, p.cost_usd,
         (select s.id from metric_snapshots s
           where s.platform = p.platform and s.remote_id = p.remote_id
           order by s.taken_utc desc limit 1) as sid
  from posts p
  where p.status = 'published' and p.published_utc >= ? and p.published_utc < ?)
select seg.draft_id, seg.platform, seg.published_utc, m.impressions,
       coalesce(m.engagements, coalesce(m.likes, 0) + coalesce(m.reposts, 0)
         + coalesce(m.replies, 0) + coalesce(m.quotes, 0) + coalesce(m.bookmarks, 0)),
       m.link_clicks,
       (select sum(t.sessions) from traffic_snapshots t where t.draft_id = seg.draft_id),
       (select sum(t.key_events) from traffic_snapshots t where t.draft_id = seg.draft_id),
       (select count(*) from contacts c where c.draft_id = seg.draft_id),
       (select sum(g.cost_usd) from generations g where g.draft_id = seg.draft_id) + seg.cost_usd
from seg left join metric_snapshots m on m.id = seg.sid
order by seg.published_utc, seg.draft_id
"""

HAND_SCRIPT = (
    "import csv, sqlite3, sys\n"
    "c = sqlite3.connect(sys.argv[1])\n"
    "w = csv.writer(sys.stdout)\n"
    "w.writerows(c.execute(sys.argv[2], (sys.argv[3], sys.argv[4])))\n"
)


def cache_dir(snapshots: int, per_post: int) -> Path:
    """Where the generated history is kept: named by its size, the page size new files get
    (MKTD_SQLITE_PAGE_SIZE), the schema's latest migration and the generator's rows
    (report_scale.ROWS), so that a database built before any of them changed is never timed."""
    from mktdirector.store.sqlite.db import new_page_size
    from mktdirector.store.sqlite.migrations import migrations

    latest = migrations._migrations[-1].name
    rows = report_scale.ROWS
    name = f"mktd-report-cli-{snapshots}-{per_post}-page{new_page_size()}-{latest}-{rows}"
    return Path(tempfile.gettempdir()) / name


def cached_home(snapshots: int, per_post: int) -> tuple[Path, int]:
    """A MKTD_HOME holding the generated history, built once per size, page size and schema."""
    home = cache_dir(snapshots, per_post)
    done = home / "posts.txt"
    if not done.exists():
        from mktdirector.core import paths

        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        db = paths.db_path(home)
        if db.exists():
            db.unlink()
        # In a child: a child's peak RSS starts at its parent's (Linux keeps it across
        # fork/exec), so the generator's lists must not live in the process that times the CLI.
        script = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                  "import report_scale; from pathlib import Path; "
                  f"print(report_scale.generate(Path({str(db)!r}), {snapshots}, "
                  f"per_post={per_post}))")  # fmt: skip
        posts = subprocess.run([sys.executable, "-c", script], check=True, text=True,
                               capture_output=True).stdout.strip()  # fmt: skip
        done.write_text(posts)
    return home, int(done.read_text())


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int, int, float]:
    """Wall seconds, peak RSS (KiB), exit status and CPU seconds (user + system) of one
    process, its output discarded. The CPU time says what the work costs when the shared
    machine is loaded (wall time then includes waiting for a core)."""
    started = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    took = time.perf_counter() - started
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode and p.stderr is not None:
        sys.stderr.write(p.stderr.read().decode())
    return took, usage.ru_maxrss, p.returncode, usage.ru_utime + usage.ru_stime


def measure(snapshots: int, per_post: int, runs: int) -> dict[str, Any]:
    from mktdirector.core import paths

    home, posts = cached_home(snapshots, per_post)
    env = {**os.environ, "MKTD_HOME": str(home), "COLUMNS": "120"}
    first = (report_scale.NOW - timedelta(days=report_scale.DAYS)).date()
    last = report_scale.NOW.date()
    span = f"{first}..{last}"
    mktd = Path(sys.executable).parent / "mktd"
    cmd = [str(mktd)] if mktd.exists() else [sys.executable, "-m", "mktdirector"]
    cases = {
        "csv": [*cmd, "report", "--timeframe", span, "--format", "csv"],
        "json": [*cmd, "report", "--timeframe", span, "--json"],
        "table": [*cmd, "report", "--timeframe", span],
    }
    bare = [sys.executable, "-c", "pass"]
    hand = [sys.executable, "-c", HAND_SCRIPT, str(paths.db_path(home)), HAND_SQL,
            first.isoformat(), (last + timedelta(days=1)).isoformat()]  # fmt: skip
    times: dict[str, list[float]] = {k: [] for k in [*cases, "bare", "sql"]}
    cpu: dict[str, list[float]] = {k: [] for k in times}
    rss: dict[str, int] = {k: 0 for k in times}
    run(cases["csv"], env)  # warm the page cache and bytecode once
    for _ in range(runs):  # paired: every case once per round
        for name, argv in [*cases.items(), ("bare", bare), ("sql", hand)]:
            took, peak, code, used = run(argv, env)
            if code:
                raise SystemExit(f"{name} exited {code}")
            times[name].append(took)
            cpu[name].append(used)
            rss[name] = max(rss[name], peak)
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    out: dict[str, Any] = {"snapshots": snapshots, "posts": posts, "runs": runs,
                           "bare_python_s": round(med["bare"], 4),
                           "hand_sql_s": round(med["sql"], 4),
                           "hand_sql_cpu_s": round(med_cpu["sql"], 4),
                           "hand_sql_peak_rss_mib": round(rss["sql"] / 1024, 1), "cases": []}  # fmt: skip
    for name in cases:
        ratio = med[name] / med["sql"]
        out["cases"].append({
            "case": f"mktd report --format {name}", "seconds": round(med[name], 4),
            "cpu_s": round(med_cpu[name], 4),
            "cpu_x_hand_sql": round(med_cpu[name] / med_cpu["sql"], 2),
            "goal_s": TARGET_S, "x_bare_python": round(med[name] / med["bare"], 2),
            "x_hand_sql": round(ratio, 2), "goal_x_hand_sql": TARGET_RATIO_SQL,
            "peak_rss_mib": round(rss[name] / 1024, 1),
            "target_met": med[name] <= TARGET_S and ratio <= TARGET_RATIO_SQL,
        })  # fmt: skip
    return out


def print_result(r: dict[str, Any]) -> None:
    print(f"mktd report through the CLI: {r['snapshots']:,} snapshots, {r['posts']:,} posts, "
          f"median of {r['runs']} paired runs (bare python {r['bare_python_s']:.3f} s, "
          f"hand-written SQL {r['hand_sql_s']:.3f} s ({r['hand_sql_cpu_s']:.3f} s CPU), "
          f"{r['hand_sql_peak_rss_mib']} MiB):")  # fmt: skip
    for c in r["cases"]:
        print(f"  {c['case']:<28} {c['seconds']:7.3f} s (goal <= {c['goal_s']:g} s)  "
              f"{c['x_hand_sql']:5.2f}x SQL (goal <= {c['goal_x_hand_sql']:g}x)  "
              f"CPU {c['cpu_s']:.3f} s = {c['cpu_x_hand_sql']:4.2f}x SQL's  "
              f"{c['x_bare_python']:6.1f}x python  peak {c['peak_rss_mib']:7.1f} MiB  "
              f"{'ok' if c['target_met'] else 'not met'}")  # fmt: skip
