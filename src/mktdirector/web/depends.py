"""Per-request dependencies: the wiring (one Deps per request, closed after it), the API's
bearer token and the dashboard's session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mktdirector.agents.ops.api_token import token_matches
from mktdirector.web.security import SESSION_COOKIE, Session
from mktdirector.wiring import Deps

# Declares the scheme in /openapi.json; the check itself is ours (constant time, problem doc).
_bearer = HTTPBearer(auto_error=False, description="The token `mktd serve --show-token` prints.")


class Unauthorized(Exception):
    """No bearer token, or the wrong one: 401 (rendered by the app's handler)."""


class LoginRequired(Exception):
    """A dashboard page without a session: the page sends the browser to /login."""


def deps(request: Request) -> Iterator[Deps]:
    """A Deps for this request, as the CLI has one per command (SQLite connections are not
    shared between the server's threads)."""
    d: Deps = request.app.state.deps_factory()
    try:
        yield d
    finally:
        d.close()


def bearer(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    presented = creds.credentials if creds is not None else None
    if not token_matches(presented, request.app.state.token):
        raise Unauthorized()


def session(request: Request) -> Session:
    s = request.app.state.sessions.get(request.cookies.get(SESSION_COOKIE))
    if s is None:
        raise LoginRequired()
    return s


DepsDep = Annotated[Deps, Depends(deps)]
SessionDep = Annotated[Session, Depends(session)]
