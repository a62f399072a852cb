"""Startup cost of `mktd --help` and `mktd status` against a bare `python -c pass`.

Runs the commands interleaved (so machine noise hits all of them alike), at least 10 times each,
against a fresh, initialized MKTD_HOME, and prints the median wall times and the ratios to bare
Python. Target (issue 2): `mktd --help` <= 8x bare Python, because shell completion runs the
same startup on every Tab. When Simon Willison's `llm` is installed (on PATH, or `--llm PATH`),
`llm --help` is timed in the same rounds: a peer CLI of the same kind (Click, plugins, SQLite).

    .venv/bin/python benchmarks/startup.py [--runs 15] [--llm PATH] [--json] [--check]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_HELP_RATIO = 8.0
# Issue 17 item 1: every offline command starts like --help (ratios to bare python, same run).
TARGETS = {
    "mktd --help": TARGET_HELP_RATIO,
    "mktd drafts list": 10.0,
    "mktd queue list": 10.0,
    "mktd auth status": 10.0,
    "mktd status": 10.0,
    "mktd social --dry-run": 15.0,
    "Tab completion": 8.0,
    "drafts list, no .pyc writes": 10.0,
}


def find_mktd() -> str:
    beside = Path(sys.executable).with_name("mktd")
    if beside.exists():
        return str(beside)
    found = shutil.which("mktd")
    if not found:
        sys.exit("mktd is not installed: run .venv/bin/pip install -e '.[dev]' first")
    return found


def timed(
    cmd: list[str], env: dict[str, str], cwd: str, extra: dict[str, str] | None = None
) -> float:
    extra = extra or {}
    started = time.perf_counter()
    proc = subprocess.run(
        cmd,
        env={**env, **extra},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed


def timed_on_a_terminal(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    """As `timed`, with stdout and stderr on a pseudo-terminal, as a person runs it: rich
    prints colour and styles there, where a pipe gets plain text (cli/_plain_stderr.py)."""
    import pty

    leader, follower = pty.openpty()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower
    )
    os.close(follower)
    output = b""
    while True:  # drain it, or a full terminal buffer would block the command
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the command exited and closed the terminal
            break
        if not chunk:
            break
        output += chunk
    code = proc.wait()
    elapsed = time.perf_counter() - started
    os.close(leader)
    if code != 0:
        sys.exit(f"{' '.join(cmd)} failed ({code}) on a terminal: {output.decode()[-500:]}")
    return elapsed


# Cases run on a pseudo-terminal instead of pipes (no goal: the goals are for pipes).
ON_A_TERMINAL = ("queue list, on a terminal", "status, on a terminal")

# Per-case environment (completion is driven by variables, as the shell does it).
EXTRA_ENV: dict[str, dict[str, str]] = {
    "Tab completion": {
        "_MKTD_COMPLETE": "complete_bash",
        "COMP_WORDS": "mktd dra",
        "COMP_CWORD": "1",
    },
    # Docker images set it: only the bytecode the install left is there.
    "drafts list, no .pyc writes": {"PYTHONDONTWRITEBYTECODE": "1"},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (>= 10)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 if --help is over {TARGET_HELP_RATIO}x"
    )
    parser.add_argument("--llm", help="the llm executable to compare with (default: on PATH)")
    args = parser.parse_args()
    runs = max(args.runs, 10)

    mktd = find_mktd()
    llm = args.llm or shutil.which("llm")
    with tempfile.TemporaryDirectory(prefix="mktd-bench-") as tmp:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MKTD_", "PYTHON")) or k == "PYTHONHASHSEED"
        }
        env.update(MKTD_HOME=str(Path(tmp) / "home"), NO_COLOR="1")
        cwd = tmp  # no stray .env
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "mktd --help": [mktd, "--help"],
            "mktd status": [mktd, "status"],
            "mktd drafts list": [mktd, "drafts", "list"],
            "mktd queue list": [mktd, "queue", "list"],
            "mktd auth status": [mktd, "auth", "status"],
            # The brand `mktd init` writes; a dry run prints the request and sends nothing.
            "mktd social --dry-run": [mktd, "social", "linkedin", "--text", "Hi", "--dry-run"],
            # What bash's completion function runs on Tab after `mktd dra`.
            "Tab completion": [mktd],  # the _MKTD_COMPLETE variables below make it complete
            "drafts list, no .pyc writes": [mktd, "drafts", "list"],  # EXTRA_ENV
            # No goal: a typed non-bool option goes through Typer's pydantic conversion.
            "drafts list --limit 5": [mktd, "drafts", "list", "--limit", "5"],
            "queue list, on a terminal": [mktd, "queue", "list"],
            "status, on a terminal": [mktd, "status"],
        }
        if llm:
            # Its own user dir in the temp dir: nothing of a real llm setup is read or written.
            env["LLM_USER_PATH"] = str(Path(tmp) / "llm")
            commands["llm --help"] = [llm, "--help"]
        timed([mktd, "init"], env, cwd)

        def run(name: str, cmd: list[str]) -> float:
            if name in ON_A_TERMINAL:
                return timed_on_a_terminal(cmd, env, cwd)
            return timed(cmd, env, cwd, EXTRA_ENV.get(name))

        for name, cmd in commands.items():  # warm the OS caches and .pyc files
            run(name, cmd)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, cmd in commands.items():
                samples[name].append(run(name, cmd))

    medians = {name: statistics.median(s) for name, s in samples.items()}
    base = medians["python -c pass"]
    results = {
        name: {
            "median_ms": round(medians[name] * 1000, 1),
            "min_ms": round(min(samples[name]) * 1000, 1),
            "ratio": round(medians[name] / base, 2),
        }
        for name in commands
    }
    for name, r in results.items():
        if name in TARGETS:
            r["target_ratio"] = TARGETS[name]
            r["target_met"] = r["ratio"] <= TARGETS[name]
    help_ratio = results["mktd --help"]["ratio"]
    all_met = all(r.get("target_met", True) for r in results.values())
    vs_llm = (
        round(medians["mktd --help"] / medians["llm --help"], 2)
        if "llm --help" in medians
        else None
    )
    if args.json:
        print(
            json.dumps(
                {
                    "runs": runs,
                    "target_help_ratio": TARGET_HELP_RATIO,
                    "target_met": all_met,
                    "results": results,
                    "mktd_help_vs_llm_help": vs_llm,
                },
                indent=2,
            )
        )
    else:
        print(f"{runs} interleaved runs each, median (min) wall time, ratio to bare python")
        for name, r in results.items():
            goal = ""
            if "target_ratio" in r:
                verdict = "ok" if r["target_met"] else "not met"
                goal = f"  (goal <= {r['target_ratio']:g}x: {verdict})"
            print(
                f"  {name:<28} {r['median_ms']:7.1f} ms  ({r['min_ms']:6.1f})"
                f"  {r['ratio']:5.2f}x{goal}"
            )
        verdict = "ok" if help_ratio <= TARGET_HELP_RATIO else "OVER TARGET"
        print(
            f"mktd --help: {help_ratio:.2f}x bare python (target <= {TARGET_HELP_RATIO}x): {verdict}"
        )
        if vs_llm is not None:
            print(f"mktd --help: {vs_llm:.2f}x llm --help")
    return 1 if args.check and help_ratio > TARGET_HELP_RATIO else 0


if __name__ == "__main__":
    sys.exit(main())
