"""`test-integration`: validate a platform's credentials with its cheapest call.

The dry run builds the very request `test_connection()` would send, through the same client,
and stops it before it leaves the machine (a transport that captures and refuses).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from mktdirector.core import deadline
from mktdirector.core.credentials import Connection
from mktdirector.core.errors import MissingCredentialError, MktdError
from mktdirector.core.platforms import PLATFORMS
from mktdirector.integrations.base import Integration

ClientFactory = Callable[..., Integration]
PLACEHOLDER = "<your-token>"
# The exit codes of DESIGN.md section 2: 3 credentials, 4 authentication, 5 rate limit.
EXIT_CODES = {"missing_credentials": 3, "auth": 4, "permission": 4, "rate_limit": 5, "config": 3}
# A check gives up within this, retries and token calls included (issue 12 item 1).
CHECK_DEADLINE = 30.0


class _Captured(Exception):
    def __init__(self, request: httpx.Request) -> None:
        super().__init__("captured")
        self.request = request


class _CaptureTransport(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise _Captured(request)


def missing_credentials(client: Integration) -> str | None:
    if client.connection is not None and client.connection.secret():
        return None
    envs = " or ".join(PLATFORMS[client.name].token_env)
    return f"no credentials: run mktd authorize {client.name}" + (f" or set {envs}" if envs else "")


def check(client: Integration) -> dict[str, Any]:
    """The brief's shape: status, platform, user_id, organization_id, rate_limit, detail."""
    missing = missing_credentials(client)
    if missing:
        return {
            "status": "missing_credentials",
            "platform": client.name,
            "detail": missing,
            "hint": f"mktd authorize {client.name}",
        }
    try:
        with deadline.within(CHECK_DEADLINE):
            result = client.test_connection().to_dict()
    except MissingCredentialError as e:
        return {
            "status": "missing_credentials",
            "platform": client.name,
            "detail": e.message,
            "hint": e.hint,
        }
    except MktdError as e:
        return {
            "status": "error",
            "platform": client.name,
            "detail": e.message,
            "hint": e.hint,
            "error": e.kind,
        }
    result.setdefault("hint", None)
    return result


def _without_placeholder(request: httpx.Request, shown: dict[str, Any]) -> dict[str, Any]:
    """The shown headers minus those that would carry the missing secret (an `authorization:
    ****` line would say a credential is there when there is none)."""
    carrying = {k.lower() for k, v in request.headers.items() if PLACEHOLDER in v}
    return {k: v for k, v in shown.items() if k.lower() not in carrying}


def dry_run_exit_code(result: Mapping[str, Any]) -> int:
    """A dry run that found no credentials exits 3: the real check could not run."""
    return EXIT_CODES["missing_credentials"] if result["status"] == "missing_credentials" else 0


def exit_code(result: Mapping[str, Any]) -> int:
    """0 when connected; else the code for the status, then for the error kind, else 6."""
    if result["status"] == "connected":
        return 0
    return EXIT_CODES.get(result["status"], EXIT_CODES.get(result.get("error", ""), 6))


def dry_run(make_client: ClientFactory, platform: str) -> dict[str, Any]:
    """What would be checked and the exact request (secrets masked); nothing is sent."""
    from mktdirector.core.http import describe_request
    from mktdirector.core.ratelimit import Limiter

    # A private limiter and transport: a dry run takes no quota and cannot reach the network.
    def build(connection: Connection | None = None) -> Integration:
        return make_client(
            platform,
            connection=connection,
            transport=_CaptureTransport(),
            limiter=Limiter(),
            audit=lambda ex: None,
        )

    client = build()
    missing = missing_credentials(client)
    out: dict[str, Any] = {
        "status": "dry_run",
        "platform": client.name,
        "sent": False,
        "credentials": missing or "present",
        "base_url": client.http.base_url,
    }
    if missing:
        # The request all the same (its URL and body), with a placeholder where the secret
        # would go; the headers carrying it are left out below: there is nothing to show.
        out["status"] = "missing_credentials"
        out["hint"] = f"mktd authorize {client.name}"
        client = build(
            Connection(
                platform,
                account="(missing)",
                access_token=PLACEHOLDER,
                api_key=PLACEHOLDER,
                user_id="{your-user-id}",
            )
        )
    out["request"] = None
    try:
        client.test_connection()
    except _Captured as c:
        out["request"] = describe_request(c.request)
        if missing:
            out["request"]["headers"] = _without_placeholder(c.request, out["request"]["headers"])
    except MktdError as e:
        out["detail"] = e.message
    return out
