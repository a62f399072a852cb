"""Crash trials: real `mktd` processes killed with SIGKILL mid-publish, checked against the sandbox.

Used by `tests/test_crash.py` (a fast seeded subset in CI, on SQLite and on PostgreSQL) and
`benchmarks/crash_trials.py` (200+ trials; `--postgres` for the team backend). It lives beside
the benchmarks rather than in `src/`: it is test machinery that drives the installed CLI and
reads mktd's database to check the outcome, and the sandbox package must stay a stand-alone
emulator (import-linter forbids it mktd's store and agents).

Each home has its own database: a SQLite file in the home, or (with `databases=`, a function
returning a fresh PostgreSQL URL) its own PostgreSQL database, given to mktd as
MKTD_DATABASE_URL. The harness reads outcomes through mktd's store (the same protocols on both
backends, opened for a moment and closed), never by opening a SQLite file itself.

One trial, in a private MKTD_HOME, against one shared in-process sandbox on 127.0.0.1:

1. prepare the item through the real CLI: `mktd social P --text-file F` then
   `mktd drafts approve ID --yes` (mode `publish`), or `mktd social P --text-file F --schedule
   "in 1d" --yes` (mode `worker`; the job's due time is then moved to now, as if the day had
   passed), or nothing (mode `social`: the command itself saves, approves and publishes);
2. start the command (`mktd publish ID --yes`, `mktd social P --text-file F --publish --yes`,
   `mktd worker --once`) and SIGKILL it at a seeded random moment; 1 to 3 times;
3. run the same command again, unkilled, until the draft is published or needs-check (the
   worker: once the killed worker's job lease ran out; `MKTD_WORKER_LEASE_S` is 1 s here).

The sandbox slows every create before *and after* doing it (`delay`, `delay-after`), so a kill
often lands while a post exists on the platform but mktd has not yet recorded its id: the case
exactly-once publishing is about. `check()` then asserts, from the sandbox's state: every item is
published exactly once or marked needs-check with a reason; no text twice per account; threads in
order (each segment replies to the previous segment's id); every post on the platform is one mktd
recorded (or one a needs-check points at); and mktd's recorded ids are the platform's.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox_process import mktd_command

from mktdirector.sandbox import Sandbox
from mktdirector.store.errors import RecordNotFoundError
from mktdirector.store.rows import DraftStatus

# (mode, platform, segments): what a trial publishes and how.
KINDS: tuple[tuple[str, str, int], ...] = (
    ("publish", "twitter", 1),
    ("publish", "twitter", 5),
    ("publish", "linkedin", 1),
    ("social", "twitter", 1),
    ("social", "twitter", 5),
    ("social", "linkedin", 1),
    ("worker", "twitter", 1),
    ("worker", "twitter", 5),
    ("worker", "linkedin", 1),
)
CREATE_DELAY_S = 0.1  # before the create, and again after it (the post exists, no answer yet)
READ_BACK_DELAY_S = 0.05  # X's timeline, read before any resend: kills land there too
WORKER_LEASE_S = 1.0
MAX_RUNS = 8  # unkilled re-runs before a trial counts as stuck
TRIALS_PER_HOME = 12  # mktd's own X limits (100 creates, 75 users/me per 15 min) are per home
TERMINAL = ("published", "needs-check")
WORDS = (
    "launch", "pipeline", "cohort", "funnel", "signal", "budget", "campaign", "audience",
    "insight", "metric", "story", "brand", "growth", "retention", "webinar", "roadmap",
    "playbook", "benchmark", "survey", "customer", "partner", "content",
)  # fmt: skip
# Sandbox limits are relaxed: hundreds of posts in minutes is the point here, not the limits.
SANDBOX_LIMITS = {
    name: (1_000_000, 900.0)
    for name in (
        "x.create.user",
        "x.create.user24h",
        "x.me.user",
        "x.timeline.user",
        "x.lookup.user",
        "x.lookup.app",
        "linkedin.create.member",
    )
}


@dataclass(frozen=True)
class TrialSpec:
    """Everything random about one trial, drawn from the seed before anything runs."""

    n: int
    mode: str  # publish | social | worker
    platform: str  # twitter | linkedin
    segments: int
    kill_at: tuple[float, ...]  # fractions of the expected run time, one per kill
    text: str

    @property
    def kind(self) -> str:
        shape = "thread" if self.segments > 1 else "post"
        return f"{self.mode}/{self.platform}/{shape}"


@dataclass
class TrialResult:
    n: int
    kind: str
    home: str
    draft_id: str | None = None
    kills: int = 0  # SIGKILLs delivered (the process was still running)
    kills_missed: int = 0  # planned kills that came after the process had exited
    runs: int = 0  # unkilled runs until the draft settled
    exits: list[int] = field(default_factory=list)
    kill_phases: list[str] = field(default_factory=list)  # where each delivered kill landed
    status: str = "?"  # the draft's final status
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


@dataclass
class Summary:
    backend: str = "sqlite"
    trials: int = 0
    kills: int = 0
    kills_missed: int = 0
    trials_killed: int = 0  # at least one kill landed
    runs: int = 0
    published: int = 0
    needs_check: int = 0
    needs_check_posted: int = 0  # needs-check whose post does exist on the platform
    stuck: int = 0
    duplicates: int = 0  # a text twice on one account: must be 0
    thread_order_errors: int = 0
    id_mismatches: int = 0  # mktd's recorded id is not the platform's post
    strays: int = 0  # a post on the platform that no trial accounts for
    reconciled: int = 0  # segments found by read-back instead of being sent again
    kill_phases: dict[str, int] = field(default_factory=dict)
    duplicate_refusals: dict[str, int] = field(default_factory=dict)  # platform's own safety net
    wall_s: float = 0.0
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


def plan(trials: int, seed: int) -> list[TrialSpec]:
    """Seeded trial specs; the kinds are dealt evenly (a shuffled deck per round of 9)."""
    rng = random.Random(seed)
    kinds: list[tuple[str, str, int]] = []
    while len(kinds) < trials:
        deck = list(KINDS)
        rng.shuffle(deck)
        kinds += deck
    specs = []
    for n, (mode, platform, segments) in enumerate(kinds[:trials]):
        kills = rng.choice((1, 1, 1, 2, 2, 3))
        # Fractions of the expected run time; most of the first half is interpreter start-up,
        # so the draw leans towards the part where the posts are sent.
        kill_at = tuple(round(rng.uniform(0.6, 1.1), 3) for _ in range(kills))
        words = " ".join(rng.choice(WORDS) for _ in range(6))
        parts = [
            f"Crash trial {n} (seed {seed}), part {i + 1}: {words}, {rng.choice(WORDS)}."
            for i in range(segments)
        ]
        specs.append(TrialSpec(n, mode, platform, segments, kill_at, "\n---\n".join(parts)))
    return specs


def clean_environ() -> dict[str, str]:
    """This process's environment without any mktd, platform or LLM setting."""
    drop = ("MKTD_", "OPENAI_", "TWITTER_", "LINKEDIN_", "HUBSPOT_", "GOOGLE_ANALYTICS_",
            "SENDGRID_", "SALESFORCE_", "MAILCHIMP_", "SLACK_")  # fmt: skip
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@dataclass
class Home:
    """One MKTD_HOME (its own database and its own client-side rate-limit state)."""

    name: str
    root: Path  # the working directory of its processes (no stray .env), with text files
    env: dict[str, str]
    trials: int = 0
    database_url: str | None = None  # PostgreSQL; None: the SQLite file in the home

    @property
    def path(self) -> Path:
        return self.root / "mktd"


class CrashHarness:
    """`with CrashHarness(workdir, seed=1) as h: h.run(plan(...)); h.check()`."""

    def __init__(
        self,
        workdir: Path,
        *,
        seed: int = 0,
        lanes: int = 2,
        trials_per_home: int = TRIALS_PER_HOME,
        log: Any = None,
        databases: Callable[[], str] | None = None,
    ) -> None:
        self.workdir = Path(workdir)
        self.databases = databases  # a fresh PostgreSQL database per home; None: SQLite
        self.backend = "postgresql" if databases else "sqlite"
        self.seed = seed
        self.lanes = max(1, lanes)
        self.trials_per_home = trials_per_home
        self.log = log or (lambda msg: None)
        self.mktd = mktd_command()
        self.sandbox: Sandbox | None = None
        self.results: list[TrialResult] = []
        self.homes: list[Home] = []
        self.startup_s = 1.0
        self.wall_s = 0.0
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[bytes]] = set()

    # lifecycle ----------------------------------------------------------------------------------
    def __enter__(self) -> CrashHarness:
        self.workdir.mkdir(parents=True, exist_ok=True)
        d, r = CREATE_DELAY_S, READ_BACK_DELAY_S
        faults = (
            f"x.create:delay={d},x.create:delay-after={d},linkedin.create:delay={d},"
            f"linkedin.create:delay-after={d},x.timeline:delay={r}"
        )
        self.sandbox = Sandbox(
            port=0, state_dir=self.workdir / "sandbox", faults=faults, limits=SANDBOX_LIMITS
        ).start()
        try:
            self.startup_s = self._measure_startup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill anything still running (by pid: only processes this harness started)."""
        with self._lock:
            procs = list(self._procs)
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None

    # processes ----------------------------------------------------------------------------------
    def new_home(self, name: str) -> Home:
        assert self.sandbox is not None
        root = self.workdir / "homes" / name
        root.mkdir(parents=True, exist_ok=True)
        env = clean_environ() | self.sandbox.env()
        env.update(
            MKTD_HOME=str(root / "mktd"),
            # Tokens come from the environment; never touch the machine's real keyring.
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            MKTD_MAX_WAIT="5",
            MKTD_WORKER_LEASE_S=str(WORKER_LEASE_S),
            MKTD_TZ="UTC",
            NO_COLOR="1",
        )
        url = self.databases() if self.databases else None
        if url:
            env["MKTD_DATABASE_URL"] = url
        home = Home(name, root, env, database_url=url)
        self._mktd(home, "init")
        with self._lock:
            self.homes.append(home)
        return home

    def _spawn(self, home: Home, args: list[str], err: Path) -> subprocess.Popen[bytes]:
        with err.open("wb") as sink:
            proc = subprocess.Popen(
                [*self.mktd, *args],
                env=home.env,
                cwd=home.root,  # no stray .env
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )
        with self._lock:
            self._procs.add(proc)
        return proc

    def _reap(self, proc: subprocess.Popen[bytes]) -> int:
        rc = proc.wait()  # reaped: a zombie would still look alive to the lease check
        with self._lock:
            self._procs.discard(proc)
        return rc

    def _mktd(self, home: Home, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
        """Run `mktd ARGS` to the end (setup steps); fails loudly on a non-zero exit."""
        proc = subprocess.run(
            [*self.mktd, *args],
            env=home.env,
            cwd=home.root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"mktd {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return proc

    def _measure_startup(self) -> float:
        """Seconds a short mktd command takes here: the scale of the random kill times."""
        home = self.new_home("calibration")
        times = []
        for _ in range(2):
            started = time.perf_counter()
            self._mktd(home, "drafts", "list", "--json")
            times.append(time.perf_counter() - started)
        return min(times)

    def expected_s(self, spec: TrialSpec) -> float:
        """About how long the command runs unkilled (kill times are fractions of this)."""
        per_segment = 2 * CREATE_DELAY_S + 0.05
        extra = 0.3 if spec.mode == "worker" else 0.1
        return self.startup_s + extra + spec.segments * per_segment

    # one trial ----------------------------------------------------------------------------------
    def command(self, spec: TrialSpec, text_file: Path, draft_id: str | None) -> list[str]:
        if spec.mode == "publish":
            return ["publish", str(draft_id), "--yes"]
        if spec.mode == "social":
            return ["social", spec.platform, "--text-file", str(text_file), "--publish", "--yes"]
        return ["worker", "--once"]

    def prepare(self, spec: TrialSpec, home: Home, text_file: Path) -> str | None:
        """Save (and approve, or schedule) the draft through the CLI; None for mode `social`."""
        text_file.write_text(spec.text, encoding="utf-8")
        if spec.mode == "social":
            return None
        base = ["social", spec.platform, "--text-file", str(text_file), "--json"]
        if spec.mode == "publish":
            did = str(json.loads(self._mktd(home, *base).stdout)["id"])
            self._mktd(home, "drafts", "approve", did, "--yes")
            return did
        out = self._mktd(home, *base, "--schedule", "in 1d", "--yes").stdout
        did = str(json.loads(out)["id"])
        # "A day later": due now. (Waiting for a real due time would cost seconds per trial.)
        due = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="milliseconds")
        with self._store(home) as store:
            store.db.execute(
                "update jobs set due_utc = ? where draft_id = ? and status = 'queued'",
                [due.replace("+00:00", "Z"), did],
            )
            store.db.conn.commit()  # SQLite's implicit transaction; PostgreSQL autocommits
        return did

    def trial(self, spec: TrialSpec, home: Home) -> TrialResult:
        started = time.perf_counter()
        result = TrialResult(spec.n, spec.kind, home.name)
        text_file = home.root / f"trial-{spec.n}.txt"
        logs = home.root / "stderr"
        logs.mkdir(exist_ok=True)
        try:
            result.draft_id = self.prepare(spec, home, text_file)
            argv = self.command(spec, text_file, result.draft_id)
            for k, fraction in enumerate(spec.kill_at):
                proc = self._spawn(home, argv, logs / f"trial-{spec.n}-kill-{k}.err")
                try:
                    proc.wait(timeout=fraction * self.expected_s(spec))
                    result.kills_missed += 1  # it finished first: the next kill or run goes on
                except subprocess.TimeoutExpired:
                    proc.kill()  # SIGKILL: no cleanup, no finally, no atexit
                    result.kills += 1
                    self._reap(proc)
                    result.kill_phases.append(self._phase(spec, home, text_file, result))
                self._reap(proc)
                if self._settled(spec, home, text_file, result):
                    break
            self._finish(spec, home, argv, text_file, result, logs)
        except Exception as exc:  # noqa: BLE001 - a broken trial is a finding, not a crash
            result.problems.append(f"trial {spec.n}: harness error {type(exc).__name__}: {exc}")
        result.seconds = round(time.perf_counter() - started, 3)
        return result

    def _finish(
        self,
        spec: TrialSpec,
        home: Home,
        argv: list[str],
        text_file: Path,
        result: TrialResult,
        logs: Path,
    ) -> None:
        """Re-run the same command (unkilled) until the draft is published or needs-check."""
        while not self._settled(spec, home, text_file, result):
            if result.runs >= MAX_RUNS:
                last = (logs / f"trial-{spec.n}-run-{result.runs - 1}.err").read_text()[-400:]
                result.problems.append(
                    f"trial {spec.n} ({spec.kind}): stuck in {result.status} after "
                    f"{result.runs} runs, exits {result.exits}; last stderr: {last!r}"
                )
                return
            if spec.mode == "worker":
                self._wait_for_job_lease(home, result.draft_id)
            err = logs / f"trial-{spec.n}-run-{result.runs}.err"
            proc = self._spawn(home, argv, err)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                result.problems.append(f"trial {spec.n}: an unkilled run hung for 120 s")
            result.exits.append(self._reap(proc))
            result.runs += 1
            text = err.read_text(errors="replace")
            for bad in ("Traceback", "database is locked"):
                if bad in text:
                    result.problems.append(f"trial {spec.n}: {bad!r} in stderr: {text[-400:]!r}")

    def _settled(self, spec: TrialSpec, home: Home, text_file: Path, result: TrialResult) -> bool:
        """Whether the draft reached published or needs-check (and note its status)."""
        with self._store(home) as store:
            if result.draft_id is None:
                result.draft_id = self._draft_by_input(store, spec, text_file)
                if result.draft_id is None:
                    result.status = "not saved"
                    return False
            result.status = _status(store, result.draft_id)
        return result.status in TERMINAL

    @staticmethod
    def _draft_by_input(store: Any, spec: TrialSpec, text_file: Path) -> str | None:
        """The draft `mktd social ... --text-file F` made, found the way a re-run finds it."""
        from mktdirector.agents.content.compose import input_key

        key = input_key(spec.platform, topic=None, text=text_file.read_text(encoding="utf-8"),
                        style="professional", thread_length=None, include_cta=True,
                        account=None)  # fmt: skip
        draft = store.find_draft_by_input_key(key, list(DraftStatus))
        return str(draft["id"]) if draft else None

    def _phase(self, spec: TrialSpec, home: Home, text_file: Path, result: TrialResult) -> str:
        """Where a kill landed, from mktd's rows and the platform's posts right after it."""
        assert self.sandbox is not None
        with self._store(home) as store:
            did = result.draft_id or self._draft_by_input(store, spec, text_file)
            if did is None:
                return "before the draft was saved"
            status = _status(store, did)
            rows = [(p["status"], p["text"]) for p in store.draft_posts(did)]
        if status in TERMINAL:
            return "after the draft was settled"
        pending = [text for st, text in rows if st == "intent"]
        if pending:
            state = self.sandbox.state()["posts"]
            posted = {p["text"] for p in state["x" if spec.platform == "twitter" else "linkedin"]}
            if pending[0] in posted:
                return "post created, its id not yet recorded"
            return "intent written, post not (yet) created"
        if any(st == "published" for st, _ in rows):
            return "between thread segments"
        return "before the first intent"

    def _wait_for_job_lease(self, home: Home, draft_id: str | None) -> None:
        """A killed worker's job is claimable once its lease ran out: wait for that, no more."""
        with self._store(home) as store:
            rows = list(store.db.query(
                "select max(lease_until) as until from jobs "
                "where draft_id = ? and status = 'running'",
                [draft_id],
            ))  # fmt: skip
        until = float(rows[0]["until"]) if rows and rows[0]["until"] else 0.0
        wait = until - time.time() + 0.05
        if wait > 0:
            time.sleep(min(wait, WORKER_LEASE_S + 1.0))

    @contextmanager
    def _store(self, home: Home) -> Iterator[Any]:
        """mktd's store on a home's database, opened for a moment (never held while mktd runs):
        the same protocols whichever the backend."""
        if home.database_url:
            from mktdirector.store.postgres.store import PostgresStore

            store: Any = PostgresStore(home.database_url)
        else:
            from mktdirector.store import Store

            store = Store(home.path / "mktd.db")
        try:
            yield store
        finally:
            store.close()

    # many trials --------------------------------------------------------------------------------
    def run(self, specs: list[TrialSpec]) -> list[TrialResult]:
        """Run the trials in `lanes` parallel lanes; each lane rotates its own homes."""
        started = time.perf_counter()
        lanes = [specs[i :: self.lanes] for i in range(self.lanes)]

        def lane(i: int, todo: list[TrialSpec]) -> list[TrialResult]:
            out: list[TrialResult] = []
            home: Home | None = None
            for spec in todo:
                if home is None or home.trials >= self.trials_per_home:
                    home = self.new_home(f"lane{i}-{len(out) // self.trials_per_home}")
                home.trials += 1
                r = self.trial(spec, home)
                out.append(r)
                self.log(
                    f"trial {r.n:>4} {r.kind:<24} kills {r.kills} (+{r.kills_missed} late) "
                    f"runs {r.runs} -> {r.status}{'  PROBLEM' if r.problems else ''}"
                )
            return out

        with ThreadPoolExecutor(self.lanes) as pool:
            futures = [pool.submit(lane, i, todo) for i, todo in enumerate(lanes) if todo]
            for f in futures:
                self.results += f.result()
        self.results.sort(key=lambda r: r.n)
        self.wall_s = time.perf_counter() - started
        return self.results

    # the verdict --------------------------------------------------------------------------------
    def check(self) -> Summary:
        """Every assertion of the module docstring, from the sandbox state and mktd's databases."""
        assert self.sandbox is not None
        state = self.sandbox.state()
        s = Summary(self.backend, trials=len(self.results), wall_s=round(self.wall_s, 2))
        on_platform: dict[str, dict[str, list[dict[str, Any]]]] = {
            "twitter": defaultdict(list),
            "linkedin": defaultdict(list),
        }
        for p in state["posts"]["x"]:
            if not p.get("deleted"):
                on_platform["twitter"][p["text"]].append(p)
        for p in state["posts"]["linkedin"]:
            if not p.get("deleted"):
                on_platform["linkedin"][p["text"]].append(p)
        for platform, by_text in on_platform.items():
            for text, posts in by_text.items():
                if len(posts) > 1:
                    s.duplicates += len(posts) - 1
                    s.problems.append(f"{platform}: {len(posts)} posts with the text {text!r}")
        accounted: set[str] = set()
        homes = {h.name: h for h in self.homes}
        for r in self.results:
            s.kills += r.kills
            s.kills_missed += r.kills_missed
            s.trials_killed += bool(r.kills)
            s.runs += r.runs
            for phase in r.kill_phases:
                s.kill_phases[phase] = s.kill_phases.get(phase, 0) + 1
            s.problems += r.problems
            kind = s.by_kind.setdefault(r.kind, Counter())  # type: ignore[arg-type]
            kind[r.status] += 1
            if r.draft_id is None or r.home not in homes:
                s.stuck += 1
                s.problems.append(f"trial {r.n} ({r.kind}): no draft was ever saved")
                continue
            self._check_trial(r, homes[r.home], on_platform, accounted, s)
        for platform, by_text in on_platform.items():
            for posts in by_text.values():
                for p in posts:
                    if str(p["id"]) not in accounted:
                        s.strays += 1
                        s.problems.append(f"{platform}: post {p['id']} {p['text']!r} is no trial's")
        outcomes = state["requests"]
        s.duplicate_refusals = {
            "x_403": outcomes.get("x.create", {}).get("outcomes", {}).get("403", 0),
            "linkedin_422": outcomes.get("linkedin.create", {}).get("outcomes", {}).get("422", 0),
        }
        if s.duplicate_refusals["linkedin_422"]:
            # LinkedIn cannot be read back: mktd must never send a LinkedIn post a second time.
            s.problems.append(f"LinkedIn refused {s.duplicate_refusals['linkedin_422']} resends")
        s.by_kind = {k: dict(v) for k, v in sorted(s.by_kind.items())}
        return s

    def _check_trial(
        self,
        r: TrialResult,
        home: Home,
        on_platform: dict[str, dict[str, list[dict[str, Any]]]],
        accounted: set[str],
        s: Summary,
    ) -> None:
        with self._store(home) as store:
            d = store.get_draft(str(r.draft_id))
            rows = [(p["segment"], p["status"], p["remote_id"], p["reply_to"], p["error"])
                    for p in store.draft_posts(str(r.draft_id))]  # fmt: skip
            s.reconciled += sum(a["outcome"] == "reconciled" for a in store.attempts(d["id"]))
        platform, status, error = d["platform"], d["status"], d["error"]
        body = json.loads(d["body_json"])
        by_segment = {row[0]: row for row in rows}
        where = f"trial {r.n} ({r.kind}, draft {r.draft_id})"
        if status == "published":
            s.published += 1
        elif status == "needs-check":
            s.needs_check += 1
            if not (error or "").strip():
                s.problems.append(f"{where}: needs-check without a reason")
        else:
            s.stuck += 1
            s.problems.append(f"{where}: ended {status}")
        prev_id: str | None = None
        checking = False  # past the needs-check segment: nothing may be on the platform
        for i, text in enumerate(body):
            posts = on_platform[platform].get(text, [])
            row = by_segment.get(i)
            post = posts[0] if posts else None
            if post is not None:
                accounted.add(str(post["id"]))
            if checking:
                if posts:
                    s.problems.append(f"{where}: segment {i + 1} is posted after a needs-check")
                continue
            if row is not None and row[1] == "needs-check":
                checking = True
                if not (row[4] or "").strip():
                    s.problems.append(f"{where}: segment {i + 1} needs-check without a reason")
                s.needs_check_posted += bool(posts)
                if post is not None and platform == "twitter":
                    s.problems.append(f"{where}: X post {post['id']} exists but was not read back")
                continue
            if post is None or row is None or row[1] != "published":
                if status == "published" or post is not None:
                    s.problems.append(
                        f"{where}: segment {i + 1} is {row[1] if row else 'unrecorded'} in mktd "
                        f"and {'on' if post else 'not on'} {platform}"
                    )
                continue
            if str(row[2]) != str(post["id"]):
                s.id_mismatches += 1
                s.problems.append(f"{where}: segment {i + 1} recorded {row[2]}, is {post['id']}")
            if platform == "twitter":
                want = prev_id if i else None
                if (post.get("reply_to") or None) != want:
                    s.thread_order_errors += 1
                    s.problems.append(
                        f"{where}: segment {i + 1} replies to {post.get('reply_to')}, not {want}"
                    )
            prev_id = str(post["id"])


def run_trials(
    trials: int,
    seed: int,
    *,
    lanes: int = 2,
    workdir: Path | None = None,
    keep: bool = False,
    log: Any = None,
    databases: Callable[[], str] | None = None,
) -> Summary:
    """Plan, run and check `trials` crash trials; the work dir is removed unless `keep`."""
    import tempfile

    tmp = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="mktd-crash-"))
    try:
        with CrashHarness(tmp, seed=seed, lanes=lanes, log=log, databases=databases) as h:
            h.run(plan(trials, seed))
            return h.check()
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def describe(s: Summary) -> str:
    """The summary as the lines the benchmark prints."""
    lines = [
        f"{s.trials} trials on {s.backend}, {s.kills} SIGKILLs delivered ({s.trials_killed} trials killed at "
        f"least once; {s.kills_missed} planned kills came after the process had finished), "
        f"{s.runs} re-runs, {s.wall_s:.1f} s",
        f"  published exactly once   {s.published}",
        f"  needs-check (with reason) {s.needs_check}  (the post exists in "
        f"{s.needs_check_posted} of them)",
        f"  stuck                    {s.stuck}",
        f"  duplicates found         {s.duplicates}  (must be 0)",
        f"  thread order errors      {s.thread_order_errors}  (must be 0)",
        f"  stray / mismatched posts {s.strays} / {s.id_mismatches}  (must be 0)",
        f"  reconciled by read-back  {s.reconciled}",
        f"  resends refused by the platform's duplicate rule: X {s.duplicate_refusals.get('x_403', 0)}"
        f", LinkedIn {s.duplicate_refusals.get('linkedin_422', 0)} (must be 0)",
    ]
    lines.append("  where the kills landed:")
    for phase, count in sorted(s.kill_phases.items(), key=lambda kv: -kv[1]):
        lines.append(f"    {phase:<40} {count}")
    lines.append("  outcome by kind:")
    for kind, counts in s.by_kind.items():
        lines.append(f"    {kind:<24} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    verdict = "OK" if s.ok else f"{len(s.problems)} PROBLEM(S)"
    lines.append(f"  verdict: {verdict}")
    lines += [f"    {p}" for p in s.problems[:20]]
    return "\n".join(lines)


def _status(store: Any, draft_id: str) -> str:
    try:
        return str(store.get_draft(draft_id)["status"])
    except RecordNotFoundError:
        return "missing"
