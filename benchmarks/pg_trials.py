"""Team crash trials on PostgreSQL: 4 workers on 4 "hosts" + 2 CLI publishes, kill -9 at random.

Each trial gets a fresh database and sandbox, schedules 8 drafts due now (X posts, 3-part X
threads, LinkedIn posts), starts 4 `mktd worker --interval 1`, each with its own MKTD_HOME (a
host: own config and logs, the one shared database), and 2 `mktd publish ID --yes` of drafts the
workers also hold. Then 1-3 seeded SIGKILLs land on random running processes at random moments;
a killed worker is restarted (the host comes back), a killed publish is run again (the person
re-runs it). The sandbox holds every create open before and after doing it, so kills land mid
publish. A trial passes when every draft ends published or needs-check (never lost), no segment
exists twice on the sandbox and every thread is in order.

Kills at random moments mostly land before, between or after creates. So each trial's first
kill is aimed at a create in flight (an `intent` row, no id yet, whose draft is leased by one
of our processes: the pid is in the lease owner) on a seeded platform, LinkedIn more often than
X: half the time just after the intent commits (0-0.3 s; mktd still has the request to build
and send), half the time once the platform has made the post and holds its answer (mktd has
not recorded the id). Later kills come at random moments (0.2-3 s apart). Every kill is
classified from the database and the sandbox the moment it lands. LinkedIn posts cannot be
read back, so a kill in flight must end in needs-check, never in a second post.

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
from collections import Counter
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
LINKEDIN_SHARE = 0.6  # of the targeted kills; the rest target an X create
TARGET_WAIT_S = 15.0  # how long a targeted kill waits for a create in flight on its platform
POLL_S = 0.02  # the platform holds its answer 0.15 s after making a post: polling sees it
AIM_AFTER_INTENT_S = (0.0, 0.3)  # an "intent" kill: this long after the intent row is seen
# Where a kill landed (the phases the summary counts, per platform where one applies). Both
# "in flight" phases are the unknown-outcome window: an intent row committed, no id recorded.
MADE = "in flight: post made on the platform, id not recorded"
NOT_MADE = "in flight: intent committed, post not made (yet)"
HOLDING, IDLE = "draft leased, no create in flight", "no draft leased"


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
class Kill:
    victim: str  # worker0..3 | cli0..1
    at_s: float
    aimed: str | None  # the platform a targeted kill waited for; None: a random moment
    platform: str | None  # whose create (or leased draft) the victim held when killed
    phase: str

    def __str__(self) -> str:
        aim = f" aimed at {self.aimed}" if self.aimed else ""
        return f"{self.victim}@{self.at_s:.1f}s{aim}: {self.platform or '-'} {self.phase}"


@dataclass
class Trial:
    n: int
    kills: list[Kill] = field(default_factory=list)
    missed_targets: int = 0  # targeted kills that found no create in flight (then killed at random)
    published: int = 0
    needs_check: int = 0
    needs_check_posted: int = 0  # needs-check drafts whose post does exist on the platform
    lost: int = 0
    duplicates: int = 0
    thread_disorder: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicates == 0 and self.thread_disorder == 0


def _pid(owner: str | None) -> int | None:
    parts = (owner or "").split(":")  # core.leases.owner_id(): host:pid:random[:pidns]
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


class Watcher:
    """Reads, through the store, which process holds which draft and which creates are in flight."""

    def __init__(self, url: str, sandbox: Any) -> None:
        from mktdirector.store.postgres.store import PostgresStore

        self.store = PostgresStore(url)
        self.sandbox = sandbox

    def close(self) -> None:
        self.store.close()

    def _rows(self, where: str, params: list[Any]) -> list[dict[str, Any]]:
        sql = (
            "select d.id, d.platform, d.lease_owner, p.id as post_id, p.text from drafts d "
            "left join posts p on p.draft_id = d.id and p.status = 'intent' "
            f"where d.lease_owner is not null and {where}"
        )
        return list(self.store.db.query(sql, params))

    def in_flight(self, platform: str, *, made: bool = False) -> list[int]:
        """Pids of processes with a create in flight on `platform` right now (`made`: only
        those whose post the platform has already made, its answer still held)."""
        rows = self._rows("d.platform = ? and p.id is not null", [platform])
        if made and rows:
            posted = self._posted(platform)
            rows = [r for r in rows if r["text"] in posted]
        return [pid for r in rows if (pid := _pid(r["lease_owner"])) is not None]

    def _posted(self, platform: str) -> set[str]:
        key = "linkedin" if platform == "linkedin" else "x"
        return {p["text"] for p in self.sandbox.state()["posts"][key]}

    def held_by(self, pid: int) -> list[dict[str, Any]]:
        return self._rows("d.lease_owner like ?", [f"%:{pid}:%"])

    def classify(self, held: list[dict[str, Any]]) -> tuple[str | None, str]:
        """Where a kill landed, from what the victim held just before it (`held_by`)."""
        pending = [r for r in held if r["post_id"] is not None]
        if not pending:
            return (held[0]["platform"], HOLDING) if held else (None, IDLE)
        row = pending[0]
        now = list(self.store.db.query("select status from posts where id = ?", [row["post_id"]]))
        if now and now[0]["status"] == "published":
            return row["platform"], HOLDING  # its id was recorded just before the kill landed
        made = row["text"] in self._posted(row["platform"])
        return row["platform"], MADE if made else NOT_MADE


def _pick(
    rng: random.Random, procs: dict[str, Any], watcher: Watcher, aim: str | None, made: bool
) -> tuple[str | None, bool]:
    """The victim: for an aimed kill, a process with a create in flight on `aim` (`made`: once
    the platform made the post, before mktd records its id; else soon after the intent row
    commits). Waits up to TARGET_WAIT_S; False when none came, then a random live one."""
    if aim is not None:
        deadline = time.monotonic() + TARGET_WAIT_S
        while time.monotonic() < deadline:
            by_pid = {p.pid: k for k, (p, _e, _a) in procs.items() if p.poll() is None}
            hits = [by_pid[pid] for pid in watcher.in_flight(aim, made=made) if pid in by_pid]
            if hits:
                if not made:
                    time.sleep(rng.uniform(*AIM_AFTER_INTENT_S))
                return rng.choice(sorted(hits)), True
            time.sleep(POLL_S)
    alive = sorted(k for k, (p, _e, _a) in procs.items() if p.poll() is None)
    return (rng.choice(alive) if alive else None), aim is None


def run_trial(server: pg_team.Server, n: int, rng: random.Random, workdir: Path,
              linkedin_share: float = LINKEDIN_SHARE) -> Trial:  # fmt: skip
    started = time.monotonic()
    trial = Trial(n)
    url = server.new_database()
    plan = items(n)
    ids = pg_team.schedule_due(url, plan)
    with pg_team.sandbox(workdir, FAULTS) as sb:
        watcher = Watcher(url, sb)
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
            count = rng.randint(1, 3)
            aim = "linkedin" if rng.random() < linkedin_share else "twitter"
            made = rng.random() < 0.5  # half aim past the platform's work, half before it
            for k in range(count):
                if k:  # later kills: a random moment after the one before (restarts included)
                    time.sleep(rng.uniform(0.2, 3.0))
                victim, hit = _pick(rng, procs, watcher, aim if k == 0 else None, made)
                trial.missed_targets += not hit
                if victim is None:
                    break
                proc, env, args = procs[victim]
                held = watcher.held_by(proc.pid)
                proc.kill()  # SIGKILL: no cleanup, leases and intent rows stay as they were
                proc.wait()
                platform, phase = watcher.classify(held)
                at = time.monotonic() - started
                trial.kills.append(Kill(victim, round(at, 2), aim if k == 0 else None,
                                        platform, phase))  # fmt: skip
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
            watcher.close()
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
    posted = {p["text"] for key in ("x", "linkedin") for p in state["posts"][key]
              if not p["deleted"]}  # fmt: skip
    trial.needs_check_posted = sum(
        final[i] == "needs-check" and body[0] in posted
        for i, (_p, body) in zip(ids, plan, strict=True)
    )
    found = pg_team.audit(state, plan)
    trial.duplicates, trial.thread_disorder = found["duplicates"], found["thread_disorder"]
    trial.seconds = round(time.monotonic() - started, 1)
    return trial


def kill_table(results: list[Trial]) -> dict[str, dict[str, int]]:
    """Kills per platform and phase ("-" for a victim that held no draft)."""
    table: dict[str, Counter[str]] = {}
    for t in results:
        for k in t.kills:
            table.setdefault(k.platform or "-", Counter())[k.phase] += 1
    return {p: dict(sorted(c.items())) for p, c in sorted(table.items())}


def run(trials: int, seed: int, server_url: str | None, log: Any = None,
        linkedin_share: float = LINKEDIN_SHARE) -> dict[str, Any]:  # fmt: skip
    rng = random.Random(seed)
    results = []
    with (
        pg_team.Server(server_url) as server,
        tempfile.TemporaryDirectory(prefix="mktd-pgt-") as tmp,
    ):
        for n in range(trials):
            t = run_trial(server, n, rng, Path(tmp) / f"t{n}", linkedin_share)
            results.append(t)
            if log:
                kills = "; ".join(str(k) for k in t.kills)
                log(f"trial {n}: {'ok' if t.ok else 'FAILED'} {t.published} published, "
                    f"{t.needs_check} needs-check, {t.lost} lost, {t.duplicates} duplicates, "
                    f"{t.seconds} s; kills: {kills}")  # fmt: skip
    by_platform = kill_table(results)
    in_flight = {p: sum(v for ph, v in c.items() if ph in (MADE, NOT_MADE))
                 for p, c in by_platform.items() if p != "-"}  # fmt: skip
    return {
        "trials": trials,
        "seed": seed,
        "kills": sum(len(t.kills) for t in results),
        "kills_by_platform_phase": by_platform,
        "kills_in_flight_create": in_flight,
        "targeted_kills_missed": sum(t.missed_targets for t in results),
        "drafts": trials * len(items(0)),
        "published": sum(t.published for t in results),
        "needs_check": sum(t.needs_check for t in results),
        "needs_check_posted": sum(t.needs_check_posted for t in results),
        "lost": sum(t.lost for t in results),
        "duplicates": sum(t.duplicates for t in results),
        "thread_disorder": sum(t.thread_disorder for t in results),
        "failed_trials": [asdict(t) for t in results if not t.ok],
        "seconds_per_trial": round(sum(t.seconds for t in results) / max(trials, 1), 1),
        "goal": "0 lost, 0 duplicates, 0 thread-order errors; kills inside LinkedIn creates",
        "target_met": all(t.ok for t in results) and in_flight.get("linkedin", 0) > 0,
        "ok": all(t.ok for t in results),
    }


def describe(summary: dict[str, Any]) -> str:
    s = summary
    lines = [
        f"{s['trials']} trials (seed {s['seed']}), {s['kills']} SIGKILLs, "
        f"{s['seconds_per_trial']} s per trial",
        f"  drafts {s['drafts']}: published {s['published']}, needs-check {s['needs_check']} "
        f"(post exists in {s['needs_check_posted']}), lost {s['lost']} (must be 0)",
        f"  duplicates {s['duplicates']}, thread-order errors {s['thread_disorder']} (must be 0)",
        "  kills that hit an in-flight create: "
        + ", ".join(f"{p} {n}" for p, n in s["kills_in_flight_create"].items()),
        f"  targeted kills that found no create in flight: {s['targeted_kills_missed']}",
        "  where the kills landed (platform: phase count):",
    ]
    for platform, phases in s["kills_by_platform_phase"].items():
        for phase, count in phases.items():
            lines.append(f"    {platform:<9} {phase:<55} {count}")
    lines.append(f"  verdict: {'OK' if s['ok'] else 'FAILED'}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server", help="postgresql://user@host:port of a server to use")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # With --json the trial lines go to stderr (progress), the JSON document alone to stdout.
    progress = sys.stderr if args.json else sys.stdout
    summary = run(
        args.trials, args.seed, args.server, lambda m: print(m, file=progress, flush=True)
    )
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(describe(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
