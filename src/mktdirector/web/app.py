"""The FastAPI application of `mktd serve`: one process, the dashboard at `/`, the JSON API, and
its OpenAPI document at /openapi.json.

`create_app` takes the token to require and a factory of `Deps` (one per request, as the CLI
has one per command); tests pass a factory that injects a fake LLM or a fake clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from mktdirector import __version__
from mktdirector.core.errors import MktdError
from mktdirector.web import problems
from mktdirector.web.depends import LoginRequired, Unauthorized
from mktdirector.web.security import SESSION_COOKIE, GuardMiddleware, Sessions, allowed_hosts
from mktdirector.wiring import Deps

HERE = Path(__file__).parent


@dataclass(frozen=True)
class ServeOptions:
    token: str
    host: str = "127.0.0.1"
    port: int = 8484
    extra_hosts: tuple[str, ...] = field(default_factory=tuple)

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in {"0.0.0.0", "::", ""} else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"


def create_app(options: ServeOptions, deps_factory: Callable[[], Deps] = Deps) -> FastAPI:
    app = FastAPI(
        title="mktd",
        version=__version__,
        description="The HTTP API of mktd: the same flows as the CLI. Bearer token required.",
        docs_url=None,  # FastAPI's page loads scripts from a CDN, which our CSP refuses
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.token = options.token
    app.state.sessions = Sessions()
    app.state.deps_factory = deps_factory
    app.state.base_url = options.base_url
    app.add_middleware(
        GuardMiddleware, hosts=allowed_hosts(options.host, options.port, options.extra_hosts)
    )
    _handlers(app)
    from mktdirector.web import (
        pages,
        pages_docs,
        pages_drafts,
        pages_generate,
        pages_more,
        pages_oauth,
        routes_ops,
        routes_posts,
    )
    from mktdirector.web.generating import Generator
    from mktdirector.web.oauth_bridge import OAuthBridge

    app.state.generator = Generator(deps_factory)
    app.state.oauth = OAuthBridge(deps_factory)

    app.include_router(routes_posts.router)
    app.include_router(routes_ops.router)
    app.include_router(pages.router)
    app.include_router(pages_drafts.router)
    app.include_router(pages_generate.router)
    app.include_router(pages_more.router)
    app.include_router(pages_oauth.router)
    app.include_router(pages_docs.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    from mktdirector.web import openapi

    openapi.install(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.generator.shutdown()


def _handlers(app: FastAPI) -> None:
    app.add_exception_handler(MktdError, problems.mktd_error_handler)
    app.add_exception_handler(RequestValidationError, problems.validation_handler)

    @app.exception_handler(Unauthorized)
    async def _unauthorized(request: Request, exc: Exception) -> JSONResponse:
        return problems.problem(
            401, "Unauthorized", kind="unauthorized",
            detail="This API needs Authorization: Bearer <token>.",
            hint="mktd serve --show-token prints the token (or set MKTD_API_TOKEN)",
            headers={"WWW-Authenticate": "Bearer"},
        )  # fmt: skip

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/login", status_code=303)


def login_response(app: FastAPI, code: str) -> Response:
    """Spend a one-time code: a session cookie and the inbox, or the login page again."""
    sid = app.state.sessions.redeem(code)
    if sid is None:
        return RedirectResponse("/login?expired=1", status_code=303)
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", path="/")
    return resp
