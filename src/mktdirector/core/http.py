"""The HTTP choke point: every platform request goes through `HttpClient.request`.

Each attempt: (1) take a call from the shared rate limits (one short commit), (2) send with
timeouts and a total deadline (core/deadline.py: a server dribbling bytes cannot hold a call past
it; uploads get a longer one), reading at most `max_response_bytes`, timed, (3) write an audit
row (path template, never query strings, headers or bodies; the current correlation id) in one
commit with the quotas the answer reported, (4) classify into the error tree with the platform's
policy (core/http_verdict.py), (5) retry by the rules in retry.py. A 401 is refreshed once by the request's auth flow
(core/http_auth.py). A wait longer than the caller's budget raises RateLimitError instead.
Both commits have relaxed durability (store/sqlite/db.py RELAXED, docs/reliability.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from tenacity import RetryCallState, Retrying, stop_never

from mktdirector import __version__
from mktdirector.core import deadline, tls
from mktdirector.core import errors as E
from mktdirector.core.clock import SYSTEM_CLOCK, Clock
from mktdirector.core.correlation import current_correlation
from mktdirector.core.http_answers import BodyTooLarge, read_capped, transport_error
from mktdirector.core.http_auth import REFRESH_STATE, refresh_failure
from mktdirector.core.http_types import AuditSink as AuditSink  # their first home
from mktdirector.core.http_types import Exchange as Exchange
from mktdirector.core.http_types import HttpSettings as HttpSettings
from mktdirector.core.http_types import discard
from mktdirector.core.http_verdict import too_large, verdict
from mktdirector.core.people import current_actor
from mktdirector.core.policy import GenericPolicy, PlatformPolicy
from mktdirector.core.ratelimit import RATE_LIMIT_HINT, Limit, Limiter, format_wait
from mktdirector.core.retry import backoff, parse_retry_after, request_id, should_retry
from mktdirector.core.wire_log import describe_request as describe_request  # its old home
from mktdirector.core.wire_log import log_request, log_response

log = logging.getLogger("mktd.http")
USER_AGENT = f"mktd/{__version__} (+https://github.com/mktd)"


@dataclass
class _Call:
    """One logical request and what its attempts have learned so far."""

    method: str
    url: str  # as given: may carry a query string or be absolute
    path: str  # the template, never a query string or host
    path_params: Mapping[str, Any] | None
    kw: dict[str, Any]
    idempotent: bool | None
    budget: float
    auth: httpx.Auth | None = None  # this request's own auth flow instead of the client's
    attempts: int = 0
    retries: int = 0
    last_headers: httpx.Headers | None = None
    error: E.MktdError | None = None  # what the latest answer meant
    refresh_state: dict[str, bool] = field(default_factory=dict)  # one refresh per request


class HttpClient:
    """One platform's HTTP, through the shared limits, the audit log and the retry policy.

    Collaborators: `policy` (the vendor's error and header rules), `limiter` (shared quotas),
    `audit` (a sink for one row per attempt), `auth` (an httpx auth flow; refresh-on-401 is
    core.http_auth.BearerAuth), `clock` (now/sleep, so tests move time instead of waiting),
    `correlation` (the id each audit row is tied to; the wiring falls back to the command run).
    """

    def __init__(
        self,
        platform: str,
        base_url: str,
        *,
        account: str | None = None,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        limits: Iterable[Limit] = (),
        policy: PlatformPolicy | None = None,
        limiter: Limiter | None = None,
        audit: AuditSink | None = None,
        clock: Clock = SYSTEM_CLOCK,
        settings: HttpSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        correlation: Callable[[], str | None] = current_correlation,
    ) -> None:
        settings = settings or HttpSettings()
        self.platform = platform
        self.account = account
        self.limits = tuple(limits)
        self.policy: PlatformPolicy = policy or GenericPolicy()
        self.limiter = limiter or Limiter(clock=clock.now, sleep=clock.sleep)
        self.audit: AuditSink = audit or discard
        self.clock = clock
        self.correlation = correlation
        self.max_retries = settings.max_retries
        self.max_wait = settings.max_wait
        self.settings = settings
        # One Retrying per client, not per request (building one costs more than using it): the
        # per-request state lives in the `_Call` each attempt gets as its argument.
        self._retrying = Retrying(
            retry=self._retry_wanted,
            wait=self._retry_pause,
            stop=stop_never,  # _should_retry counts the retries
            sleep=lambda seconds: self.clock.sleep(seconds),  # tests swap the clock later
            reraise=True,
            before_sleep=self._log_retry,
        )
        # Hooks run for every request on the wire and every answer, in order: the auth flow's
        # refresh calls land in the audit between the 401 and the resend.
        hooks: dict[str, list[Callable[..., Any]]] = {
            "request": [self._take_call],
            "response": [self._on_response],
        }
        if settings.debug:
            hooks["request"].insert(0, log_request)
            hooks["response"].insert(0, log_response)
        self._client = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0)),
            # Every exchange ends by its deadline, whatever the transport (a test's mock too).
            transport=deadline.DeadlineTransport(
                transport or httpx.HTTPTransport(verify=tls.shared_context())
            ),
            event_hooks=hooks,
        )
        mounts = self._client._mounts  # proxies from the environment: the same rule
        for pattern, mounted in mounts.items():
            if mounted is not None:
                mounts[pattern] = deadline.DeadlineTransport(mounted)

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    @property
    def closed(self) -> bool:
        return self._client.is_closed

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

    # the layers: retry(attempt = limit -> send -> audit -> classify) ---------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        budget: float | None = None,
        auth: httpx.Auth | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """Send one logical request (possibly several attempts) and return a 2xx/3xx response.

        `auth` replaces the client's auth flow for this request (an OAuth token endpoint's
        client authentication)."""
        call = _Call(
            method=method.upper(),
            url=path,
            path=template_of(path),
            path_params=path_params,
            kw=kw,
            idempotent=idempotent,
            budget=self.max_wait if budget is None else budget,
            auth=auth,
        )
        try:
            return self._with_retries(call)
        except E.RateLimitError as e:
            if e.retry_after is not None and e.retry_after > call.budget:
                e.message = f"{e.message.rstrip('.')} (resets in {format_wait(e.retry_after)})."
                e.args = (e.message,)
            if not e.hint:
                # Only publishing queues work for the worker (it sets its own hint); any
                # other command has to be run again.
                e.hint = RATE_LIMIT_HINT
            raise

    def _with_retries(self, call: _Call) -> httpx.Response:
        """Attempts until one succeeds or `_should_retry` says stop (then its error is raised)."""
        response: httpx.Response = self._retrying(self._attempt, call)
        return response

    def _retry_wanted(self, state: RetryCallState) -> bool:
        outcome = state.outcome
        if outcome is None or not outcome.failed:
            return False
        exc = outcome.exception()
        return exc is not None and self._should_retry(state.args[0], exc)

    def _retry_pause(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        assert exc is not None  # tenacity asks for a pause only after a retried failure
        return self._pause(state.args[0], exc, state.attempt_number)

    def _log_retry(self, state: RetryCallState) -> None:
        call: _Call = state.args[0]
        log.info(
            "%s %s %s: retrying after attempt %d",
            self.platform,
            call.method,
            call.path,
            state.attempt_number,
        )

    def _should_retry(self, call: _Call, exc: BaseException) -> bool:
        if call.retries >= self.max_retries or deadline.passed():
            return False  # an outer deadline (a check, a job) bounds the retries too
        if isinstance(exc, E.RateLimitError):
            # Only wait for short, known resets; otherwise the caller queues the work.
            ok = exc.retry_after is not None and exc.retry_after <= call.budget
        else:
            ok = should_retry(
                exc, method=call.method, idempotent=call.idempotent,
                response_headers=call.last_headers,
            )  # fmt: skip
        call.retries += ok
        return ok

    def _pause(self, call: _Call, exc: BaseException, attempt: int) -> float:
        """The server's wait when it gave one within the budget, else backoff (to the deadline)."""
        server: float | None = getattr(exc, "retry_after", None)
        if server is None and call.last_headers is not None:
            server = parse_retry_after(call.last_headers, self.clock.now())
        if server is not None and server <= call.budget:
            return server + 0.001
        left = deadline.remaining()
        pause = backoff(attempt)
        return pause if left is None else max(0.0, min(pause, left))

    def _attempt(self, call: _Call) -> httpx.Response:
        """One try: the auth flow may send twice (refresh after a 401); each send is audited."""
        request = self.build_request(call.method, call.url, path_params=call.path_params, **call.kw)
        request.extensions[_CALL] = call
        request.extensions[deadline.EXTENSION] = self._deadline_for(call)
        request.extensions[REFRESH_STATE] = call.refresh_state
        call.error = None
        response = self._send(call, request)
        failed_refresh = refresh_failure(response)
        if failed_refresh is not None:
            raise failed_refresh
        if call.error is not None:
            raise call.error
        return response

    def _take_call(self, request: httpx.Request) -> None:
        """Event hook on every request put on the wire, the auth flow's resend included."""
        call = request.extensions.get(_CALL)
        if isinstance(call, _Call):
            self.limiter.acquire(
                self.platform, self.account, self.limits, call.method, call.path,
                budget=call.budget,
            )  # fmt: skip

    def _on_response(self, response: httpx.Response) -> None:
        """Event hook on every answer, before the auth flow sees it."""
        call = response.request.extensions.get(_CALL)
        if isinstance(call, _Call):
            read_capped(response, self.settings.max_response_bytes)
            call.error = self._settle(call, response)

    def _send(self, call: _Call, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        try:
            auth = httpx.USE_CLIENT_DEFAULT if call.auth is None else call.auth
            response = self._client.send(request, auth=auth)
            response.read()
        except httpx.TransportError as exc:
            call.attempts += 1
            call.last_headers = None
            # The deadline the transport granted the exchange that failed, if it ran out.
            at, seconds = request.extensions.get(deadline.GRANTED, (None, None))
            allowed = seconds if at is not None and time.monotonic() >= at else None
            err = transport_error(exc, self.platform, call.method, call.path, allowed)
            self._audit(call, None, _ms_since(started), error=err)
            raise err from None
        except BodyTooLarge as big:
            call.attempts += 1
            call.last_headers = big.response.headers
            refused = too_large(self.platform, call.method, call.path, big.cap)
            self._audit(call, big.response, _ms_since(started), error=refused)
            raise refused from None
        return response

    def _deadline_for(self, call: _Call) -> float:
        """The upload deadline for a request carrying a file, else the API call's."""
        body = call.kw.get("content")
        upload = "files" in call.kw or (
            isinstance(body, bytes | bytearray) and len(body) > _UPLOAD_BYTES
        )
        return self.settings.upload_deadline if upload else self.settings.deadline

    def _settle(self, call: _Call, response: httpx.Response) -> E.MktdError | None:
        """Record what one answer said (quotas, audit row) and return its error, if any."""
        call.attempts += 1
        call.last_headers = response.headers
        error = verdict(
            response, platform=self.platform, method=call.method, path=call.path,
            policy=self.policy, now=self.clock.now(),
        )  # fmt: skip
        # What the answer said and its audit row: one commit (the store's batch), not three.
        with self.limiter.batch():
            rate = self.limiter.observe(
                self.platform, self.account, call.path, response, self.policy
            )
            if isinstance(error, E.RateLimitError) and error.retry_after:
                # A reset known only from the body or the platform's rules (LinkedIn's UTC day,
                # GA4's quota words, HubSpot's policy names) must hold across processes too.
                self.limiter.hold(
                    self.platform, self.account, call.path, error.retry_after, method=call.method
                )
            self._audit(call, response, _elapsed_ms(response), error=error, rate=rate)
        return error

    def _audit(
        self,
        call: _Call,
        response: httpx.Response | None,
        ms: int,
        *,
        error: E.MktdError | None,
        rate: Mapping[str, Any] | None = None,
    ) -> None:
        rate = rate or {}
        status = response.status_code if response is not None else None
        names = self.policy.request_id_headers
        rid = request_id(response.headers, names) if response is not None else None
        self.audit(
            Exchange(
                self.platform, self.account, call.method, call.path, status, ms, call.attempts,
                request_id=getattr(error, "request_id", None) or rid,
                error_kind=error.kind if error else None,
                error_code=getattr(error, "code", None),
                rate_remaining=rate.get("remaining"),
                rate_reset_at=rate.get("reset_at"),
                correlation_id=self.correlation(),
                actor=current_actor(),
            )
        )  # fmt: skip


_CALL = "mktd.call"  # the request extension that ties a wire request to its logical call
_UPLOAD_BYTES = 64 * 1024  # a raw body above this is an upload (media), not an API call


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _elapsed_ms(response: httpx.Response) -> int:
    try:
        return int(response.elapsed.total_seconds() * 1000)
    except RuntimeError:  # not closed yet (a mocked response): nothing was timed
        return 0


def template_of(path: str) -> str:
    """The path template without query string or scheme/host (absolute upload URLs).

    Rate-limit keys, error messages, logs and audit rows use this: queries can carry keys
    (signed upload URLs do), and one key per distinct query would make the limits useless.
    """
    return urlsplit(path).path or "/"
