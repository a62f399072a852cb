"""One protocol per aggregate: what agents and front ends may ask of the store.

A backend (today store/sqlite/, later PostgreSQL) implements all of them; the contract tests in
tests/store/contract/ hold every backend to the same behaviour. A caller types its store
parameter with the protocols it uses, or with `StoreLike`, the whole store.

Refusals are `RecordNotFoundError` / `StateRefusedError` (store/errors.py), never front-end
wording. Times are ISO-8601 UTC text (`*_utc`) unless a parameter says epoch seconds.
"""

from __future__ import annotations

from typing import Protocol

from mktdirector.store.protocols.content import DraftRepo
from mktdirector.store.protocols.measuring import ContactRepo, EmailLedger, MetricsRepo, Reporting
from mktdirector.store.protocols.operations import (
    ActionLog,
    AuditLog,
    Connections,
    Lifecycle,
    Monitoring,
    Notifications,
    RateState,
    SecretRows,
)
from mktdirector.store.protocols.publishing import JobQueue, PostLedger

__all__ = [
    "ActionLog",
    "AuditLog",
    "Connections",
    "ContactRepo",
    "DraftRepo",
    "EmailLedger",
    "JobQueue",
    "Lifecycle",
    "MetricsRepo",
    "Monitoring",
    "Notifications",
    "PostLedger",
    "RateState",
    "Reporting",
    "SecretRows",
    "StoreLike",
]


class StoreLike(
    Lifecycle,
    DraftRepo,
    PostLedger,
    JobQueue,
    AuditLog,
    ActionLog,
    MetricsRepo,
    ContactRepo,
    EmailLedger,
    RateState,
    SecretRows,
    Connections,
    Notifications,
    Monitoring,
    Reporting,
    Protocol,
):
    """The whole store, for the composition root and callers that use most of it."""
