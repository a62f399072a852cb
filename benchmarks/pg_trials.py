"""Team crash trials on PostgreSQL: 4 workers on 4 "hosts" + 2 CLI publishes, kill -9 at random.

Each trial gets a fresh database and sandbox, schedules 8 drafts due now (X posts, 3-part X
threads, LinkedIn posts), starts 4 `mktd worker --interval 1`, each with its own MKTD_HOME (a
host: own config and logs, the one shared database), and 2 `mktd publish ID --yes` of drafts the
workers also hold. Then 1-3 seeded SIGKILLs land on random running processes at random moments;
a killed worker is restarted (the host comes back), a killed publish is run again (the person
re-runs it). The sandbox holds every create open before and after doing it, so kills land mid
publish. A trial passes when every draft ends published or needs-check (never lost), no segment
exists twice on the sandbox and every thread is in order.

    .venv/bin/python benchmarks/pg_trials.py [--trials 100] [--seed 1] [--server URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pg_team  # also puts tests/ on sys.path

FAULTS = (
    "x.create:delay=0.15,x.create:delay-after=0.15,"
    "linkedin.create:delay=0.15,linkedin.create:delay-after=0.15"
)
TERMINAL = {"published", "needs-check"}
WORKERS, CLIS = 4, 2
SETTLE_S = 120.0


def items(n: int) -> list[tuple[str, list[str]]]:
    def thread(k: int) -> list[str]:
        return [f"Trial {n} thread {k}, part {i + 1} of 3. {i + 1}/3" for i in range(3)]

    return [
        ("twitter", [f"Trial {n} post 0: one queue for a team."]),
        ("twitter", thread(1)),
        ("linkedin", [f"Trial {n} LinkedIn post 2: approved by one, posted by another."]),
        ("twitter", [f"Trial {n} post 3: any host may take it."]),
        ("twitter", thread(4)),
        ("linkedin", [f"Trial {n} LinkedIn post 5: exactly once."]),
        ("twitter", [f"Trial {n} post 6: never twice."]),
        ("twitter", [f"Trial {n} post 7: the last one due."]),
    ]


@dataclass
class Trial:
    n: int
    kills: list[str] = field(default_factory=list)
    published: int = 0
    needs_check: int = 0
    lost: int = 0
    duplicates: int = 0
    thread_disorder: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicates == 0 and self.thread_disorder == 0


def run_trial(server: pg_team.Server, n: int, rng: random.Random, workdir: Path) -> Trial:
    started = time.monotonic()
    trial = Trial(n)
    url = server.new_database()
    plan = items(n)
    ids = pg_team.schedule_due(url, plan)
    with pg_team.sandbox(workdir, FAULTS) as sb:
        hosts = [pg_team.host_env(workdir, f"host{i}", url, sb.env(), MKTD_WORKER_LEASE_S="2")
                 for i in range(WORKERS)]  # fmt: skip
        err = workdir / "stderr.log"
        procs: dict[str, Any] = {}
        for i, env in enumerate(hosts):
            procs[f"worker{i}"] = (pg_team.spawn(env, "worker", "--interval", "1", err=err), env,
                                   ("worker", "--interval", "1"))  # fmt: skip
        for j, target in enumerate((1, 2)):  # a thread and a LinkedIn post, also queued
            env = hosts[j]
            args = ("publish", ids[target], "--yes")
            procs[f"cli{j}"] = (pg_team.spawn(env, *args, err=err), env, args)
        try:
            for at in sorted(rng.uniform(0.3, 3.0) for _ in range(rng.randint(1, 3))):
                time.sleep(max(0.0, at - (time.monotonic() - started)))
                alive = [k for k, (p, _e, _a) in procs.items() if p.poll() is None]
                if not alive:
                    break
                victim = rng.choice(alive)
                proc, env, args = procs[victim]
                proc.kill()  # SIGKILL: no cleanup, leases and intent rows stay as they were
                proc.wait()
                trial.kills.append(f"{victim}@{time.monotonic() - started:.1f}s")
                procs[victim] = (pg_team.spawn(env, *args, err=err), env, args)  # comes back
            deadline = time.monotonic() + SETTLE_S
            while True:
                states = pg_team.statuses(url, ids)
                clis_done = all(p.poll() is not None for k, (p, _e, _a) in procs.items()
                                if k.startswith("cli"))  # fmt: skip
                if set(states.values()) <= TERMINAL and clis_done:
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            for key, (p, _e, _a) in procs.items():
                if key.startswith("worker") and p.poll() is None:
                    p.send_signal(signal.SIGTERM)
        finally:
            for p, _e, _a in procs.values():
                if p.poll() is None:
                    try:
                        p.wait(20)
                    except Exception:  # noqa: BLE001 - stuck: killed below, by its pid
                        p.kill()
                        p.wait()
        state = sb.state()
    final = pg_team.statuses(url, ids)
    trial.published = sum(s == "published" for s in final.values())
    trial.needs_check = sum(s == "needs-check" for s in final.values())
    trial.lost = sum(s not in TERMINAL for s in final.values())
    found = pg_team.audit(state, plan)
    trial.duplicates, trial.thread_disorder = found["duplicates"], found["thread_disorder"]
    trial.seconds = round(time.monotonic() - started, 1)
    return trial


def run(trials: int, seed: int, server_url: str | None, log: Any = None) -> dict[str, Any]:
    rng = random.Random(seed)
    results = []
    with (
        pg_team.Server(server_url) as server,
        tempfile.TemporaryDirectory(prefix="mktd-pgt-") as tmp,
    ):
        for n in range(trials):
            t = run_trial(server, n, rng, Path(tmp) / f"t{n}")
            results.append(t)
            if log:
                log(f"trial {n}: {'ok' if t.ok else 'FAILED'} {asdict(t)}")
    return {
        "trials": trials,
        "seed": seed,
        "kills": sum(len(t.kills) for t in results),
        "drafts": trials * len(items(0)),
        "published": sum(t.published for t in results),
        "needs_check": sum(t.needs_check for t in results),
        "lost": sum(t.lost for t in results),
        "duplicates": sum(t.duplicates for t in results),
        "thread_disorder": sum(t.thread_disorder for t in results),
        "failed_trials": [asdict(t) for t in results if not t.ok],
        "seconds_per_trial": round(sum(t.seconds for t in results) / max(trials, 1), 1),
        "ok": all(t.ok for t in results),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server", help="postgresql://user@host:port of a server to use")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    summary = run(args.trials, args.seed, args.server, None if args.json else print)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print({k: v for k, v in summary.items() if k != "failed_trials"})
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
