"""The MCP server: tools, resources and prompts over the agent flows, every tool call audited.

`build()` returns the server; `mktd mcp` runs it over stdio, `mktd mcp --http` over streamable
HTTP (mktdirector.mcp.http). Each tool call is written to the actions log (source `mcp`, actor
`assistant`): the tool, its arguments without secrets, the outcome (ok, refused, an error kind,
invalid_arguments) and the draft it touched; `mktd logs --source mcp` shows them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult
from pydantic import ValidationError

from mktdirector import __version__
from mktdirector.agents.ops import actions
from mktdirector.mcp import resources, tools
from mktdirector.mcp.results import DepsFactory, call_id
from mktdirector.wiring import Deps

log = logging.getLogger("mktdirector.mcp")

INSTRUCTIONS = (
    "mktd is the user's marketing director: it drafts LinkedIn posts and X threads in their "
    "brand voice, publishes exactly once, schedules and reports. No tool approves a draft: a "
    "person approves it (`mktd drafts approve ID`), then publish_draft or schedule_draft may "
    "send it. Draft freely; never ask the user to approve something they have not read."
)
# Tools whose result's `id` is a draft (other results name theirs as `draft_id`).
_DRAFT_RESULTS = frozenset({"draft_post", "get_draft", "edit_draft"})


class AuditedServer(MCPServer[Any]):
    """MCPServer that writes one actions row per tool call, whatever its outcome."""

    def __init__(self, make_deps: DepsFactory, **kw: Any) -> None:
        super().__init__(**kw)
        self._make_deps = make_deps

    async def call_tool(  # type: ignore[override]
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        from ulid import ULID

        cid = str(ULID())
        token = call_id.set(cid)
        started = time.monotonic()
        outcome, detail, result = "error", None, None
        try:
            result = await super().call_tool(name, arguments, context)
            outcome, detail = _outcome(result)
            return result
        except ToolError as e:
            outcome = _failed(e)
            detail = _schema_message(e) if outcome == "invalid_arguments" else None
            raise
        finally:
            call_id.reset(token)
            ms = int((time.monotonic() - started) * 1000)
            await anyio.to_thread.run_sync(
                lambda: self._audit(name, arguments, outcome, detail, result, cid, ms)
            )

    def _audit(
        self,
        name: str,
        arguments: dict[str, Any],
        outcome: str,
        detail: str | None,
        result: Any,
        cid: str,
        ms: int,
    ) -> None:
        data = getattr(result, "structured_content", None) or {}
        draft_id = data.get("draft_id") or (data.get("id") if name in _DRAFT_RESULTS else None)
        raw_err = data.get("error")
        err: dict[str, Any] = raw_err if isinstance(raw_err, dict) else {}
        draft_id = draft_id or err.get("draft_id")
        if not draft_id and err.get("not_found") != "draft":  # an unknown id touched no draft
            draft_id = arguments.get("draft_id")
        deps = None
        try:
            deps = self._make_deps()
            actions.record(deps.store, source="mcp", actor=actions.ASSISTANT, action=name,
                           outcome=outcome, arguments=arguments, detail=detail,
                           draft_id=draft_id, correlation_id=cid, duration_ms=ms)  # fmt: skip
        except Exception:  # the audit must not turn an answered call into a failure
            log.exception("could not write the actions row of MCP tool %s", name)
        finally:
            if deps is not None:
                deps.close()


def _outcome(result: Any) -> tuple[str, str | None]:
    if not isinstance(result, CallToolResult) or not result.is_error:
        return "ok", None
    err = (result.structured_content or {}).get("error") or {}
    kind = str(err.get("kind") or "error")
    outcome = "refused" if kind == "approval_required" else kind
    return outcome, f"{kind}: {err.get('message', '')}"


def _schema_message(e: ToolError) -> str:
    """Which argument broke which rule, without the rejected value (it is the caller's data)."""
    cause = e.__cause__
    assert isinstance(cause, ValidationError)
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in cause.errors()
    )


def _failed(e: ToolError) -> str:
    if isinstance(e, UnexpectedToolError):
        return "crashed"
    if isinstance(e.__cause__, ValidationError):
        return "invalid_arguments"
    return "unknown_tool" if "Unknown tool" in str(e) else "error"


class _NoTracebacks(logging.Filter):
    """A crash in a tool is logged as one redacted line; its traceback only with MKTD_DEBUG=1
    (the project's rule for every command: the SDK would print a rich traceback on stderr)."""

    def filter(self, record: logging.LogRecord) -> bool:
        import os

        from mktdirector.core.redact import redact

        if record.exc_info and os.environ.get("MKTD_DEBUG", "") not in ("", "0"):
            import traceback

            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
        else:
            record.exc_text = None
        record.exc_info = None  # formatters print exc_text: the redacted one, or nothing
        record.msg, record.args = redact(record.getMessage()), ()
        return True


def _quiet_sdk_logs() -> None:
    for name in ("mcp.server.mcpserver.server", "mcp.server.lowlevel.server", log.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoTracebacks) for f in logger.filters):
            logger.addFilter(_NoTracebacks())


def build(make_deps: DepsFactory = Deps) -> AuditedServer:
    """The mktd MCP server; `make_deps` gives each call its wiring (tests pass their own)."""
    server = AuditedServer(
        make_deps, name="mktd", title="mktd: AI marketing director", version=__version__,
        instructions=INSTRUCTIONS, log_level="WARNING",
    )  # fmt: skip
    tools.register(server, make_deps)
    resources.register(server, make_deps)
    _quiet_sdk_logs()
    return server
