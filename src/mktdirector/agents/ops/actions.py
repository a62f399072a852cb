"""The actions log: who did what through a front end (an MCP tool call, an approval, a publish).

`http_calls` records what mktd sent to a platform; this records who asked for it and how it
ended, so `mktd logs --source mcp` shows every tool call an assistant made. Arguments are kept
without secrets: a field whose name says it holds one is masked, every text is redacted (known
secrets and credential-shaped strings), and long texts are cut.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from mktdirector.core.errors import UsageError
from mktdirector.core.redact import MASK, redact
from mktdirector.store.protocols import ActionLog, Lifecycle
from mktdirector.store.rows import ActionRow

SOURCES = ("cli", "web", "mcp", "api")
ASSISTANT = "assistant"  # the actor of an MCP tool call: whichever AI client is connected
_SECRET_NAME = re.compile(r"(?i)(token|secret|password|passwd|api[_-]?key|authorization|cookie)")
_MAX_TEXT = 500  # an argument is evidence of what was asked, not a copy of every draft


class ActionStore(ActionLog, Lifecycle, Protocol):
    """What this module needs of the store."""


def scrub(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments as they may be stored: secrets masked, texts redacted and cut."""
    return {k: MASK if _SECRET_NAME.search(k) else _clean(v) for k, v in arguments.items()}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        text = redact(value)
        return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"
    if isinstance(value, Mapping):
        return scrub(value)
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def record(
    store: ActionLog,
    *,
    source: str,
    action: str,
    outcome: str,
    arguments: Mapping[str, Any] | None = None,
    actor: str | None = None,
    detail: str | None = None,
    draft_id: str | None = None,
    correlation_id: str | None = None,
    duration_ms: int | None = None,
) -> str:
    """Write one action; the arguments and the detail are scrubbed here, whoever calls."""
    return store.record_action(
        source=source,
        action=action,
        outcome=outcome,
        actor=actor,
        arguments=scrub(arguments or {}),
        detail=redact(detail)[:_MAX_TEXT] if detail else None,
        draft_id=draft_id,
        correlation_id=correlation_id,
        duration_ms=duration_ms,
    )


def check_source(source: str) -> str:
    if source not in SOURCES:
        raise UsageError(
            f"Unknown source {source!r}.", hint=f"--source takes one of: {', '.join(SOURCES)}"
        )
    return source


def recent(
    store: ActionStore,
    *,
    source: str | None = None,
    draft_id: str | None = None,
    after_id: str | None = None,
    limit: int = 50,
) -> list[ActionRow]:
    """The newest actions (oldest first); nothing, and no database created, before `mktd init`."""
    if source is not None:
        check_source(source)
    if not store.exists():
        return []
    return store.actions(source=source, draft_id=draft_id, after_id=after_id, limit=limit)
