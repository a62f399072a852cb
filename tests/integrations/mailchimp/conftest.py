"""A Mailchimp client on respx: fake clock, memory limiter, audit rows collected."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from mailchimp_fixtures import KEY

from mktdirector.core.clock import Clock
from mktdirector.core.credentials import Connection
from mktdirector.core.http import Exchange, HttpClient
from mktdirector.core.ratelimit import Limiter, MemoryBackend
from mktdirector.integrations.mailchimp.client import MailchimpClient


@pytest.fixture
def audit() -> list[Exchange]:
    return []


@pytest.fixture
def make_client(clock: Any, audit: list[Exchange]) -> Callable[..., MailchimpClient]:
    def make(key: str | None = KEY) -> MailchimpClient:
        limiter = Limiter(MemoryBackend(), clock=clock.time, sleep=clock.sleep)
        factory = functools.partial(
            HttpClient, clock=Clock(sleep=clock.sleep), limiter=limiter, audit=audit.append
        )
        conn = Connection("mailchimp", account="default", api_key=key) if key else None
        return MailchimpClient(http_factory=factory, connection=conn)

    return make
