"""Everything of the sandbox but the sockets: state, clock, limits, faults, auth, dispatch.

Platforms are modules: the first of each group below answers errors in that platform's shape
(`error`, `unauthorized`, `rate_limited`), and the routes of all of them are tried in order.
The inspection API (`/_sandbox/...`) is answered here too: state, requests, env, reset,
faults, clock, tokens/expire.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from mktdirector.sandbox import env as sbenv
from mktdirector.sandbox import faults as F
from mktdirector.sandbox.base import (
    Auth,
    AuthFailure,
    Principal,
    Request,
    Response,
    Route,
    SandboxError,
    find_route,
    html_response,
    json_response,
)
from mktdirector.sandbox.limits import Limits
from mktdirector.sandbox.state import State, token_hash

INSPECT = "_sandbox"
# URL prefix -> the modules that serve it (the first one owns the error shapes).
PLATFORMS = {
    "x": ("twitter.api", "twitter.read", "twitter.media"),
    "linkedin": ("linkedin.api", "linkedin.media"),
    "hubspot": ("hubspot.api", "hubspot.search", "hubspot.update"),
    "ga": ("google_analytics.api", "google_analytics.realtime"),
    "sendgrid": ("sendgrid.api", "sendgrid.stats"),
    "salesforce": ("salesforce.api", "salesforce.collections"),
    "mailchimp": ("mailchimp.api", "mailchimp.campaigns"),
    "oauth": ("oauth.server", "oauth.consent"),
}

ALIASES = {"twitter": "x", "google-analytics": "ga"}


def unanswerable(name: str, method: str, path: str) -> str:
    what = name if not name.endswith(".unknown") else f"{method} {path}"
    return (
        f"The mktd sandbox cannot answer {what}: not emulated for this request "
        "(see docs/sandbox.md)."
    )


def load_platforms() -> tuple[dict[str, ModuleType], dict[str, list[Route]], list[ModuleType]]:
    """(prefix -> module owning the error shapes, prefix -> all routes, every module)."""
    from importlib import import_module

    owners: dict[str, ModuleType] = {}
    routes: dict[str, list[Route]] = {}
    every: list[ModuleType] = []
    for prefix, names in PLATFORMS.items():
        mods = [import_module(f"mktdirector.sandbox.{n}") for n in names]
        owners[prefix] = mods[0]
        routes[prefix] = [r for m in mods for r in m.ROUTES]
        every += mods
    return owners, routes, every


class Emulator:
    """Everything but the sockets: state, clock, limits, faults, auth and dispatch."""

    def __init__(
        self,
        state_dir: Path | None,
        *,
        faults: str | None = None,
        seed: int = 0,
        limits: Mapping[str, tuple[int, float]] | None = None,
        clock: Callable[[], float] = time.time,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.state = State(state_dir)
        if self.state.meta("created_at") is None:
            self.state.set_meta("created_at", repr(clock()))
        self.faults = F.Faults(faults)
        self.seed = seed
        self._clock = clock
        self.limits = Limits(self.now, limits)
        self.log = log
        self._offset = float(self.state.meta("clock_offset", "0") or 0)
        self.base_url = ""
        self.modules, self.routes, self.all_modules = load_platforms()
        self.stopping = threading.Event()
        self.recent: deque[dict[str, Any]] = deque(maxlen=2000)
        # Short-lived OAuth things (consent tickets, codes) live in memory, as on a real server.
        self.memory: dict[str, dict[str, Any]] = {}

    # time ------------------------------------------------------------------------------------
    def now(self) -> float:
        """The sandbox's clock: real time plus the offset `POST /_sandbox/clock` added."""
        return self._clock() + self._offset

    def real_now(self) -> float:
        """The machine's clock, whatever clock the sandbox was given and however it was moved:
        what clients' own libraries stamp with (google-auth signs a JWT's iat with it)."""
        return time.time()

    def set_offset(self, offset: float) -> None:
        """Move the sandbox clock: posts age, tokens expire and windows roll accordingly."""
        self._offset = offset
        self.state.set_meta("clock_offset", repr(offset))

    def sleep(self, seconds: float) -> None:
        """Wait, but wake up at once when the server stops."""
        self.stopping.wait(max(seconds, 0.0))

    # auth --------------------------------------------------------------------------------------
    def authenticate(self, req: Request, platform: str) -> Auth:
        """The principal behind `Authorization: Bearer`, or why there is none."""
        token = req.bearer()
        if not token:
            return AuthFailure("missing")
        static = sbenv.STATIC_TOKENS.get(token)
        if static is not None:
            if static[0] != platform:
                return AuthFailure("invalid")
            return Principal(platform, static[1], frozenset(static[2]), static[3], "static")
        doc = self.state.get("token", token_hash(token))
        if doc is None or doc.get("platform") != platform or doc.get("kind") != "access":
            return AuthFailure("invalid")
        if doc.get("revoked"):
            return AuthFailure("revoked")
        if doc.get("expires_at") is not None and self.now() >= doc["expires_at"]:
            return AuthFailure("expired")
        return Principal(
            platform,
            doc["user"],
            frozenset(doc.get("scopes") or ()),
            doc.get("principal", "user"),
            doc["id"],
            doc.get("client_id", ""),
        )

    # dispatch ----------------------------------------------------------------------------------
    def resolve(
        self, method: str, path: str
    ) -> tuple[ModuleType | None, Route | None, dict[str, str], str, str]:
        """(module, route, path params, path below the prefix, route name)."""
        first, _, rest = path.lstrip("/").partition("/")
        prefix = ALIASES.get(first, first)
        mod = self.modules.get(prefix)
        if mod is None:
            return None, None, {}, path, "unknown.unknown"
        sub = "/" + rest
        found, params, other = find_route(self.routes[prefix], method, sub)
        if found is None:
            return mod, None, {}, sub, f"{prefix}.{'method' if other else 'unknown'}"
        return mod, found, params, sub, found.name.format(**params)

    @contextmanager
    def connection(self, path: str, headers: Mapping[str, str]) -> Iterator[Response | None]:
        """Hold one of the caller's connections for the request (platforms with `admit`),
        or yield the refusal to send instead."""
        first = path.lstrip("/").partition("/")[0]
        mod = self.modules.get(ALIASES.get(first, first))
        admit = getattr(mod, "admit", None)
        if admit is None:
            yield None
            return
        lowered = {k.lower(): v for k, v in headers.items()}
        refused = admit(self, lowered)
        if refused is not None:
            yield refused
            return
        try:
            yield None
        finally:
            mod.release(self, lowered)  # type: ignore[union-attr]

    def call(self, mod: ModuleType, route: Route, req: Request, params: dict[str, str]) -> Response:
        """Run a handler in one transaction; one that cannot answer says 501 naming its route.

        Never a 500 with a Python exception: a client (or an official SDK) would take that for
        the platform failing. The exception goes to the sandbox's log only."""
        try:
            with self.state.transaction():
                return route.handler(self, req, **params)
        except Exception as e:  # noqa: BLE001 - reported to the client, in the platform's shape
            name = route.name.format(**params)
            if self.log:
                self.log(f"sandbox cannot answer {name}: {type(e).__name__}: {e}")
            return mod.error(
                self, 501, unanswerable(name, req.method, req.path), name.partition(".")[0]
            )

    def count(self, name: str, outcome: str, started: float, path: str, method: str) -> None:
        """Count a request by route and outcome (status, or reset/close/timeout)."""
        with self.state.transaction():
            self.state.incr(f"requests.{name}")
            self.state.incr(f"outcomes.{name}.{outcome}")
        ms = int((time.monotonic() - started) * 1000)
        entry = {
            "route": name,
            "method": method,
            "path": path,
            "outcome": outcome,
            "at": self.now(),
            "ms": ms,
        }
        self.recent.append(entry)
        if self.log:
            self.log(f"{method} {path} -> {outcome} ({name})")

    def fault_response(self, mod: ModuleType | None, action: F.Action, platform: str) -> Response:
        """The platform-shaped answer of a status fault (5xx, 429, 401, html)."""
        if action.kind == "html":
            return html_response(
                action.status,
                f"<html><head><title>{action.status} Bad Gateway</title></head><body>"
                f"<center><h1>{action.status} Bad Gateway</h1></center><hr>"
                "<center>nginx</center></body></html>",
            )
        if mod is None:
            return json_response(action.status, {"error": "sandbox fault"})
        if action.kind == "429":
            return mod.rate_limited(
                self, action.seconds if action.reset_headers else None, platform
            )
        if action.kind == "401":
            return mod.unauthorized(self, "invalid", platform)
        return mod.error(self, action.status, None, platform)

    def not_found(
        self, mod: ModuleType | None, name: str, method: str = "", path: str = ""
    ) -> Response:
        """405 for a known path with another method; 501 naming a path the sandbox does not
        emulate (the platform may well have it: a 404 would say it does not exist)."""
        if mod is None:
            return json_response(404, {"error": "no such platform in the sandbox"})
        if name.endswith(".method"):
            return mod.error(self, 405, None, name.partition(".")[0])
        return mod.error(self, 501, unanswerable(name, method, path), name.partition(".")[0])

    # inspection API ----------------------------------------------------------------------------
    def inspect(self, method: str, path: str, req: Request) -> Response:
        """`/_sandbox/...`: state, requests, env, reset, faults, clock, tokens/expire."""
        if path in ("/", ""):
            return json_response(200, {"sandbox": self.base_url, "state": f"/{INSPECT}/state"})
        what = path.strip("/").partition("/")[2]
        try:
            body = req.json() if req.body else {}
        except ValueError:
            return json_response(400, {"error": "body must be JSON"})
        if what == "state" and method == "GET":
            return json_response(200, self.snapshot())
        if what == "requests" and method == "GET":
            return json_response(200, {"requests": list(self.recent)})
        if what == "env" and method == "GET":
            tokens = req.arg("tokens", "1") not in ("0", "false", "no")
            return json_response(200, sbenv.sandbox_env(self.base_url, self._dir(), tokens=tokens))
        if what == "reset" and method == "POST":
            self.reset()
            return json_response(200, {"reset": True})
        if what == "faults":
            try:
                if method == "POST":
                    if "add" in body:
                        self.faults.add(str(body["add"]))
                    else:
                        self.faults.replace(str(body.get("spec") or ""))
                elif method == "DELETE":
                    self.faults.replace("")
            except SandboxError as e:
                return json_response(400, {"error": str(e)})
            return json_response(200, {"faults": self.faults.to_list()})
        if what == "clock" and method == "POST":
            try:
                offset = float(body.get("offset", self._offset + float(body.get("advance", 0))))
            except (TypeError, ValueError):
                return json_response(
                    400, {"error": 'give {"advance": seconds} or {"offset": seconds}'}
                )
            self.set_offset(offset)
            return json_response(200, {"now": self.now(), "offset": offset})
        if what == "tokens/expire" and method == "POST":
            return json_response(200, {"expired": self.expire_tokens(body.get("platform"))})
        return json_response(404, {"error": f"no inspection endpoint {method} /{INSPECT}/{what}"})

    def _dir(self) -> Path:
        if self.state_dir is None:
            raise SandboxError("this sandbox has no state dir")
        return self.state_dir

    def reset(self) -> None:
        """Forget everything created, issued and counted; faults start counting again."""
        self.state.clear()
        self.state.set_meta("created_at", repr(self._clock()))
        self.limits.clear()
        self.faults.rewind()
        self.memory.clear()
        self.recent.clear()
        self._offset = 0.0

    def expire_tokens(self, platform: str | None = None) -> int:
        """Make every issued access token (of one platform) expire now: the next call is a 401."""
        n = 0
        with self.state.transaction():
            for doc in self.state.find("token"):
                if doc.get("kind") != "access" or (platform and doc.get("platform") != platform):
                    continue
                doc["expires_at"] = self.now() - 1
                self.state.put(
                    "token", doc["id"], doc, owner=doc.get("family"), key=doc["platform"]
                )
                n += 1
        return n

    def snapshot(self) -> dict[str, Any]:
        """Everything a test counts: posts, contacts, emails, tokens, requests per route."""
        out: dict[str, Any] = {"now": self.now(), "url": self.base_url, "posts": {}}
        with self.state.lock:  # one consistent picture, not half of a request's writes
            for mod in self.all_modules:
                hook = getattr(mod, "snapshot", None)
                if hook is not None:
                    hook(self, out)
            counts = self.state.counters("requests.")
            raw = self.state.counters("outcomes.")
        outcomes: dict[str, dict[str, int]] = {}
        for key, value in raw.items():
            name, _, outcome = key.removeprefix("outcomes.").rpartition(".")
            outcomes.setdefault(name, {})[outcome] = value
        out["requests"] = {
            k.removeprefix("requests."): {"count": v, "outcomes": outcomes.get(k[9:], {})}
            for k, v in counts.items()
        }
        out["faults"] = self.faults.to_list()
        return out

    def close(self) -> None:
        self.stopping.set()
        self.state.close()
