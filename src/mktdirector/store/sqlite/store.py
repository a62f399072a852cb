"""The SQLite store: one file, opened lazily; one mixin per aggregate (see store/protocols/)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mktdirector.store.sqlite.actions import ActionsMixin
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
    from mktdirector.store.protocols import StoreLike

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
    ActionsMixin,
):
    """The product's state. Nothing touches the file until a method needs it (see Connected)."""


def _implements_every_protocol(store: Store) -> StoreLike:
    # Never called: mypy checks here that this backend provides every protocol.
    return store
