"""Tool results: structured data on success, a structured MCP tool error on failure.

A tool body runs with its own `Deps` (fresh config, brand file and store connection for every
call: a long-running server sees edits at once) and its errors become tool errors carrying the
CLI's error kind, message and hint (`is_error`, with the same fields in `structured_content`),
never a traceback. A bug's text stays on the server: the client reads "Error executing tool".
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable
from typing import Any

from mcp.types import CallToolResult, TextContent

from mktdirector.agents.hints import add_hint
from mktdirector.core.errors import MktdError
from mktdirector.core.redact import redact
from mktdirector.store.errors import RecordNotFoundError
from mktdirector.wiring import Deps

DepsFactory = Callable[[], Deps]

# The id of the tool call being served: the actions row and the calls it makes share it.
call_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("mktd_mcp_call", default=None)


def ok(data: dict[str, Any]) -> CallToolResult:
    """Structured content, and the same JSON as text for clients that read only text."""
    text = redact(json.dumps(data, ensure_ascii=False, default=str, indent=1))
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=json.loads(text),
    )


def failure(err: MktdError) -> CallToolResult:
    """The CLI's error kind, message and hint (and exit code) as an MCP tool error."""
    err = add_hint(err)
    data: dict[str, Any] = {**err.to_dict(), "exit_code": int(err.exit_code)}
    data["kind"] = data.pop("error", err.kind)
    if isinstance(err, RecordNotFoundError):
        data["not_found"] = err.entity  # e.g. "draft": the id asked for names nothing
    text = f"{err.kind}: {err.message}" + (f"\nHint: {err.hint}" if err.hint else "")
    return CallToolResult(
        content=[TextContent(type="text", text=redact(text))],
        structured_content={"error": json.loads(redact(json.dumps(data, default=str)))},
        is_error=True,
    )


def run(make_deps: DepsFactory, body: Callable[[Deps], dict[str, Any]]) -> CallToolResult:
    """Run one tool body with its own Deps; an expected error becomes a tool error."""
    deps = make_deps()
    cid = call_id.get()
    if cid is not None:
        deps.run_id = cid  # the calls this tool makes carry the tool call's id
    try:
        return ok(body(deps))
    except MktdError as e:
        return failure(e)
    finally:
        deps.close()
