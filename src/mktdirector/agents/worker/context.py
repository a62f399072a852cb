"""What a job runner needs of the worker, and what a job comes to.

Kept apart from the loop (agents/worker/loop.py) so each kind of job (agents/worker/jobs.py)
depends on this small contract, not on the Worker class that imports the jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import tzinfo
from typing import Any, Protocol

from mktdirector.core.clock import Now
from mktdirector.integrations.base import Integration
from mktdirector.store import StoreLike


@dataclass
class Settings:
    lease_s: float = 60.0  # kept alive while a job runs (loop.KeepAlive)
    grace_s: float = 7200.0
    late_policy: str = "publish-late"  # or "skip": a slot missed by more than 5 minutes

    @classmethod
    def from_config(cls, config: Callable[[str], Any]) -> Settings:
        return cls(
            lease_s=float(config("worker.lease_seconds")),
            grace_s=float(config("schedule.grace_minutes")) * 60.0,
            late_policy=str(config("schedule.late_policy")),
        )

    @property
    def late_allowed_s(self) -> float:
        return self.grace_s if self.late_policy == "publish-late" else min(self.grace_s, 300.0)


@dataclass
class Outcome:
    """What one job came to. `quiet` outcomes (periodic work that found nothing) are not shown."""

    job_id: str
    kind: str
    status: str  # done | failed | skipped | cancelled | retry | waiting
    message: str
    draft_id: str | None = None
    platform: str | None = None
    url: str | None = None
    quiet: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class WorkerContext(Protocol):
    """The worker as a job sees it: its store, clock, identity and how to end a job."""

    store: StoreLike
    clock: Now
    owner: str
    tz: tzinfo
    slots: Callable[[str], str | None]
    periods: dict[str, float]
    settings: Settings

    @staticmethod
    def iso(epoch: float) -> str: ...

    def client(self, platform: str, account: str | None) -> Integration: ...

    def finish(
        self, job: Mapping[str, Any], status: str, message: str, *, quiet: bool = False, **kw: Any
    ) -> Outcome: ...

    @staticmethod
    def outcome(job: Mapping[str, Any], status: str, message: str, **kw: Any) -> Outcome:
        """Describe a job already ended in the store (finish without the write)."""
        ...

    def requeue(
        self,
        job: Mapping[str, Any],
        at: float,
        status: str,
        message: str,
        *,
        periodic: bool = False,
        quiet: bool = False,
        **kw: Any,
    ) -> Outcome: ...
