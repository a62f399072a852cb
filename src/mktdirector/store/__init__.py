"""SQLite store: one file, opened lazily; one mixin per concern."""

from __future__ import annotations

import sqlite3
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from mktdirector.store.alerting import AlertingMixin
from mktdirector.store.audit import AuditMixin
from mktdirector.store.content import ContentMixin
from mktdirector.store.crm import CrmMixin
from mktdirector.store.email import EmailMixin
from mktdirector.store.jobs import JobsMixin
from mktdirector.store.metrics import MetricsMixin
from mktdirector.store.monitoring import MonitoringMixin
from mktdirector.store.notifications import NotificationsMixin
from mktdirector.store.posts import PostsMixin
from mktdirector.store.reporting import ReportingMixin
from mktdirector.store.state import ConnectionsMixin, RateStateMixin, SecretsMixin

if TYPE_CHECKING:
    from sqlite_utils import Database

__all__ = ["Store"]


class Store(
    AuditMixin,
    RateStateMixin,
    SecretsMixin,
    ConnectionsMixin,
    NotificationsMixin,
    ContentMixin,
    PostsMixin,
    MetricsMixin,
    JobsMixin,
    CrmMixin,
    EmailMixin,
    ReportingMixin,
    MonitoringMixin,
    AlertingMixin,
):
    """The product's state. Nothing touches the file until a method needs it."""

    def __init__(self, path: Path | str) -> None:
        self.path = path

    @cached_property
    def db(self) -> Database:  # type: ignore[override]
        from mktdirector.store.db import open_database

        return open_database(self.path)

    @property
    def is_open(self) -> bool:
        return "db" in self.__dict__

    def exists(self) -> bool:
        return str(self.path) == ":memory:" or Path(self.path).exists()

    def close(self) -> None:
        if self.is_open:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
            del self.__dict__["db"]
