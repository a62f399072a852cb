"""SQLite store: one file, opened lazily; one mixin per concern."""

from __future__ import annotations

import sqlite3
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from mktdirector.store.sqlite.alerting import AlertingMixin
from mktdirector.store.sqlite.audit import AuditMixin
from mktdirector.store.sqlite.content import ContentMixin
from mktdirector.store.sqlite.crm import CrmMixin
from mktdirector.store.sqlite.email import EmailMixin
from mktdirector.store.sqlite.jobs import JobsMixin
from mktdirector.store.sqlite.metrics import MetricsMixin
from mktdirector.store.sqlite.monitoring import MonitoringMixin
from mktdirector.store.sqlite.notifications import NotificationsMixin
from mktdirector.store.sqlite.posts import PostsMixin
from mktdirector.store.sqlite.reporting import ReportingMixin
from mktdirector.store.sqlite.state import ConnectionsMixin, RateStateMixin, SecretsMixin

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
        from mktdirector.store.sqlite.db import open_database

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
