"""Fault injection: what can go wrong between mktd and a platform, on purpose, per route.

Grammar (`mktd sandbox serve --faults SPEC`, `POST /_sandbox/faults {"spec": SPEC}`)::

    SPEC   := RULE ("," RULE)*
    RULE   := TARGET ":" ACTION ["@" WHEN]
    TARGET := PLATFORM "." ROUTE        either part may be "*"; a bare "*" is every route
    WHEN   := "*" | N | N "-" M | N "+"  which matching requests, counted from 1 per rule
                                         since the rule was installed; default "*" (every one)

ACTION, one of:

    delay=S                   wait S seconds, then answer normally
    delay-after=S             do the work, wait S seconds, then answer normally: the post
                              exists while the client still waits (a window for crash tests)
    timeout[=S]               hold the request S seconds (default 90), then close without an
                              answer; nothing is done
    timeout-after-create[=S]  do the work (the post IS created), then hold S seconds (default
                              90) and close without an answer: the client times out
    reset | reset-before      read the request, then reset the connection (TCP RST); nothing done
    reset-after               do the work, then reset the connection instead of answering
    close | close-after       like reset, but a clean close (FIN): "disconnected without a
                              response"; before / after doing the work
    STATUS[-after]            answer STATUS (400-599, not 429) in the platform's error shape,
                              before doing the work (or after it, e.g. 500-after: a create that
                              happened but answered 500)
    429[=S]                   rate limited, with the platform's reset headers (reset in S
                              seconds, default 60; LinkedIn has none, as in reality)
    429-noreset               rate limited without any reset or Retry-After header
    401 | 401-once            the token is refused in the platform's shape (401-once = 401@1)
    html[=STATUS]             an HTML error page (default 502), as a proxy in front would send
    truncate                  do the work, answer with the body cut in half (broken JSON)

Examples: `x.create:timeout-after-create@2`, `linkedin.create:500@1`, `hubspot.upsert:429@*`,
`x.create:reset`, `x.me:401-once`, `sendgrid.send:delay=2.5`, `*.token:503@1-2`.
Route names are listed in docs/sandbox.md and counted in `GET /_sandbox/state`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from mktdirector.sandbox.base import SandboxError

PLATFORM_ALIASES = {"twitter": "x", "google-analytics": "ga", "google_analytics": "ga"}
DEFAULT_HOLD = 90.0  # longer than mktd's default 30 s timeout
DEFAULT_RESET = 60.0
# Actions that let the handler run first and then spoil the answer.
AFTER = {"timeout-after-create", "reset-after", "close-after", "truncate", "status-after"}
_RULE = re.compile(r"^(?P<target>[^:]+):(?P<action>[^@]+)(?:@(?P<when>.+))?$")
_WHEN = re.compile(r"^(?:(?P<all>\*)|(?P<a>\d+)(?:(?P<plus>\+)|-(?P<b>\d+))?)$")
_NAME = re.compile(r"^(?:\*|[a-z][a-z0-9_-]*)$")


@dataclass
class Action:
    kind: str  # delay | timeout | timeout-after-create | reset | ... | status | 429 | 401 | html
    seconds: float = 0.0
    status: int = 0
    reset_headers: bool = True

    @property
    def after(self) -> bool:
        return self.kind in AFTER


@dataclass
class Rule:
    """One RULE of the spec, with its own count of the requests it matched."""

    text: str
    platform: str
    route: str
    action: Action
    first: int = 1
    last: int | None = None  # None = no upper bound
    seen: int = 0
    fired: int = 0

    def matches(self, route_name: str) -> bool:
        platform, _, name = route_name.partition(".")
        return self.platform in ("*", platform) and self.route in ("*", name)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.text, "seen": self.seen, "fired": self.fired}


def _number(text: str, what: str, rule: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SandboxError(f"Fault {rule!r}: {what} must be a number, got {text!r}.") from None
    if value < 0:
        raise SandboxError(f"Fault {rule!r}: {what} must not be negative.")
    return value


def parse_action(text: str, rule: str) -> Action:
    name, _, arg = text.strip().partition("=")
    name = name.strip().lower()
    if name in ("delay", "delay-after"):
        return Action(name, seconds=_number(arg, "the delay", rule))
    if name in ("timeout", "timeout-after-create"):
        return Action(name, seconds=_number(arg, "the hold", rule) if arg else DEFAULT_HOLD)
    if name in ("reset", "reset-before"):
        return Action("reset")
    if name in ("reset-after", "close", "close-after", "truncate"):
        return Action(name)
    if name == "html":
        status = int(_number(arg, "the status", rule)) if arg else 502
        return Action("html", status=status)
    if name in ("401", "401-once"):
        return Action("401", status=401)
    if name == "429":
        return Action(
            "429", status=429, seconds=_number(arg, "the reset", rule) if arg else DEFAULT_RESET
        )
    if name == "429-noreset":
        return Action("429", status=429, reset_headers=False)
    m = re.fullmatch(r"([45]\d\d)(-after)?", name)
    if m and not arg:
        status = int(m.group(1))
        if status == 429 and m.group(2):
            raise SandboxError(f"Fault {rule!r}: use 429 or 429-noreset (no -after).")
        return Action("status-after" if m.group(2) else "status", status=status)
    raise SandboxError(
        f"Unknown fault action {text!r} in {rule!r}.",
    )


def parse_rule(text: str) -> Rule:
    """One `TARGET:ACTION[@WHEN]`."""
    raw = text.strip()
    m = _RULE.match(raw)
    if not m:
        raise SandboxError(f"Fault {raw!r} is not TARGET:ACTION[@WHEN] (e.g. x.create:500@1).")
    target = m.group("target").strip().lower()
    platform, dot, route_name = target.partition(".")
    if not dot:
        if target != "*":
            raise SandboxError(f"Fault target {target!r} is not PLATFORM.ROUTE (e.g. x.create).")
        route_name = "*"
    platform = PLATFORM_ALIASES.get(platform, platform)
    if not _NAME.match(platform) or not _NAME.match(route_name):
        raise SandboxError(f"Fault target {target!r} is not PLATFORM.ROUTE (e.g. x.create).")
    action_text = m.group("action")
    action = parse_action(action_text, raw)
    rule = Rule(raw, platform, route_name, action)
    when = (m.group("when") or "").strip()
    if action_text.strip().lower() == "401-once":
        if when and when != "1":
            raise SandboxError(f"Fault {raw!r}: 401-once already means @1.")
        when = "1"
    if when:
        w = _WHEN.match(when)
        if not w:
            raise SandboxError(f"Fault {raw!r}: WHEN must be *, N, N-M or N+ (got {when!r}).")
        if not w.group("all"):
            rule.first = int(w.group("a"))
            rule.last = None if w.group("plus") else int(w.group("b") or w.group("a"))
            if rule.first < 1 or (rule.last is not None and rule.last < rule.first):
                raise SandboxError(f"Fault {raw!r}: requests are counted from 1 (got {when!r}).")
    return rule


def parse(spec: str | None) -> list[Rule]:
    """All rules of a spec ("" or None: no faults)."""
    return [parse_rule(part) for part in (spec or "").split(",") if part.strip()]


@dataclass
class Plan:
    """What the faults decided for one request."""

    delay: float = 0.0
    delay_after: float = 0.0  # after the work, before the answer
    action: Action | None = None
    rules: list[str] = field(default_factory=list)


class Faults:
    """The installed rules; `plan()` counts a request against every rule it matches."""

    def __init__(self, spec: str | None = None) -> None:
        self._lock = threading.Lock()
        self.rules = parse(spec)

    def replace(self, spec: str | None) -> None:
        rules = parse(spec)  # parse first: a bad spec leaves the old rules in place
        with self._lock:
            self.rules = rules

    def add(self, spec: str) -> None:
        rules = parse(spec)
        with self._lock:
            self.rules.extend(rules)

    def rewind(self) -> None:
        """Start every rule's count again (after a reset)."""
        with self._lock:
            for r in self.rules:
                r.seen = r.fired = 0

    def plan(self, route_name: str) -> Plan:
        """Delays (before and after the work) add up; the first other action that applies wins."""
        out = Plan()
        with self._lock:
            for rule in self.rules:
                if not rule.matches(route_name):
                    continue
                rule.seen += 1
                n = rule.seen
                if n < rule.first or (rule.last is not None and n > rule.last):
                    continue
                if rule.action.kind == "delay":
                    out.delay += rule.action.seconds
                elif rule.action.kind == "delay-after":
                    out.delay_after += rule.action.seconds
                elif out.action is None:
                    out.action = rule.action
                else:
                    continue
                rule.fired += 1
                out.rules.append(rule.text)
        return out

    def to_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_dict() for r in self.rules]
