"""Crash trials: kill real `mktd` processes mid-publish (SIGKILL) and check nothing is lost or doubled.

Runs N seeded trials (default 200) against the sandbox: `mktd publish ID`, `mktd social P
--text-file F --publish` re-runs and `mktd worker --once`, on X posts, 5-part X threads and
LinkedIn posts, each killed 1-3 times at random moments, then re-run until the draft is published
or needs-check. Prints the trials, the kills (and where they landed), the outcomes and the wall
time. Target (issue 7): every item published exactly once or needs-check with a reason; 0
duplicates, 0 thread-order errors, 0 stray posts. See benchmarks/crash_harness.py for the steps.
With --postgres each home gets its own database on a throwaway PostgreSQL server
(tests/pg_fixture.py; Debian's postgresql), or on the server given as --server URL.

    .venv/bin/python benchmarks/crash_trials.py [--trials 200] [--seed 1] [--lanes 3]
        [--postgres [--server postgresql://user@host:port]] [--keep DIR] [--json] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crash_harness import describe, run_trials  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="trials to run (200)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the trial plan (1)")
    parser.add_argument(
        "--lanes",
        type=int,
        default=min(4, (os.cpu_count() or 1) + 1),
        help="trials run side by side, each lane in its own MKTD_HOME (nproc + 1, max 4)",
    )
    parser.add_argument("--keep", type=Path, help="keep homes, sandbox state and stderr logs here")
    parser.add_argument("--postgres", action="store_true", help="each home on PostgreSQL")
    parser.add_argument("--server", help="with --postgres: a server to use (else a throwaway)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true", help="no line per trial")
    args = parser.parse_args()
    log = None if args.quiet or args.json else (lambda line: print(line, flush=True))
    with ExitStack() as stack:
        databases = None
        if args.postgres:
            import pg_team  # the PostgreSQL benchmarks' throwaway server (or --server)

            databases = stack.enter_context(pg_team.Server(args.server)).new_database
        summary = run_trials(args.trials, args.seed, lanes=args.lanes, workdir=args.keep,
                             keep=bool(args.keep), log=log, databases=databases)  # fmt: skip
    if args.json:
        print(json.dumps(summary.to_dict() | {"seed": args.seed, "lanes": args.lanes}, indent=2))
    else:
        print(f"seed {args.seed}, {args.lanes} lanes")
        print(describe(summary))
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
