"""A Salesforce client on respx: the instance, a token and the choke point on a fake clock."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from mktdirector.core.clock import Clock
from mktdirector.core.credentials import Connection
from mktdirector.core.http import Exchange, HttpClient
from mktdirector.core.ratelimit import Limiter, MemoryBackend
from mktdirector.integrations.salesforce.client import SalesforceClient

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "salesforce"
BASE = "https://acme.my.salesforce.com"
V = "/services/data/v66.0"
TOKEN = "00DRZ000000TEST!AQEAQFake.access.token.value.0000000000000000000000000001"
ID_URL = "https://login.salesforce.com/id/00DRZ000000TESTAAA/005RZ000000USERAAA"
LIMIT_INFO = {"Sforce-Limit-Info": "api-usage=18/15000"}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def reply(status: int, name: str | None = None, **kw: Any) -> httpx.Response:
    headers = {**LIMIT_INFO, **kw.pop("headers", {})}
    if name is not None:
        return httpx.Response(status, json=fixture(name), headers=headers, **kw)
    return httpx.Response(status, headers=headers, **kw)


def body(call: Any) -> Any:
    return json.loads(call.request.content)


@pytest.fixture
def sf_audit() -> list[Exchange]:
    return []


@pytest.fixture
def make_sf(clock: Any, sf_audit: list[Exchange]) -> Callable[..., SalesforceClient]:
    def make(config: dict[str, Any] | None = None, **conn: Any) -> SalesforceClient:
        limiter = Limiter(MemoryBackend(), clock=clock.time, sleep=clock.sleep)
        factory = functools.partial(
            HttpClient,
            clock=Clock(now=clock.time, sleep=clock.sleep),
            limiter=limiter,
            audit=sf_audit.append,
        )
        fields = dict(access_token=TOKEN, extra={"instance_url": BASE, "id": ID_URL})
        fields.update(conn)
        settings = config or {}
        return SalesforceClient(
            http_factory=factory,
            connection=Connection("salesforce", account="ada@acme.com", **fields),
            config=settings.get,
        )

    return make


@pytest.fixture
def sf(make_sf: Callable[..., SalesforceClient]) -> SalesforceClient:
    return make_sf()


@pytest.fixture
def api() -> Iterator[Any]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.get("/services/data/").mock(return_value=reply(200, "versions.json"))
        mock.get(f"{V}/sobjects/Lead/describe").mock(return_value=reply(200, "describe_lead.json"))
        mock.get(f"{V}/sobjects/Contact/describe").mock(
            return_value=reply(200, json={"fields": [{"name": "Id"}, {"name": "Email"}]})
        )
        yield mock
