"""The HTTP choke point: every platform request goes through `HttpClient.request`.

Each attempt: (1) take a call from the shared rate limits, (2) send with timeouts, timed,
(3) write an audit row (path template, never query strings, headers or bodies), (4) classify
into the error tree, (5) retry by the policy in retry.py. A 401 triggers one refresh through the
integration's hook. A wait longer than the caller's budget raises RateLimitError instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_never

from mktdirector import __version__
from mktdirector.core import errors as E
from mktdirector.core.ratelimit import RATE_LIMIT_HINT, Limit, Limiter, format_wait
from mktdirector.core.redact import redact, redact_headers
from mktdirector.core.retry import backoff, classify, parse_retry_after, request_id, should_retry

log = logging.getLogger("mktd.http")
# Redacted request lines for --verbose / MKTD_DEBUG_HTTP=1; the CLI decides where they go.
wire = logging.getLogger("mktd.wire")
USER_AGENT = f"mktd/{__version__} (+https://github.com/mktd)"


@dataclass(frozen=True)
class Exchange:
    """One attempt, as written to the audit table."""

    platform: str
    account: str | None
    method: str
    path: str  # the template, e.g. /2/tweets/{id}
    status: int | None
    duration_ms: int
    attempt: int
    request_id: str | None = None
    error_kind: str | None = None
    error_code: str | None = None
    rate_remaining: int | None = None
    rate_reset_at: float | None = None


AuditSink = Callable[[Exchange], None]
RefreshHook = Callable[[], bool]
CheckResponse = Callable[[httpx.Response], None]
# Reclassify an error response with the platform's knowledge of its body (None = keep).
ClassifyError = Callable[[httpx.Response, E.ApiStatusError], E.ApiStatusError | None]


class HttpClient:
    def __init__(
        self,
        platform: str,
        base_url: str,
        *,
        account: str | None = None,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        limits: Iterable[Limit] = (),
        limiter: Limiter | None = None,
        audit: AuditSink | None = None,
        refresh: RefreshHook | None = None,
        check_response: CheckResponse | None = None,
        retry_after: Callable[[httpx.Response], float | None] | None = None,
        classify_error: ClassifyError | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_wait: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        debug: bool = False,
    ) -> None:
        self.platform = platform
        self.account = account
        self.limits = tuple(limits)
        self.limiter = limiter or Limiter(sleep=sleep)
        self.audit = audit or (lambda x: None)
        self.refresh = refresh
        self.check_response = check_response
        self.vendor_retry_after = retry_after
        self.classify_error = classify_error
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.debug = debug
        hooks: dict[str, list[Callable[..., Any]]] = (
            {"request": [_log_request], "response": [_log_response]} if debug else {}
        )
        self._client = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            event_hooks=hooks,
        )

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def build_request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, Any] | None = None,
        **kw: Any,
    ) -> httpx.Request:
        """The exact request that would be sent (used by --dry-run too)."""
        url = path.format(**{k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        return self._client.build_request(method.upper(), url, **kw)

    def auth_headers(self, request: httpx.Request) -> httpx.Request:
        """Apply the auth flow's first step so --dry-run can show (masked) auth headers."""
        auth = self._client.auth
        if auth is not None:
            flow = auth.sync_auth_flow(request)
            request = next(flow)
            flow.close()
        return request

    def request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        budget: float | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """Send one logical request (possibly several attempts) and return a 2xx/3xx response."""
        method = method.upper()
        budget = self.max_wait if budget is None else budget
        state: dict[str, Any] = {"attempt": 0, "retries": 0, "refreshed": False, "headers": None}

        def attempt() -> httpx.Response:
            state["attempt"] += 1
            return self._attempt(method, path, path_params, kw, state, budget)

        def retry_pred(exc: BaseException) -> bool:
            if isinstance(exc, E.AuthenticationError) and state.get("retry_auth"):
                state["retry_auth"] = False
                return True
            if state["retries"] >= self.max_retries:
                return False
            if isinstance(exc, E.RateLimitError):
                # Only wait for short, known resets; otherwise the caller queues the work.
                wait = exc.retry_after
                ok = wait is not None and wait <= budget
            else:
                ok = should_retry(
                    exc, method=method, idempotent=idempotent, response_headers=state["headers"]
                )
            state["retries"] += ok
            return ok

        def wait(rs: RetryCallState) -> float:
            exc = rs.outcome.exception() if rs.outcome else None
            if isinstance(exc, E.AuthenticationError):
                return 0.0
            server = getattr(exc, "retry_after", None)
            if server is None and state["headers"] is not None:
                server = parse_retry_after(state["headers"])
            if server is not None and server <= budget:
                return server + 0.001
            return backoff(rs.attempt_number)

        retrying = Retrying(
            retry=retry_if_exception(retry_pred),
            wait=wait,
            stop=stop_never,  # retry_pred counts the retries
            sleep=self.sleep,
            reraise=True,
            before_sleep=lambda rs: log.info(
                "%s %s %s: retrying after attempt %d",
                self.platform,
                method,
                template_of(path),
                rs.attempt_number,
            ),
        )
        try:
            return retrying(attempt)
        except E.RateLimitError as e:
            if e.retry_after is not None and e.retry_after > budget:
                e.message = f"{e.message.rstrip('.')} (resets in {format_wait(e.retry_after)})."
                e.args = (e.message,)
            if not e.hint:
                # Only publishing queues work for the worker (it sets its own hint); any
                # other command has to be run again.
                e.hint = RATE_LIMIT_HINT
            raise

    def _attempt(
        self,
        method: str,
        path: str,
        path_params: Mapping[str, Any] | None,
        kw: dict[str, Any],
        state: dict[str, Any],
        budget: float,
    ) -> httpx.Response:
        n = state["attempt"]
        url, path = path, template_of(path)  # never a query string or host past this point
        self.limiter.acquire(self.platform, self.account, self.limits, method, path, budget=budget)
        request = self.build_request(method, url, path_params=path_params, **kw)
        started = time.monotonic()
        try:
            response = self._client.send(request)
            response.read()
        except httpx.TransportError as exc:
            ms = int((time.monotonic() - started) * 1000)
            err = _transport_error(exc, self.platform, method, path)
            self.audit(
                Exchange(
                    self.platform, self.account, method, path, None, ms, n, error_kind=err.kind
                )
            )
            state["headers"] = None
            raise err from None
        ms = int((time.monotonic() - started) * 1000)
        state["headers"] = response.headers
        rate = self.limiter.observe(self.platform, self.account, path, response)
        error = classify(response, platform=self.platform, method=method, path=path)
        if error is not None and self.classify_error is not None:
            error = self.classify_error(response, error) or error
        if error is None and self.check_response is not None:
            try:
                self.check_response(response)
            except E.MktdError as e:
                error = e  # type: ignore[assignment]
        if (
            isinstance(error, E.RateLimitError)
            and error.retry_after is None
            and self.vendor_retry_after
        ):
            error.retry_after = self.vendor_retry_after(response)
        if isinstance(error, E.RateLimitError) and error.retry_after:
            # A reset known only from the body or the platform's rules (LinkedIn's UTC day,
            # GA4's quota words, HubSpot's policy names) must hold across processes too.
            self.limiter.hold(self.platform, self.account, path, error.retry_after)
        self.audit(
            Exchange(
                self.platform,
                self.account,
                method,
                path,
                response.status_code,
                ms,
                n,
                request_id=getattr(error, "request_id", None) or _request_id(response),
                error_kind=error.kind if error else None,
                error_code=getattr(error, "code", None),
                rate_remaining=rate.get("remaining"),
                rate_reset_at=rate.get("reset_at"),
            )
        )
        if error is None:
            return response
        if isinstance(error, E.AuthenticationError) and not state["refreshed"] and self.refresh:
            state["refreshed"] = True
            if self.refresh():
                state["retry_auth"] = True
        raise error


def _request_id(response: httpx.Response) -> str | None:
    return request_id(response.headers)


def template_of(path: str) -> str:
    """The path template without query string or scheme/host (absolute upload URLs).

    Rate-limit keys, error messages, logs and audit rows use this: queries can carry keys
    (signed upload URLs do), and one key per distinct query would make the limits useless.
    """
    return urlsplit(path).path or "/"


def _transport_error(
    exc: httpx.TransportError, platform: str, method: str, path: str
) -> E.ApiConnectionError:
    # A connect failure means nothing reached the server; a read timeout or a reset after the
    # request was written means it may have been processed (DESIGN.md section 5).
    sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    cls = E.ApiTimeoutError if isinstance(exc, httpx.TimeoutException) else E.ApiConnectionError
    what = type(exc).__name__
    msg = f"{platform} {method} {path}: network error ({what}: {redact(str(exc))[:120]})"
    hint = (
        "Check your network connection and retry."
        if not sent
        else "The request may have reached the server; mktd checks before resending."
    )
    return cls(msg, platform=platform, sent=sent, hint=hint)


def describe_request(request: httpx.Request) -> dict[str, Any]:
    """Method, URL, masked headers and body of a request, for --dry-run output."""
    body: Any = None
    if request.content:
        import json

        try:
            body = json.loads(request.content)
        except ValueError:
            body = redact(request.content.decode("utf-8", "replace"))
    return {
        "method": request.method,
        "url": redact(str(request.url)),
        "headers": redact_headers(dict(request.headers)),
        "body": body,
    }


def _log_request(r: httpx.Request) -> None:
    headers = " ".join(f"{k}: {v}" for k, v in redact_headers(dict(r.headers)).items())
    wire.debug(redact(f"> {r.method} {r.url.copy_with(query=None)} {headers}"))


def _log_response(r: httpx.Response) -> None:
    url = r.request.url.copy_with(query=None)
    wire.debug(redact(f"< {r.status_code} {r.request.method} {url}"))
