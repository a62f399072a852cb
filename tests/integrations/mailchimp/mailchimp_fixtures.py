"""Shared by the Mailchimp client tests: the key, the base URL, fixtures and problem answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "0123456789abcdef0123456789abcdef-us6"
BASE = "https://us6.api.mailchimp.com/3.0"


def fixture(name: str) -> Any:
    data = json.loads((FIXTURES / name).read_text())
    if isinstance(data, dict):
        data.pop("_source", None)
    return data


def problem(name: str, status: int | None = None, **kw: Any) -> httpx.Response:
    body = fixture(name)
    return httpx.Response(
        status or body["status"],
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/problem+json", "X-Request-Id": "req-1"},
        **kw,
    )
